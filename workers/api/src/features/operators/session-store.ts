import { and, eq, isNull } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { toBase64Url, toHex } from "#shared/crypto/encoding";
import { sha256 } from "#shared/crypto/hmac";
import { operatorSessions, operators } from "#shared/db/schema";

/** How long a console session lives: at most 12 hours, and 30 minutes without use. */
export const SESSION_POLICY = {
  maxAgeMs: 12 * 60 * 60_000,
  idleMs: 30 * 60_000,
  /** A session's last use is written at most this often: a page view is not a D1 write. */
  touchEveryMs: 60_000,
} as const;

const randomToken = () => toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
const hashOf = async (sessionId: string) => toHex(await sha256(sessionId));

export interface NewSession {
  /** Goes in the cookie; only its SHA-256 is stored. */
  sessionId: string;
  csrfToken: string;
  expiresAtMs: number;
}

export async function createSession(
  db: D1Database,
  operatorId: string,
  nowMs: number,
): Promise<NewSession> {
  const sessionId = randomToken();
  const csrfToken = randomToken();
  const expiresAtMs = nowMs + SESSION_POLICY.maxAgeMs;
  await drizzle(db)
    .insert(operatorSessions)
    .values({
      idHash: await hashOf(sessionId),
      operatorId,
      csrfToken,
      createdAtMs: nowMs,
      lastSeenAtMs: nowMs,
      expiresAtMs,
    });
  return { sessionId, csrfToken, expiresAtMs };
}

export interface LiveSession {
  idHash: string;
  csrfToken: string;
  operator: typeof operators.$inferSelect;
}

/**
 * The live session a cookie names, with its operator; null when unknown, revoked, past its
 * expiry or idle too long, or when the operator is disabled. Refreshes the last use now and
 * then (SESSION_POLICY.touchEveryMs).
 */
export async function findLiveSession(
  db: D1Database,
  sessionId: string,
  nowMs: number,
): Promise<LiveSession | null> {
  const idHash = await hashOf(sessionId);
  const d = drizzle(db);
  const rows = await d
    .select({ session: operatorSessions, operator: operators })
    .from(operatorSessions)
    .innerJoin(operators, eq(operators.id, operatorSessions.operatorId))
    .where(and(eq(operatorSessions.idHash, idHash), isNull(operatorSessions.revokedAtMs)))
    .limit(1);
  const row = rows[0];
  if (!row) return null;
  const { session, operator } = row;
  if (session.expiresAtMs <= nowMs) return null;
  if (session.lastSeenAtMs + SESSION_POLICY.idleMs <= nowMs) return null;
  if (operator.disabled) return null;
  if (nowMs - session.lastSeenAtMs >= SESSION_POLICY.touchEveryMs) {
    await d
      .update(operatorSessions)
      .set({ lastSeenAtMs: nowMs })
      .where(eq(operatorSessions.idHash, idHash));
  }
  return { idHash, csrfToken: session.csrfToken, operator };
}

/** Ends one session (sign-out). */
export async function revokeSession(db: D1Database, idHash: string, nowMs: number): Promise<void> {
  await drizzle(db)
    .update(operatorSessions)
    .set({ revokedAtMs: nowMs })
    .where(eq(operatorSessions.idHash, idHash));
}

import { and, asc, eq, isNull, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { operatorSessions, operators } from "#shared/db/schema";
import { newId } from "#shared/ids";
import type { PasswordHash } from "./password";
import type { SignInState } from "./sign-in-policy";

export type OperatorRow = typeof operators.$inferSelect;

export interface NewOperator {
  email: string;
  displayName: string;
  role: string;
  timeZone: string;
  password: PasswordHash;
}

/** Inserts an operator; null when the e-mail is taken (the unique index decides, no race). */
export async function insertOperator(
  db: D1Database,
  input: NewOperator,
  nowMs: number,
): Promise<OperatorRow | null> {
  const id = newId("operator", nowMs);
  const rows = await drizzle(db)
    .insert(operators)
    .values({
      id,
      email: input.email,
      displayName: input.displayName,
      role: input.role,
      timeZone: input.timeZone,
      passwordHash: input.password.hash,
      passwordSalt: input.password.salt,
      passwordIterations: input.password.iterations,
      createdAtMs: nowMs,
      updatedAtMs: nowMs,
    })
    .onConflictDoNothing({ target: operators.email })
    .returning();
  return rows[0] ?? null;
}

export async function getOperator(db: D1Database, id: string): Promise<OperatorRow | null> {
  const rows = await drizzle(db).select().from(operators).where(eq(operators.id, id)).limit(1);
  return rows[0] ?? null;
}

export async function getOperatorByEmail(
  db: D1Database,
  email: string,
): Promise<OperatorRow | null> {
  const rows = await drizzle(db)
    .select()
    .from(operators)
    .where(eq(operators.email, email))
    .limit(1);
  return rows[0] ?? null;
}

/** Every operator, by e-mail. An operator list is dozens of rows, not thousands. */
export async function listOperators(db: D1Database, limit: number): Promise<OperatorRow[]> {
  return drizzle(db).select().from(operators).orderBy(asc(operators.email)).limit(limit);
}

export interface OperatorChanges {
  displayName?: string;
  role?: string;
  timeZone?: string;
  disabled?: boolean;
}

/**
 * Applies changes; a change of role or a disabling also revokes every session of the
 * operator in the same batch, so nobody keeps rights they no longer have.
 */
export async function updateOperator(
  db: D1Database,
  id: string,
  changes: OperatorChanges,
  nowMs: number,
): Promise<OperatorRow | null> {
  const d = drizzle(db);
  const revokes = changes.role !== undefined || changes.disabled === true;
  const update = d
    .update(operators)
    .set({ ...changes, updatedAtMs: nowMs })
    .where(eq(operators.id, id))
    .returning();
  if (!revokes) return (await update)[0] ?? null;
  const [rows] = await d.batch([update, revokeSessionsQuery(db, id, nowMs)]);
  return rows[0] ?? null;
}

/** Sets a new password, clears any lockout and ends every session, in one batch. */
export async function setOperatorPassword(
  db: D1Database,
  id: string,
  password: PasswordHash,
  nowMs: number,
): Promise<boolean> {
  const d = drizzle(db);
  const [rows] = await d.batch([
    d
      .update(operators)
      .set({
        passwordHash: password.hash,
        passwordSalt: password.salt,
        passwordIterations: password.iterations,
        failedSignIns: 0,
        lockedUntilMs: null,
        updatedAtMs: nowMs,
      })
      .where(eq(operators.id, id))
      .returning({ id: operators.id }),
    revokeSessionsQuery(db, id, nowMs),
  ]);
  return rows.length > 0;
}

/** Records the sign-in state after a wrong password, or clears it after a right one. */
export async function saveSignInState(
  db: D1Database,
  id: string,
  state: SignInState,
): Promise<void> {
  await drizzle(db)
    .update(operators)
    .set({ failedSignIns: state.failedSignIns, lockedUntilMs: state.lockedUntilMs })
    .where(eq(operators.id, id));
}

function revokeSessionsQuery(db: D1Database, operatorId: string, nowMs: number) {
  return drizzle(db)
    .update(operatorSessions)
    .set({ revokedAtMs: nowMs })
    .where(and(eq(operatorSessions.operatorId, operatorId), isNull(operatorSessions.revokedAtMs)));
}

/** Ends every live session of an operator; how many were live. */
export async function revokeOperatorSessions(
  db: D1Database,
  operatorId: string,
  nowMs: number,
): Promise<number> {
  const rows = await revokeSessionsQuery(db, operatorId, nowMs).returning({
    id: operatorSessions.idHash,
  });
  return rows.length;
}

/** Live sessions per operator, for the operators list. */
export async function countLiveSessions(
  db: D1Database,
  nowMs: number,
): Promise<Map<string, number>> {
  const rows = await drizzle(db)
    .select({ operatorId: operatorSessions.operatorId, n: sql<number>`count(*)` })
    .from(operatorSessions)
    .where(
      and(isNull(operatorSessions.revokedAtMs), sql`${operatorSessions.expiresAtMs} > ${nowMs}`),
    )
    .groupBy(operatorSessions.operatorId);
  return new Map(rows.map((r) => [r.operatorId, r.n]));
}

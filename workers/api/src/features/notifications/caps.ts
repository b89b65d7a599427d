import { type DbRouterEnv, userDb } from "#shared/db/router";
import type { NotificationCategory } from "#shared/notify/catalog";
import type { FrequencyCap } from "#shared/notify/settings";
import { isoWeek, localParts } from "#shared/rules/local-time";

/**
 * Frequency caps: at most `perDay` messages of a category per user per local day and
 * `perWeek` per ISO week, counted in the recipient's zone. Critical messages are never capped
 * (callers do not ask; capFor returns no limits for them).
 */

export interface CapClaim {
  userId: string;
  category: NotificationCategory;
  /** The notification event's id: a redelivery of a claimed event is allowed again, never counted twice. */
  eventId: string;
  timeZone: string;
  nowMs: number;
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** Pure: the local day and ISO week keys an instant counts in, for a zone. */
export function capPeriodKeys(
  nowMs: number,
  timeZone: string,
): { dayKey: string; weekKey: string } {
  const p = localParts(nowMs, timeZone);
  const w = isoWeek(p.year, p.month, p.day);
  return {
    dayKey: `${p.year}-${pad(p.month)}-${pad(p.day)}`,
    weekKey: `${w.weekYear}-W${pad(w.week)}`,
  };
}

/** One claim with the caps it is made under. */
export interface CapRequest {
  claim: CapClaim;
  cap: FrequencyCap;
}

const NO_CAP = -1;

/** Pure: whether a claim needs D1 at all (critical, or a category without caps, always goes). */
export function isCapped(category: NotificationCategory, cap: FrequencyCap): boolean {
  return category !== "critical" && (cap.perDay !== null || cap.perWeek !== null);
}

/** The one conditional statement of a claim: inserted only while both counts are below their caps. */
function claimStatement(db: D1Database, { claim, cap }: CapRequest): D1PreparedStatement {
  const { dayKey, weekKey } = capPeriodKeys(claim.nowMs, claim.timeZone);
  return db
    .prepare(
      `INSERT INTO notification_cap_claims
         (user_id, category, event_id, day_key, week_key, claimed_at_ms)
       SELECT ?1, ?2, ?3, ?4, ?5, ?6
       WHERE (?7 = ${NO_CAP} OR (SELECT count(*) FROM notification_cap_claims
                WHERE user_id = ?1 AND category = ?2 AND day_key = ?4) < ?7)
         AND (?8 = ${NO_CAP} OR (SELECT count(*) FROM notification_cap_claims
                WHERE user_id = ?1 AND category = ?2 AND week_key = ?5) < ?8)
       ON CONFLICT (user_id, category, event_id) DO NOTHING`,
    )
    .bind(
      claim.userId,
      claim.category,
      claim.eventId,
      dayKey,
      weekKey,
      claim.nowMs,
      cap.perDay ?? NO_CAP,
      cap.perWeek ?? NO_CAP,
    );
}

const claimKey = (userId: string, category: string, eventId: string) =>
  JSON.stringify([userId, category, eventId]);

/**
 * Claims many slots in ONE D1 batch per user database (the router's whole queue batch; one
 * batch at one user database): each claim is its own conditional statement, run in order in
 * the batch's one transaction, so a claim counts every claim before it (of this batch and of
 * any other consumer) and concurrent claims never pass a cap; a last statement reads back
 * which claims are held. A user's claims all live in the user's database
 * (`notification_cap_claims` is spread, shared/db/router.ts), so a cap is never split. Answers
 * one boolean per request, in order: true when the message may go (a new slot, or this event
 * already held one), false when the user's day or week is full. Critical and uncapped claims
 * are true without D1.
 */
export async function claimCapSlots(
  env: DbRouterEnv,
  requests: readonly CapRequest[],
): Promise<boolean[]> {
  const answers = requests.map(({ claim, cap }) => !isCapped(claim.category, cap));
  const asked = requests.filter(({ claim, cap }) => isCapped(claim.category, cap));
  if (asked.length === 0) return answers;
  const byDb = new Map<D1Database, CapRequest[]>();
  for (const request of asked) {
    const db = userDb(env, request.claim.userId);
    byDb.set(db, [...(byDb.get(db) ?? []), request]);
  }
  const held = new Set(
    (await Promise.all([...byDb].map(([db, some]) => heldAfterClaims(db, some)))).flat(),
  );
  return requests.map(({ claim }, i) =>
    answers[i] ? true : held.has(claimKey(claim.userId, claim.category, claim.eventId)),
  );
}

/** One database's claims in one batch, then the keys of the claims held there. */
async function heldAfterClaims(db: D1Database, asked: readonly CapRequest[]): Promise<string[]> {
  const keys = asked.map(({ claim }) => [claim.userId, claim.category, claim.eventId]);
  const results = await db.batch([
    ...asked.map((request) => claimStatement(db, request)),
    // Held after the claims: a slot claimed now or on an earlier delivery of the event.
    db
      .prepare(
        `SELECT c.user_id, c.category, c.event_id FROM json_each(?1) j
         JOIN notification_cap_claims c
           ON c.user_id = json_extract(j.value, '$[0]')
          AND c.category = json_extract(j.value, '$[1]')
          AND c.event_id = json_extract(j.value, '$[2]')`,
      )
      .bind(JSON.stringify(keys)),
  ]);
  const heldRows = (results[results.length - 1]?.results ?? []) as Array<{
    user_id: string;
    category: string;
    event_id: string;
  }>;
  return heldRows.map((r) => claimKey(r.user_id, r.category, r.event_id));
}

/**
 * Claims one slot under the caps (claimCapSlots with one request): true when the message may
 * go, false when the user's day or week is full.
 */
export async function claimCapSlot(
  env: DbRouterEnv,
  claim: CapClaim,
  cap: FrequencyCap,
): Promise<boolean> {
  const [answer] = await claimCapSlots(env, [{ claim, cap }]);
  return answer === true;
}

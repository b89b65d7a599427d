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

/**
 * Claims one slot under the caps: true when the message may go (a new slot, or this event
 * already held one), false when the user's day or week is full. One D1 statement inserts the
 * claim only while both counts are below their caps, so concurrent claims never pass a cap.
 */
export async function claimCapSlot(
  db: D1Database,
  claim: CapClaim,
  cap: FrequencyCap,
): Promise<boolean> {
  if (claim.category === "critical" || (cap.perDay === null && cap.perWeek === null)) return true;
  const { dayKey, weekKey } = capPeriodKeys(claim.nowMs, claim.timeZone);
  const noCap = -1;
  const inserted = await db
    .prepare(
      `INSERT INTO notification_cap_claims
         (user_id, category, event_id, day_key, week_key, claimed_at_ms)
       SELECT ?1, ?2, ?3, ?4, ?5, ?6
       WHERE (?7 = ${noCap} OR (SELECT count(*) FROM notification_cap_claims
                WHERE user_id = ?1 AND category = ?2 AND day_key = ?4) < ?7)
         AND (?8 = ${noCap} OR (SELECT count(*) FROM notification_cap_claims
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
      cap.perDay ?? noCap,
      cap.perWeek ?? noCap,
    )
    .run();
  if (inserted.meta.changes === 1) return true;
  // Nothing inserted: full, or this event claimed its slot on an earlier delivery.
  const held = await db
    .prepare(
      `SELECT 1 AS held FROM notification_cap_claims
       WHERE user_id = ? AND category = ? AND event_id = ?`,
    )
    .bind(claim.userId, claim.category, claim.eventId)
    .first<{ held: number }>();
  return held !== null;
}

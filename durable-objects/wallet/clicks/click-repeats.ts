import { storedHitId } from "./click-store";

/**
 * Repeated clicks. The redirect gives every click on one link from one client within the
 * dedupe window the same click id (workers/redirect/src/click-dedupe.ts), so a click id that
 * is already stored arrives either as a redelivery of the stored message or as a repeat.
 * A repeat is counted, per offer and day, into the next rollup chunk (D1's
 * `click_rollups.repeat_clicks`) and stores nothing else: a flood of one link does not grow
 * the wallet by a row per tap.
 */

/** Pure: whether a copy of a stored click is a repeat (another request) or a redelivery. */
export function isRepeat(storedHit: string | null, hitId: string | null): boolean {
  // Without request ids on both sides the copies cannot be told apart: a redelivery is the
  // likelier, and not counting is the safe side of a counter.
  return storedHit !== null && hitId !== null && storedHit !== hitId;
}

/**
 * Counts a copy of a stored click when it is a repeat; returns whether it was. A redelivered
 * repeat is counted again (repeat counts are at least once; stored clicks are exactly once).
 */
export function countRepeat(
  sql: SqlStorage,
  click: { clickId: string; offerId: string; clickedAtMs: number },
  hitId: string | null,
): boolean {
  if (!isRepeat(storedHitId(sql, click.clickId), hitId)) return false;
  sql.exec(
    `INSERT INTO click_repeats (rollup_chunk, offer_id, day, hits)
     VALUES (0, ?, strftime('%Y-%m-%d', ? / 1000, 'unixepoch'), 1)
     ON CONFLICT (rollup_chunk, offer_id, day) DO UPDATE SET hits = hits + 1`,
    click.offerId,
    click.clickedAtMs,
  );
  return true;
}

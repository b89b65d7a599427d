import { drizzle } from "drizzle-orm/d1";
import { referralClicks } from "#shared/db/schema";
import type { ReferralClickRow } from "./click-rows";

/** Rows per D1 batch: a queue batch is at most 100 messages, so one batch takes them all. */
export const MAX_CLICK_ROWS_PER_BATCH = 100;

/**
 * Inserts referral clicks, each `ON CONFLICT DO NOTHING` (a redelivered click is already there
 * and changes nothing), in one D1 batch (one transaction, one round trip) per
 * MAX_CLICK_ROWS_PER_BATCH rows: one for any queue batch.
 *
 * @example
 * await insertReferralClicks(env.DB, rows);
 */
export async function insertReferralClicks(
  db: D1Database,
  rows: readonly ReferralClickRow[],
): Promise<void> {
  const orm = drizzle(db);
  for (let i = 0; i < rows.length; i += MAX_CLICK_ROWS_PER_BATCH) {
    const [first, ...rest] = rows
      .slice(i, i + MAX_CLICK_ROWS_PER_BATCH)
      .map((row) => orm.insert(referralClicks).values(row).onConflictDoNothing());
    if (first) await orm.batch([first, ...rest]);
  }
}

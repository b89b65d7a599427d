/**
 * The payout directory in D1 `payouts`: payout id → user id, so a webhook or an operator action
 * can find the wallet that holds a payout. The projection fills in the rest of the row.
 */

/** Written before the processor can know the payout, so every webhook for it finds the wallet. */
export function recordPayoutOwner(
  db: D1Database,
  payoutId: string,
  userId: string,
  nowMs: number,
): Promise<D1Result> {
  return db
    .prepare(
      `INSERT INTO payouts (id, user_id, status, updated_at_ms, version)
       VALUES (?1, ?2, 'queued', ?3, 0) ON CONFLICT (id) DO NOTHING`,
    )
    .bind(payoutId, userId, nowMs)
    .run();
}

/** The user whose wallet holds the payout; null when the directory does not know it. */
export async function payoutOwnerOf(db: D1Database, payoutId: string): Promise<string | null> {
  const row = await db
    .prepare(`SELECT user_id FROM payouts WHERE id = ?1`)
    .bind(payoutId)
    .first<{ user_id: string }>();
  return row?.user_id ?? null;
}

/**
 * D1 reads of the risk holds feature: the payouts projection (each wallet projects its payouts
 * with their hold reason), which is where the sweep finds redemptions held `risk_unavailable`
 * across users without a projection of its own.
 */

/** Users with redemptions held `risk_unavailable`, whose oldest such redemption is oldest first. */
export async function usersWithUnavailableHolds(
  db: D1Database,
  limit: number,
): Promise<Array<{ userId: string; oldestAtMs: number }>> {
  const { results } = await db
    .prepare(
      `SELECT user_id AS userId, MIN(created_at_ms) AS oldestAtMs FROM payouts
       WHERE status = 'held' AND hold_reason = 'risk_unavailable'
       GROUP BY user_id ORDER BY oldestAtMs, userId LIMIT ?1`,
    )
    .bind(limit)
    .all<{ userId: string; oldestAtMs: number }>();
  return results;
}

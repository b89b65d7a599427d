import { partsAtHome } from "#shared/db/move-reads";
import { type DbRouterEnv, eachUserDb } from "#shared/db/router";

/**
 * D1 reads of the risk holds feature: the payouts projection (each wallet projects its payouts
 * with their hold reason), which is where the sweep finds redemptions held `risk_unavailable`
 * across users without a projection of its own. `payouts` is spread over the user databases
 * (shared/db/placement.ts `ROUTED`); a user's payouts are all in one, so each database's
 * groups are whole users.
 */

/**
 * Users with redemptions held `risk_unavailable`, whose oldest such redemption is oldest first:
 * each user database gives its first `limit`, and the first `limit` of their merge are kept.
 */
export async function usersWithUnavailableHolds(
  env: DbRouterEnv,
  limit: number,
): Promise<Array<{ userId: string; oldestAtMs: number }>> {
  const parts = await Promise.all(
    eachUserDb(env).map(async (db) => {
      const { results } = await db
        .prepare(
          `SELECT user_id AS userId, MIN(created_at_ms) AS oldestAtMs FROM payouts
           WHERE status = 'held' AND hold_reason = 'risk_unavailable'
           GROUP BY user_id ORDER BY oldestAtMs, userId LIMIT ?1`,
        )
        .bind(limit)
        .all<{ userId: string; oldestAtMs: number }>();
      return results;
    }),
  );
  // During a flipped move a moved user's payouts are in two databases: each keeps its own.
  return (await partsAtHome(env, parts, (r) => r.userId))
    .flat()
    .sort(
      (a, b) =>
        a.oldestAtMs - b.oldestAtMs || (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0),
    )
    .slice(0, limit);
}

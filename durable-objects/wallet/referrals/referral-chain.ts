import { type DbRouterEnv, userDb } from "#shared/db/router";

/**
 * The wallet's reads of the D1 referrals projection for fraud signals (docs/referrals.md
 * "Fraud holds"). A referral lives in its referee's user database (shared/db/placement.ts
 * `ROUTED`): who referred a user is one read on that user's database. How many referrals a
 * referrer had recently is read from the global referrer index (risk-lookups.ts).
 */

/** How far up a referrer's chain a ring is looked for. */
export const MAX_CHAIN_DEPTH = 3;

/** Who referred `userId`, who referred them, …: nearest first, at most MAX_CHAIN_DEPTH. */
export async function chainOf(env: DbRouterEnv, userId: string): Promise<string[]> {
  const chain: string[] = [];
  let current = userId;
  for (let depth = 0; depth < MAX_CHAIN_DEPTH; depth++) {
    const row = await userDb(env, current)
      .prepare(`SELECT referrer_id FROM referrals WHERE referee_id = ?`)
      .bind(current)
      .first<{ referrer_id: string }>();
    // A loop in the chain (which first-signup attribution should never make) ends the walk.
    if (!row || row.referrer_id === userId || chain.includes(row.referrer_id)) break;
    chain.push(row.referrer_id);
    current = row.referrer_id;
  }
  return chain;
}

import type { RiskIdentifier, RiskIdentifierKind } from "#shared/referrals/risk-identifiers";
import type { FraudSettings } from "#shared/referrals/risk-signals";

/**
 * The D1 reads fraud signals need at attribution (docs/referrals.md "Fraud holds"), done with
 * attribution's other reads, before the processing transaction, for every referrer the
 * signup's evidence could name (usually one): whether an operator banned them, who else holds
 * the signup's identifiers (`referral_identifiers`), each candidate's chain of referrers up to
 * MAX_CHAIN_DEPTH (`referrals`), and how many referrals each had in the 24 hours before the
 * signup. The decision is the pure `assessReferralRisk`, inside the transaction.
 */

/** How far up a referrer's chain a ring is looked for. */
export const MAX_CHAIN_DEPTH = 3;
/** Holders of one identifier beyond this are not looked at (a shared café Wi-Fi). */
const MAX_HOLDERS = 200;
const DAY_MS = 86_400_000;

export interface RiskLookups {
  fraud: FraudSettings;
  banned: string[];
  holders: Array<{ kind: RiskIdentifierKind; hash: string; userId: string }>;
  /** Each candidate's chain of referrers, nearest first. */
  chains: Record<string, string[]>;
  /** Each candidate's referrals attributed in the 24 hours before the signup. */
  referralsLastDay: Record<string, number>;
}

export async function readRiskLookups(
  db: D1Database,
  input: {
    refereeId: string;
    signedUpAtMs: number;
    identifiers: readonly RiskIdentifier[];
    candidates: readonly string[];
    fraud: FraudSettings;
  },
): Promise<RiskLookups> {
  const candidates = [...new Set(input.candidates)].filter((c) => c !== input.refereeId);
  const lookups: RiskLookups = {
    fraud: input.fraud,
    banned: [],
    holders: [],
    chains: {},
    referralsLastDay: {},
  };
  if (candidates.length === 0) return lookups;
  const marks = (n: number) => Array(n).fill("?").join(", ");
  const [bans, holders] = await Promise.all([
    db
      .prepare(
        `SELECT user_id FROM referral_referrer_bans WHERE user_id IN (${marks(candidates.length)})`,
      )
      .bind(...candidates)
      .all<{ user_id: string }>(),
    input.identifiers.length === 0
      ? Promise.resolve({ results: [] })
      : db
          .prepare(
            `SELECT kind, hash, user_id FROM referral_identifiers
             WHERE hash IN (${marks(input.identifiers.length)}) AND user_id != ? LIMIT ?`,
          )
          .bind(...input.identifiers.map((i) => i.hash), input.refereeId, MAX_HOLDERS)
          .all<{ kind: string; hash: string; user_id: string }>(),
  ]);
  lookups.banned = bans.results.map((r) => r.user_id);
  lookups.holders = holders.results.map((r) => ({
    kind: r.kind as RiskIdentifierKind,
    hash: r.hash,
    userId: r.user_id,
  }));
  await Promise.all(
    candidates.map(async (candidate) => {
      const [chain, recent] = await Promise.all([
        chainOf(db, candidate),
        db
          .prepare(
            `SELECT COUNT(*) AS n FROM referrals
             WHERE referrer_id = ? AND attributed_at_ms > ? AND attributed_at_ms <= ?
               AND referee_id != ?`,
          )
          .bind(candidate, input.signedUpAtMs - DAY_MS, input.signedUpAtMs, input.refereeId)
          .first<{ n: number }>(),
      ]);
      lookups.chains[candidate] = chain;
      lookups.referralsLastDay[candidate] = recent?.n ?? 0;
    }),
  );
  return lookups;
}

/** Who referred `userId`, who referred them, …: nearest first, at most MAX_CHAIN_DEPTH. */
export async function chainOf(db: D1Database, userId: string): Promise<string[]> {
  const chain: string[] = [];
  let current = userId;
  for (let depth = 0; depth < MAX_CHAIN_DEPTH; depth++) {
    const row = await db
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

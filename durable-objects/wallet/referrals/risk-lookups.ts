import { type DbRouterEnv, globalDb } from "#shared/db/router";
import type { RiskIdentifier, RiskIdentifierKind } from "#shared/referrals/risk-identifiers";
import type { FraudSettings } from "#shared/referrals/risk-signals";
import { chainOf } from "./referral-chain";

/**
 * The D1 reads fraud signals need at attribution (docs/referrals.md "Fraud holds"), done with
 * attribution's other reads, before the processing transaction, for every referrer the
 * signup's evidence could name (usually one): whether an operator banned them, who else holds
 * the signup's identifiers (`referral_identifiers`), each candidate's chain of referrers up to
 * MAX_CHAIN_DEPTH (the `referrals` projection, in the referees' user databases:
 * referral-chain.ts) and how many referrals each had in the 24 hours before the signup (the
 * global referrer index `referral_referrers`). The decision is the pure `assessReferralRisk`,
 * inside the transaction.
 */
/** Holders of one identifier beyond this are not looked at (a shared café Wi-Fi). */
const MAX_HOLDERS = 200;
const DAY_MS = 86_400_000;
/** `n` SQL placeholders for an IN list. */
const marks = (n: number) => Array(n).fill("?").join(", ");

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
  env: DbRouterEnv,
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
  const db = globalDb(env);
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
        chainOf(env, candidate),
        referralsBetween(
          env,
          candidate,
          { fromMs: input.signedUpAtMs - DAY_MS, toMs: input.signedUpAtMs },
          input.refereeId,
        ),
      ]);
      lookups.chains[candidate] = chain;
      lookups.referralsLastDay[candidate] = recent;
    }),
  );
  return lookups;
}

/**
 * What qualification checks again (qualification-risk.ts): whether the referrer is banned, and
 * which of `owners` (the referrer and their chain) hold one of the `payments` instruments.
 */
export async function readQualificationLookups(
  env: DbRouterEnv,
  referrerId: string,
  owners: readonly string[],
  payments: readonly string[],
): Promise<{ banned: boolean; holders: string[] }> {
  const db = globalDb(env);
  const [ban, holders] = await Promise.all([
    db
      .prepare(`SELECT 1 AS banned FROM referral_referrer_bans WHERE user_id = ?`)
      .bind(referrerId)
      .first<{ banned: number }>(),
    payments.length === 0
      ? Promise.resolve({ results: [] as Array<{ user_id: string }> })
      : db
          .prepare(
            `SELECT user_id FROM referral_identifiers
             WHERE kind = 'payment_instrument' AND hash IN (${marks(payments.length)})
               AND user_id IN (${marks(owners.length)})`,
          )
          .bind(...payments, ...owners)
          .all<{ user_id: string }>(),
  ]);
  return { banned: ban !== null, holders: holders.results.map((r) => r.user_id) };
}

/**
 * The referrals attributed to `referrerId` in (fromMs, toMs], the referee `exceptRefereeId`
 * aside, counted on the global referrer index (one read, whichever databases the referees are
 * in). An index row whose referral is not written yet counts: it is one a consumer batch is
 * still completing.
 */
export async function referralsBetween(
  env: DbRouterEnv,
  referrerId: string,
  window: { fromMs: number; toMs: number },
  exceptRefereeId: string,
): Promise<number> {
  const row = await globalDb(env)
    .prepare(
      `SELECT COUNT(*) AS n FROM referral_referrers
       WHERE referrer_id = ? AND attributed_at_ms > ? AND attributed_at_ms <= ?
         AND referee_id != ?`,
    )
    .bind(referrerId, window.fromMs, window.toMs, exceptRefereeId)
    .first<{ n: number }>();
  return Number(row?.n ?? 0);
}

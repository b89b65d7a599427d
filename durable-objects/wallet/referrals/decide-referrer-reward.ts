import type { ReferralPartyReward, ReferrerTier } from "#shared/rules/index";
import type { BudgetTerm } from "../events/reward-plan";

/**
 * Pure: what the referrer gets for one referral under the campaign's cap and tiers
 * (docs/referrals.md, "Caps and tiers"), decided in the REFERRER's wallet, the one writer of
 * the counts, so the cap holds however many referees qualify at once.
 *
 * - Past `monthlyCap` rewards of the rule in the qualifying event's calendar month (program
 *   time zone), the referrer gets nothing: `capped`, reason `referrer_cap_reached`, final.
 * - Otherwise this is the referrer's `nth` rewarded referral of the rule (capped ones do not
 *   count) and the tier with the highest `fromNth ≤ nth` pays; below every tier, the base.
 */

/** The campaign's terms for the referrer, as recorded with the owed reward. */
export interface ReferrerTerms {
  monthlyCap: number | null;
  tiers: readonly ReferrerTier[];
  /**
   * The rule's budgets the referrer's reward draws on (referral-budgets.ts), every unit; absent
   * or empty: none. The referrer's wallet asks those of the reward's unit before paying it.
   */
  budgets?: readonly BudgetTerm[];
}

export interface ReferrerRewardInputs {
  base: ReferralPartyReward;
  terms: ReferrerTerms | null;
  /** Referrer rewards of this rule credited in the event's month, before this one. */
  creditedThisMonth: number;
  /** Referrer rewards of this rule credited ever, before this one. */
  creditedEver: number;
}

export type ReferrerRewardDecision =
  | { action: "credit"; reward: ReferralPartyReward; nth: number; tierFromNth: number | null }
  | { action: "cap"; reason: "referrer_cap_reached" };

/**
 * @example
 * decideReferrerReward({
 *   base: { amountMinor: 1_000, currency: "INR" },
 *   terms: { monthlyCap: 5, tiers: [{ fromNth: 5, reward: { amountMinor: 2_500, currency: "INR" } }] },
 *   creditedThisMonth: 2,
 *   creditedEver: 4,
 * }) // { action: "credit", reward: { amountMinor: 2_500, currency: "INR" }, nth: 5, tierFromNth: 5 }
 */
export function decideReferrerReward(input: ReferrerRewardInputs): ReferrerRewardDecision {
  const { terms } = input;
  if (terms?.monthlyCap != null && input.creditedThisMonth >= terms.monthlyCap) {
    return { action: "cap", reason: "referrer_cap_reached" };
  }
  const nth = input.creditedEver + 1;
  let tier: ReferrerTier | null = null;
  for (const candidate of terms?.tiers ?? []) {
    if (candidate.fromNth <= nth && (tier === null || candidate.fromNth > tier.fromNth)) {
      tier = candidate;
    }
  }
  return tier
    ? { action: "credit", reward: tier.reward, nth, tierFromNth: tier.fromNth }
    : { action: "credit", reward: input.base, nth, tierFromNth: null };
}

/**
 * Pure: the terms a `referral_reward` effect sets for the referrer, or null when it sets none
 * (then the referrer gets the base reward, as before caps and tiers).
 *
 * @example
 * referrerTermsOf({ referrerMonthlyCap: 5 }) // { monthlyCap: 5, tiers: [] }
 * referrerTermsOf({}) // null
 */
export function referrerTermsOf(effect: {
  referrerMonthlyCap?: number | null | undefined;
  referrerTiers?: readonly ReferrerTier[] | undefined;
}): ReferrerTerms | null {
  const monthlyCap = effect.referrerMonthlyCap ?? null;
  const tiers = effect.referrerTiers ?? [];
  if (monthlyCap === null && tiers.length === 0) return null;
  return { monthlyCap, tiers };
}

import type { AppliedEffect } from "#shared/rules/index";

/**
 * The money terms of a referral campaign (the `referral_reward` effect's `minAccountAgeDays`,
 * `awaitEventConfirmation`, `partialRefund`; docs/referrals.md, "After qualification"), with
 * the defaults that confirm at once and keep the bonus on a partial refund.
 */
export interface ReferralTerms {
  /** Days the referee's account must exist before either bonus is confirmed. */
  minAccountAgeDays: number;
  /** True: the bonuses wait for a `purchase.confirmed` naming the qualifying event. */
  awaitEventConfirmation: boolean;
  /** What a partial refund of the qualifying event takes back. */
  partialRefund: "keep" | "proportional";
}

export const DEFAULT_REFERRAL_TERMS: ReferralTerms = {
  minAccountAgeDays: 0,
  awaitEventConfirmation: false,
  partialRefund: "keep",
};

/**
 * Pure: the terms of the referral reward `ruleId` applied (the rule that qualified the
 * referral), defaults for whatever the effect leaves out.
 *
 * @example
 * referralTermsOf([{ ruleId: "r", ruleVersion: 1, group: "g", budgetKeys: [],
 *   effect: { kind: "referral_reward", minAccountAgeDays: 7 } }], "r")
 * // { minAccountAgeDays: 7, awaitEventConfirmation: false, partialRefund: "keep" }
 */
export function referralTermsOf(applied: readonly AppliedEffect[], ruleId: string): ReferralTerms {
  for (const a of applied) {
    const effect = a.effect;
    if (a.ruleId !== ruleId || effect.kind !== "referral_reward") continue;
    return {
      minAccountAgeDays: effect.minAccountAgeDays ?? DEFAULT_REFERRAL_TERMS.minAccountAgeDays,
      awaitEventConfirmation:
        effect.awaitEventConfirmation ?? DEFAULT_REFERRAL_TERMS.awaitEventConfirmation,
      partialRefund: effect.partialRefund ?? DEFAULT_REFERRAL_TERMS.partialRefund,
    };
  }
  return DEFAULT_REFERRAL_TERMS;
}

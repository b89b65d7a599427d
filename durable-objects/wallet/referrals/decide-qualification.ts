import type { AppliedEffect, ReferralPartyReward } from "#shared/rules/index";
import { type ReferrerTerms, referrerTermsOf } from "./decide-referrer-reward";
import type { ReferralState } from "./referral-states";

/**
 * Pure: whether an event qualifies the member's referral (docs/referrals.md, "Rewards"). The
 * campaign is a rule whose effect is `referral_reward`; the rule's conditions say which event
 * counts (a first deposit of at least ₹500…), and this decides what only the referral knows:
 * the member was referred, the referral is still `signed_up`, the event happened after the
 * signup, and the effect is for the referral's program. The first applied referral reward
 * that fits wins (rules are applied in the rule set's order).
 */

export interface QualificationInputs {
  referral: {
    state: ReferralState;
    programId: string;
    attributedAtMs: number;
    /** The end of the program's qualification window; null or absent: none. */
    qualifyByMs?: number | null;
  } | null;
  event: { occurredAtMs: number };
  applied: readonly AppliedEffect[];
}

export type QualificationDecision =
  | {
      action: "qualify";
      ruleId: string;
      ruleVersion: number;
      referee: ReferralPartyReward | null;
      referrer: ReferralPartyReward | null;
      /** The campaign's cap and tiers for the referrer; absent when it sets none. */
      referrerTerms?: ReferrerTerms;
    }
  | {
      action: "none";
      why:
        | "no_referral_rule"
        | "not_referred"
        | "not_signed_up"
        | "before_signup"
        | "window_passed"
        | "other_program";
    };

/**
 * @example
 * decideQualification({
 *   referral: { state: "signed_up", programId: "default", attributedAtMs: 1 },
 *   event: { occurredAtMs: 2 },
 *   applied: [{ ruleId: "r", ruleVersion: 3, group: "default", budgetKeys: [],
 *     effect: { kind: "referral_reward", referee: { points: 50 } } }],
 * }) // { action: "qualify", ruleId: "r", ruleVersion: 3, referee: { points: 50 }, referrer: null }
 */
export function decideQualification(input: QualificationInputs): QualificationDecision {
  const rewards = input.applied.filter((a) => a.effect.kind === "referral_reward");
  if (rewards.length === 0) return { action: "none", why: "no_referral_rule" };
  const { referral } = input;
  if (referral === null) return { action: "none", why: "not_referred" };
  if (referral.state !== "signed_up") return { action: "none", why: "not_signed_up" };
  if (input.event.occurredAtMs < referral.attributedAtMs) {
    return { action: "none", why: "before_signup" };
  }
  if (referral.qualifyByMs != null && input.event.occurredAtMs > referral.qualifyByMs) {
    return { action: "none", why: "window_passed" };
  }
  for (const applied of rewards) {
    const effect = applied.effect;
    if (effect.kind !== "referral_reward") continue;
    if (effect.programId !== undefined && effect.programId !== referral.programId) continue;
    const referrerTerms = effect.referrer ? referrerTermsOf(effect) : null;
    return {
      action: "qualify",
      ruleId: applied.ruleId,
      ruleVersion: applied.ruleVersion,
      referee: effect.referee ?? null,
      referrer: effect.referrer ?? null,
      ...(referrerTerms ? { referrerTerms } : {}),
    };
  }
  return { action: "none", why: "other_program" };
}

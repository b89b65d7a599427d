import type { Observation } from "#shared/fraud/risk-contract";
import type { StoredReferral } from "./referral-store";

/**
 * What the referee's risk object hears of their referral (docs/fraud.md "Signals"): once when
 * it is attributed and once when it qualifies, through the wallet's outbox in the transaction
 * that made the change, so a referral recorded is a referral reported, once. Its subject is the
 * referral, so a fraud rule's `hold_referral` holds it in this wallet, where it and its rewards
 * live; its facts say how it was attributed and what the program's own signals found.
 */

export type ReferralStage = "attributed" | "qualified";

/**
 * Pure.
 *
 * @example
 * referralObservation(referral, "attributed", signupAtMs)
 * // { observationId: "referral:ref_u1:attributed", userId: "u1", kind: "referral",
 * //   subjectRef: "ref_u1", facts: { "signal.referralMethod": "code", … } }
 */
export function referralObservation(
  referral: Pick<
    StoredReferral,
    "referralId" | "refereeId" | "method" | "riskScore" | "riskHold" | "holdReasons"
  >,
  stage: ReferralStage,
  atMs: number,
): Observation {
  return {
    observationId: `referral:${referral.referralId}:${stage}`,
    userId: referral.refereeId,
    kind: "referral",
    atMs,
    subjectRef: referral.referralId,
    facts: {
      "signal.referralStage": stage,
      "signal.referralMethod": referral.method,
      "signal.referralProgramScore": referral.riskScore,
      "signal.referralProgramSignals": referral.holdReasons.length,
      "signal.referralProgramHold": referral.riskHold,
    },
  };
}

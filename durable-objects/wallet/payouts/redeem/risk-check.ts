import type { Assessment, Observation } from "#shared/fraud/risk-contract";
import type { StoredPayout } from "../lifecycle/decide-payout";

/**
 * What the redeem path learnt from scoring before its transaction (docs/fraud.md "Fail-safe"):
 * the assessment, or why there is none (the risk object timed out, failed, or the breaker is
 * open). Either way the redemption goes on: unavailable scoring holds it, never refuses it.
 */
export type RiskCheck =
  | { status: "assessed"; observation: Observation; assessment: Assessment }
  | {
      status: "unavailable";
      observation: Observation;
      cause: "timeout" | "error" | "breaker_open";
    };

/**
 * The operator switched scoring off (`FRAUD_SCORING = "off"`, docs/fraud.md "Turning scoring
 * off"): the risk object was not asked and no hold of scoring's is placed.
 */
export interface ScoringOff {
  status: "off";
}

/** The reason code of the fail-safe's hold, in its hold and on the payout. */
export const RISK_UNAVAILABLE = "risk_unavailable";

/**
 * The observation a redemption is scored as, keyed `redeem:<payoutId>` so a retried request
 * or the fail-safe's re-assessment is observed once.
 *
 * @example
 * redemptionObservation("u1", { payoutId: "pay_1", amountMinor: 5_000, currency: "INR",
 *   destinationType: "upi" }, nowMs) // { observationId: "redeem:pay_1", kind: "redemption", … }
 */
export function redemptionObservation(
  userId: string,
  payout: Pick<StoredPayout, "payoutId" | "amountMinor" | "currency"> & {
    destinationType: string | null;
  },
  atMs: number,
): Observation {
  return {
    observationId: `redeem:${payout.payoutId}`,
    userId,
    kind: "redemption",
    atMs,
    subjectRef: payout.payoutId,
    facts: {
      "signal.amountMinor": payout.amountMinor,
      "signal.currency": payout.currency,
      ...(payout.destinationType ? { "signal.destinationType": payout.destinationType } : {}),
    },
  };
}

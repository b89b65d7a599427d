import { type KnownActivity, knownActivityFacts } from "#shared/fraud/behaviour-signals";
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
      /** `error` includes a failed read of the sharing facts (D1), which scoring needs. */
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

/** What the wallet adds to a redemption's observation beyond the payout itself. */
export interface RedemptionContext {
  /** Keyed hashes of what it pays: the destination's `payment_instrument` (none for a gift card). */
  identifiers: Record<string, string>;
  /** The newest sign-in from a new device, destination change and profile change it knows of. */
  known: KnownActivity;
}

/**
 * The observation a redemption is scored as, keyed `redeem:<payoutId>` so a retried request
 * or the fail-safe's re-assessment is observed once. It carries the payout destination's
 * payment-instrument hash (so the sharing facts can be read for it) and what the wallet knows
 * of the user's recent activity (the risk queue may not have delivered it yet).
 *
 * @example
 * redemptionObservation("u1", { payoutId: "pay_1", amountMinor: 5_000, currency: "INR",
 *   destinationType: "upi" }, nowMs, { identifiers: { payment_instrument: "v1.…" },
 *   known: { destination_changed: nowMs - 60_000 } })
 * // { observationId: "redeem:pay_1", kind: "redemption", identifiers: { payment_instrument: … },
 * //   facts: { …, "known.destinationChangeAtMs": … } }
 */
export function redemptionObservation(
  userId: string,
  payout: Pick<StoredPayout, "payoutId" | "amountMinor" | "currency"> & {
    destinationType: string | null;
  },
  atMs: number,
  context: RedemptionContext = { identifiers: {}, known: {} },
): Observation {
  return {
    observationId: `redeem:${payout.payoutId}`,
    userId,
    kind: "redemption",
    atMs,
    subjectRef: payout.payoutId,
    ...(Object.keys(context.identifiers).length > 0
      ? { identifiers: { ...context.identifiers } }
      : {}),
    facts: {
      "signal.amountMinor": payout.amountMinor,
      "signal.currency": payout.currency,
      ...(payout.destinationType ? { "signal.destinationType": payout.destinationType } : {}),
      ...knownActivityFacts(context.known),
    },
  };
}

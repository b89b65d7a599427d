import type { RiskReason } from "#shared/fraud/risk-contract";

/**
 * Pure decisions of the redeem path's risk gate (docs/fraud.md "Holds", "Fail-safe"): whether
 * a new payout is held, and for which reason, given the active `payouts` holds that cover it
 * (rule holds and the fail-safe's) and the new-device policy.
 */

/** The payout hold reasons risk gives (new_device is the payout policy's own). */
export const RISK_HOLD_REASONS = ["risk", "risk_unavailable"] as const;
export type RiskHoldReason = (typeof RISK_HOLD_REASONS)[number];

export type PayoutHoldReason = RiskHoldReason | "new_device";

export interface CoveringHold {
  source: "rule" | "risk_unavailable" | "bot_click";
  reasons: RiskReason[];
}

export type RedeemHoldDecision =
  | { held: false }
  | { held: true; holdReason: PayoutHoldReason; detail: string | null };

/**
 * A new device holds for the operator's approval on the payout's page first (that approve is
 * refused while risk holds cover the payout); otherwise scoring that could not answer holds it
 * `risk_unavailable`, and a fraud rule's hold `risk`, with the reasons' codes as detail.
 *
 * @example
 * decideRedeemHold({ newDevice: false, holds: [{ source: "rule", reasons: [{ code: "shared_device", … }] }] })
 * // { held: true, holdReason: "risk", detail: "shared_device" }
 */
export function decideRedeemHold(input: {
  newDevice: boolean;
  holds: readonly CoveringHold[];
}): RedeemHoldDecision {
  const detail = riskDetail(input.holds);
  if (input.newDevice) return { held: true, holdReason: "new_device", detail };
  if (input.holds.length === 0) return { held: false };
  return { held: true, holdReason: riskHoldReasonOf(input.holds), detail };
}

/** `risk_unavailable` while any covering hold is the fail-safe's, else `risk`. */
export function riskHoldReasonOf(holds: readonly CoveringHold[]): RiskHoldReason {
  return holds.some((h) => h.source === "risk_unavailable") ? "risk_unavailable" : "risk";
}

/** The covering holds' reason codes, each once, for the payout's log; null when none. */
export function riskDetail(holds: readonly CoveringHold[]): string | null {
  const codes = [...new Set(holds.flatMap((h) => h.reasons.map((r) => r.code)))];
  return codes.length > 0 ? codes.join(",") : null;
}

/**
 * Pure: what a held payout does when one of the holds covering it ended: still covered → it
 * stays held (its reason follows what still holds it: the fail-safe's hold gone, a rule's
 * left → `risk`); no longer covered → it goes (queued for dispatch). Only payouts held for
 * risk move: a new-device hold waits for the operator's approve.
 *
 * @example
 * afterRiskHoldEnded({ holdReason: "risk_unavailable", remaining: [] }) // { action: "queue" }
 */
export function afterRiskHoldEnded(input: {
  holdReason: string | null;
  remaining: readonly CoveringHold[];
}): { action: "keep" } | { action: "queue" } | { action: "relabel"; holdReason: RiskHoldReason } {
  if (!(RISK_HOLD_REASONS as readonly (string | null)[]).includes(input.holdReason)) {
    return { action: "keep" };
  }
  if (input.remaining.length === 0) return { action: "queue" };
  const next = riskHoldReasonOf(input.remaining);
  return next === input.holdReason ? { action: "keep" } : { action: "relabel", holdReason: next };
}

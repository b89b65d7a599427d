import type { PayoutStatus } from "#shared/payouts/types";
import type { AdminPayoutAction } from "../types";
import type { StoredPayout } from "./decide-payout";

/** The statuses each operator action applies to. */
const ALLOWED_FROM: Record<AdminPayoutAction, readonly PayoutStatus[]> = {
  approve: ["held"],
  // A queued or retrying payout whose message stalled may be sent again: the wallet's claim
  // is atomic and the next attempt asks the processor first. `submitting` too: an attempt
  // that died mid-way leaves it there, and the next attempt asks the processor before
  // creating anything.
  retry: ["stuck", "queued", "retrying", "submitting"],
  cancel: ["held", "queued", "retrying", "stuck"],
};

/**
 * Pure: whether an operator's action may apply to a payout now; the refusal's detail if not.
 * A cancel also needs the attempts the caller saw when it asked the processor: an attempt
 * that started since makes what it found out of date.
 *
 * @example
 * refuseAdminAction("approve", { status: "queued", attempts: 0 }, null) // "cannot approve a payout that is queued"
 */
export function refuseAdminAction(
  action: AdminPayoutAction,
  payout: Pick<StoredPayout, "status" | "attempts">,
  expectedAttempts: number | null,
  /** Active risk holds covering the payout (docs/fraud.md "Holds"): they are decided first. */
  coveringRiskHolds = 0,
): string | null {
  if (!ALLOWED_FROM[action].includes(payout.status)) {
    return `cannot ${action} a payout that is ${payout.status}`;
  }
  if (action === "approve" && coveringRiskHolds > 0) {
    return "risk holds cover this payout; decide them first (POST /admin/v1/risk/holds/{userId}/{holdId}/decision)";
  }
  if (action === "cancel" && expectedAttempts !== payout.attempts) {
    return "an attempt to pay it started meanwhile; look again";
  }
  return null;
}

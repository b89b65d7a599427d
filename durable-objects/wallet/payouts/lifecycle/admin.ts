import type { WalletTx } from "../../core/wallet-tx";
import { heldBy } from "../../holds/holds";
import { tellInitiated } from "../../notify/notify";
import type { AdminPayoutAction, AdminPayoutResult } from "../types";
import { refuseAdminAction } from "./decide-admin";
import type { StoredPayout } from "./decide-payout";
import { finishPayout, publishPayout } from "./payout-events";
import { findPayout, logPayout, updatePayout } from "./payout-store";

/** Who took an operator action and why; logged with the payout (`operator_<action>`). */
export interface OperatorNote {
  by: string;
  reason: string;
}

/**
 * approve: held → queued, once no risk hold covers it. retry: stuck → queued (the next attempt asks the processor first).
 * cancel: credits a payout back; only while no attempt is in flight, and the caller has
 * already made sure the processor does not have it (an attempt may have gone through).
 */
export function adminPayoutAction(
  tx: WalletTx,
  payoutId: string,
  action: AdminPayoutAction,
  nowMs: number,
  /** For cancel: the attempts the caller saw when it asked the processor. */
  expectedAttempts: number | null,
  note: OperatorNote | null = null,
): AdminPayoutResult {
  const payout = findPayout(tx.sql, payoutId);
  if (!payout) return { status: "not_found" };
  const refusal = refuseAdminAction(
    action,
    payout,
    expectedAttempts,
    heldBy(tx.sql, "payouts", payoutId).length,
  );
  if (refusal !== null) return { status: "not_allowed", payout, detail: refusal };
  if (note) logPayout(tx.sql, payoutId, `operator_${action}`, `${note.by}: ${note.reason}`, nowMs);
  if (action === "cancel") {
    return { status: "done", payout: finishPayout(tx, payout, "cancelled", null, nowMs) };
  }
  // An approved hold sends it on its way; a requeue (stuck, retried) is not news.
  if (action === "approve") tellInitiated(tx, payout, nowMs);
  updatePayout(tx.sql, payoutId, { status: "queued", holdReason: null }, nowMs);
  logPayout(tx.sql, payoutId, action === "approve" ? "approved" : "requeued", null, nowMs);
  const queued = publishPayout(tx, payoutId) as StoredPayout;
  tx.enqueue({ kind: "payout_dispatch", payoutId, userId: tx.userId() });
  return { status: "done", payout: queued };
}

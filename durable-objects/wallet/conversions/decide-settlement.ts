import { desiredBoostMinor, effectiveBoostMinor } from "../boosts/boosts";
import { type Holding, reconcileLegs, targetHolding } from "../ledger/position";
import type { Leg } from "../ledger/posting";
import {
  type ConfirmationState,
  decideConfirmation,
  expectedConfirmAtMs,
  statusOfStep,
  windowTimerAtMs,
} from "./confirmation-policy";
import type { StoredTxn } from "./types";

/** Where a transaction's money and status go once its state changed; pure. */
export interface Settlement {
  /** The legs that move the ledger from what it holds to the target; empty: nothing moves. */
  legs: Leg[];
  postingKind: string;
  held: Holding;
  status: "pending" | "confirmed" | "cancelled";
  confirmedAtMs: number | null;
  desiredBoostMinor: number;
  grantedBoostMinor: number;
  /** The history event for a changed status; null when the status stays. */
  historyEvent: string | null;
  /**
   * When the wallet's timer should fire for it (the return window's end, while the window is
   * open and it is pending); null: no timer.
   */
  confirmAtMs: number | null;
  /** The date shown to the user: pending and the window's end confirms it; else null. */
  expectedConfirmAtMs: number | null;
  /** Pending only because a risk hold keeps it from confirming (confirmation-policy.ts). */
  heldForReview: boolean;
}

/**
 * Pure: settles a transaction against the wallet's confirmed and debt balances. Its
 * confirmation policy (confirmation-policy.ts) decides whether it is confirmed, pending or
 * cancelled; position.ts turns that into the target and the legs. `kind` names the posting
 * when the caller knows better. `heldForReview`: a risk hold covers the transaction, so what
 * would confirm stays pending (docs/fraud.md "Holds").
 *
 * @example
 * decideSettlement(pendingTxn, { confirmedMinor: 0, debtMinor: 0 }, nowMs).postingKind // "cashback_pending"
 */
export function decideSettlement(
  txn: StoredTxn,
  balances: { confirmedMinor: number; debtMinor: number },
  nowMs: number,
  kind?: string,
  heldForReview = false,
): Settlement {
  const desired = desiredBoostMinor(txn.boosts);
  const granted = effectiveBoostMinor(txn.boosts);
  const held = { pendingMinor: txn.heldPendingMinor, confirmedMinor: txn.heldConfirmedMinor };
  const confirmation: ConfirmationState = {
    policy: txn.confirmationPolicy,
    networkStatus: txn.networkStatus,
    windowElapsed: txn.windowElapsed,
    windowEndsAtMs: txn.windowEndsAtMs,
    heldForReview,
  };
  const step = decideConfirmation(confirmation);
  const status = statusOfStep(step);
  // position.ts holds by (network status, window): the policy's verdict is handed to it as
  // the state that gives the same status, so the ledger rule stays in one place.
  const target = targetHolding({
    networkStatus: status === "cancelled" ? "cancelled" : "pending",
    windowElapsed: status === "confirmed",
    cashbackMinor: txn.cashbackMinor,
    boostMinor: granted,
  });
  const historyEvent =
    txn.status === status
      ? null
      : txn.status === "confirmed" && status === "cancelled"
        ? "returned_after_confirmation"
        : status;
  return {
    legs: reconcileLegs(txn.currency, held, target, balances),
    postingKind: kind ?? postingKind(held, target),
    held: target,
    status,
    confirmedAtMs: status === "confirmed" && txn.confirmedAtMs === null ? nowMs : txn.confirmedAtMs,
    desiredBoostMinor: desired,
    grantedBoostMinor: granted,
    historyEvent,
    confirmAtMs: windowTimerAtMs(confirmation, step),
    // A confirmed or cancelled transaction keeps the date it had, as before policies.
    expectedConfirmAtMs: status === "pending" ? expectedConfirmAtMs(step) : txn.expectedConfirmAtMs,
    heldForReview: step.step === "held_for_review",
  };
}

/** A name for a ledger movement, for people reading the ledger. */
export function postingKind(held: Holding, target: Holding): string {
  if (target.pendingMinor === 0 && target.confirmedMinor === 0) {
    return held.confirmedMinor > 0 ? "cashback_clawback" : "cashback_cancelled";
  }
  if (held.pendingMinor === 0 && held.confirmedMinor === 0) {
    return target.pendingMinor > 0 ? "cashback_pending" : "cashback_confirmed";
  }
  if (held.pendingMinor > 0 && target.pendingMinor === 0 && target.confirmedMinor > 0) {
    return "cashback_confirmed";
  }
  return "cashback_adjusted";
}

import type { ConfirmationPolicy } from "#shared/networks/core/confirmation-options";
import { MS_PER_DAY } from "#shared/time/clock";

export type { ConfirmationPolicy } from "#shared/networks/core/confirmation-options";

/**
 * Pure: what a transaction's confirmation policy (frozen from its click) makes of its network
 * state and its return window. The ledger (ledger/position.ts) only sees the outcome: held
 * pending or confirmed.
 *
 * | policy           | approved | window passed | outcome                               |
 * | ---------------- | -------- | ------------- | ------------------------------------- |
 * | return_window    | either   | either        | confirmed as soon as one is true      |
 * | network_approval | yes      | either        | confirmed                             |
 * | network_approval | no       | either        | pending, awaiting the network         |
 * | both             | yes      | yes           | confirmed                             |
 * | both             | yes      | no            | pending until the window ends         |
 * | both             | no       | either        | pending, awaiting the network         |
 *
 * A cancellation is final under every policy. A transaction held for review (a risk hold on
 * it: a marked click's conversion, a fraud rule's `hold_transaction`; docs/fraud.md "Holds")
 * never confirms: where the table says "confirmed" it stays pending until an operator releases
 * the hold, and then confirms at once.
 */

/** What happens next to a transaction; exhaustive. */
export type ConfirmationStep =
  /** The network cancelled it: nothing is held. */
  | { step: "cancelled" }
  /** Confirm now. */
  | { step: "confirm_now" }
  /** Pending; the return window's end confirms it (`atMs`). */
  | { step: "confirm_at_window_end"; atMs: number }
  /** Pending; only the network's approval confirms it, whatever the window does. */
  | { step: "await_network" }
  /** Would confirm now, but a risk hold keeps it pending until an operator releases it. */
  | { step: "held_for_review" };

export interface ConfirmationState {
  policy: ConfirmationPolicy;
  networkStatus: "pending" | "approved" | "cancelled";
  /** True once the return window passed (set by the wallet's timer at `windowEndsAtMs`). */
  windowElapsed: boolean;
  /** Purchase time + the click's return window; null only on rows that never had one. */
  windowEndsAtMs: number | null;
  /** An active risk hold covers it, or an operator upheld one on it (it may not confirm). */
  heldForReview?: boolean;
}

/**
 * @example
 * decideConfirmation({ policy: "network_approval", networkStatus: "pending", windowElapsed: true, windowEndsAtMs: 1 })
 * // { step: "await_network" }
 */
export function decideConfirmation(state: ConfirmationState): ConfirmationStep {
  const step = policyStep(state);
  return step.step === "confirm_now" && state.heldForReview ? { step: "held_for_review" } : step;
}

function policyStep(state: ConfirmationState): ConfirmationStep {
  if (state.networkStatus === "cancelled") return { step: "cancelled" };
  const approved = state.networkStatus === "approved";
  const windowDone = state.windowElapsed;
  // No window end (never on rows written since windows were kept): nothing but the network
  // can confirm it, rather than paying at once.
  const untilWindowEnd = (): ConfirmationStep =>
    state.windowEndsAtMs === null
      ? { step: "await_network" }
      : { step: "confirm_at_window_end", atMs: state.windowEndsAtMs };
  switch (state.policy) {
    case "return_window":
      return approved || windowDone ? { step: "confirm_now" } : untilWindowEnd();
    case "network_approval":
      return approved ? { step: "confirm_now" } : { step: "await_network" };
    case "both":
      if (!approved) return { step: "await_network" };
      return windowDone ? { step: "confirm_now" } : untilWindowEnd();
  }
}

/** The status a step settles the transaction in. */
export function statusOfStep(step: ConfirmationStep): "pending" | "confirmed" | "cancelled" {
  switch (step.step) {
    case "cancelled":
      return "cancelled";
    case "confirm_now":
      return "confirmed";
    case "confirm_at_window_end":
    case "await_network":
    case "held_for_review":
      return "pending";
  }
}

/**
 * The confirmation date shown to the user for a pending transaction: the window's end when
 * that end confirms it; null while only the network's approval can (awaiting network) or an
 * operator's release (held for review).
 */
export function expectedConfirmAtMs(step: ConfirmationStep): number | null {
  return step.step === "confirm_at_window_end" ? step.atMs : null;
}

/**
 * When the wallet's timer fires for this transaction: at the window's end while the window is
 * open and the transaction pending, whatever the policy (under `network_approval` and `both`
 * the window passing is recorded, so an approval that arrives later confirms at once); null
 * when no timer is needed.
 */
export function windowTimerAtMs(state: ConfirmationState, step: ConfirmationStep): number | null {
  if (statusOfStep(step) !== "pending" || state.windowElapsed) return null;
  return state.windowEndsAtMs;
}

/**
 * The end of the return window for a purchase: `returnWindowDays` 0 ends it at the purchase
 * (under `return_window` that confirms at once; under the other policies the network must
 * still approve).
 *
 * @example
 * returnWindowEndsAtMs(0, 30) // 2_592_000_000
 */
export function returnWindowEndsAtMs(occurredAtMs: number, returnWindowDays: number): number {
  return occurredAtMs + returnWindowDays * MS_PER_DAY;
}

/**
 * Whether a pending transaction waits for the network's approval (and so shows no date): the
 * user API says so beside `expectedConfirmationAt`.
 *
 * @example
 * awaitsNetworkApproval({ status: "pending", confirmationPolicy: "network_approval", networkStatus: "pending", windowElapsed: false, windowEndsAtMs: 1 })
 * // true
 */
export function awaitsNetworkApproval(txn: {
  status: string;
  confirmationPolicy: ConfirmationPolicy;
  networkStatus: ConfirmationState["networkStatus"];
  windowElapsed: boolean;
  windowEndsAtMs: number | null;
}): boolean {
  return (
    txn.status === "pending" &&
    decideConfirmation({ ...txn, policy: txn.confirmationPolicy }).step === "await_network"
  );
}

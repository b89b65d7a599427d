import type { PayoutProjection } from "#shared/messages";
import type { ProcessorStatus } from "#shared/payouts/processor";
import type { DestinationType, PayoutStatus } from "#shared/payouts/types";
import { exponentialBackoff } from "#shared/retry/backoff";
import type { Leg } from "../../ledger/posting";

/**
 * The wallet's payout decisions, pure. Money: the amount moves confirmed → reserved when the
 * payout is requested, reserved → paid_out when the processor completes it, and reserved →
 * confirmed (repaying any debt first) when it fails or is cancelled. Each step is one posting
 * keyed by the payout id, so a retried request or a replayed webhook moves money at most once.
 */

/**
 * A payout as the wallet stores it: what its projection carries (shared/messages.ts), with the
 * status and destination type narrowed, plus what only the wallet keeps.
 */
export interface StoredPayout
  extends Omit<PayoutProjection["payout"], "id" | "status" | "destinationType" | "attention"> {
  payoutId: string;
  status: PayoutStatus;
  destinationId: string | null;
  destinationType: DestinationType | null;
  /** Something an operator must look at: a processor event that contradicts a final state. */
  attention: string | null;
  lastError: string | null;
}

export type ReserveDecision =
  | { status: "debt_outstanding" | "insufficient_funds" }
  | { status: "reserve"; legs: Leg[] };

/** Pure: reserving `amountMinor`, given what the wallet holds. */
export function decideReserve(input: {
  currency: string;
  amountMinor: number;
  confirmedMinor: number;
  debtMinor: number;
}): ReserveDecision {
  const { currency, amountMinor } = input;
  // Money owed after a clawback is settled from cashback before anything leaves again.
  if (input.debtMinor > 0) return { status: "debt_outstanding" };
  if (amountMinor > input.confirmedMinor) return { status: "insufficient_funds" };
  return {
    status: "reserve",
    legs: [
      { bucket: "confirmed", currency, amountMinor: -amountMinor },
      { bucket: "reserved", currency, amountMinor },
    ],
  };
}

/** Pure: the legs that end a reserved payout. Credit-backs repay debt before confirmed. */
export function finishLegs(
  payout: Pick<StoredPayout, "currency" | "amountMinor">,
  outcome: "paid" | "failed" | "cancelled",
  debtMinor: number,
): Leg[] {
  const { currency, amountMinor } = payout;
  const legs: Leg[] = [{ bucket: "reserved", currency, amountMinor: -amountMinor }];
  if (outcome === "paid") {
    legs.push({ bucket: "paid_out", currency, amountMinor });
    return legs;
  }
  const repaid = Math.min(amountMinor, debtMinor);
  if (amountMinor - repaid > 0)
    legs.push({ bucket: "confirmed", currency, amountMinor: amountMinor - repaid });
  if (repaid > 0) legs.push({ bucket: "debt", currency, amountMinor: -repaid });
  return legs;
}

/** Statuses from which the dispatch consumer may (re)submit to the processor. */
const DISPATCHABLE: ReadonlySet<PayoutStatus> = new Set(["queued", "retrying", "submitting"]);

/**
 * Pure: what the dispatch consumer does with a payout. After any earlier attempt the outcome
 * of that attempt is unknown (a lost response, a crashed consumer), so the processor is asked
 * first: that is what keeps a retry from paying twice.
 */
export function decideDispatch(payout: StoredPayout | null): "submit" | "lookup_first" | "skip" {
  if (!payout || !DISPATCHABLE.has(payout.status)) return "skip";
  return payout.attempts === 0 ? "submit" : "lookup_first";
}

/** Ranks of the processor's statuses: an event never moves a payout to a lower rank. */
const OURS_FOR_PROCESSOR: Record<ProcessorStatus, PayoutStatus> = {
  accepted: "submitted",
  processing: "processing",
  completed: "paid",
  failed: "failed",
};
const RANK: Partial<Record<PayoutStatus, number>> = {
  held: 0,
  queued: 0,
  submitting: 0,
  retrying: 0,
  stuck: 0,
  submitted: 1,
  processing: 2,
  paid: 3,
  failed: 3,
  cancelled: 3,
};

export type ProcessorStateDecision =
  /** Older or repeated news: nothing changes. */
  | { action: "ignore" }
  | { action: "advance"; next: "submitted" | "processing" }
  | { action: "finish"; outcome: "paid" | "failed" }
  /** The processor contradicts a final state (e.g. completed after we credited back). */
  | { action: "conflict"; detail: string };

/**
 * Pure: what the processor's view of a payout (from a webhook, a lookup or a create) does to
 * ours. Events may arrive late, twice or out of order: only a higher rank moves the payout, so
 * `processing` after `completed` changes nothing and the end state is the same in any order.
 */
export function decideProcessorState(
  payout: StoredPayout,
  status: ProcessorStatus,
): ProcessorStateDecision {
  const theirs = OURS_FOR_PROCESSOR[status];
  const ourRank = RANK[payout.status] ?? 0;
  const theirRank = RANK[theirs] ?? 0;
  if (ourRank === 3) {
    // A cancelled payout the processor failed too: both say no money left.
    const agrees =
      theirs === payout.status || (payout.status === "cancelled" && theirs === "failed");
    if (agrees) return { action: "ignore" };
    // A cancelled payout was never to reach the processor: news of it in flight is the
    // earliest sign it did, while it can still be stopped there. Older news about a paid or
    // failed payout is only reordering.
    if (theirRank < 3 && payout.status !== "cancelled") return { action: "ignore" };
    return {
      action: "conflict",
      detail: `processor says ${status} but the payout is ${payout.status}`,
    };
  }
  if (payout.status === "held") {
    // A held payout was never sent; any news about it is a contradiction to look at.
    return { action: "conflict", detail: `processor says ${status} for a held payout` };
  }
  if (theirRank <= ourRank) return { action: "ignore" };
  if (theirs === "paid" || theirs === "failed") return { action: "finish", outcome: theirs };
  return { action: "advance", next: theirs as "submitted" | "processing" };
}

/** The longest wait between attempts for a processor that is down. */
const MAX_RETRY_DELAY_SEC = 12 * 3_600;

/**
 * Exponential backoff for a processor that is down: base·2^(attempt-1), capped at 12 hours.
 *
 * @example
 * retryDelaySec(30, 3) // 120
 */
export function retryDelaySec(baseSec: number, attempt: number): number {
  return exponentialBackoff(attempt, { base: baseSec, cap: MAX_RETRY_DELAY_SEC });
}

import { type KeyRing, open } from "#shared/crypto/sealed";
import type { DestinationDetails } from "#shared/payouts/types";
import { boundUserId } from "../../core/meta-store";
import type { WalletTx } from "../../core/wallet-tx";
import { heldBy } from "../../holds/holds";
import { tellPayout } from "../../notify/notify";
import { sealContext } from "../destinations/decide-destination";
import { type CoveringHold, riskDetail, riskHoldReasonOf } from "../redeem/decide-risk-hold";
import type { DispatchClaim, ProcessorView } from "../types";
import { decideDispatch, decideProcessorState, type StoredPayout } from "./decide-payout";
import { finishPayout, flagPayout, parkPayout, publishPayout } from "./payout-events";
import {
  findPayout,
  logPayout,
  rememberProcessorEvent,
  sealedDestinationOf,
  updatePayout,
} from "./payout-store";

/**
 * A payout's life after it was requested: the dispatch consumer's claim, the processor's
 * answers (webhook, lookup, create), transient failures and the dead-letter queue.
 */

/**
 * The destination's details for the dispatch consumer, opened here in memory only (before the
 * transaction: opening is asynchronous); null when they cannot be read.
 */
export async function openDispatchDetails(
  sql: SqlStorage,
  ring: KeyRing | null,
  payoutId: string,
): Promise<DestinationDetails | null> {
  const peek = findPayout(sql, payoutId);
  if (peek?.destinationType === "gift_card") {
    return {
      type: "gift_card",
      productId: peek.destinationId ?? "",
      // The masked form is "<brand> <amount>"; brands may contain spaces.
      brand: (peek.destinationMasked ?? "").replace(/ \d+$/, ""),
    };
  }
  const sealed = peek ? sealedDestinationOf(sql, payoutId) : null;
  if (!peek || !sealed || !ring) return null;
  const opened = await open(ring, sealed, sealContext(boundUserId(sql), peek.destinationId ?? ""));
  return opened.ok ? (JSON.parse(opened.plaintext) as DestinationDetails) : null;
}

/**
 * The dispatch consumer's claim on a payout: counts the attempt and, unless there is nothing
 * to do, hands back the destination's details.
 */
export function claimDispatch(
  tx: WalletTx,
  payoutId: string,
  details: DestinationDetails | null,
  nowMs: number,
): DispatchClaim {
  const payout = findPayout(tx.sql, payoutId);
  const action = decideDispatch(payout);
  if (action === "skip" || !payout) return { action: "skip", payout };
  // A hold placed after it was queued (a user-wide `hold_payouts` from a later observation)
  // stops it here, where it would leave: never sent, it waits for the hold's end like any
  // held payout (risk-release.ts queues it again, once). One already sent to the processor is
  // not stopped: its outcome is the processor's (docs/fraud.md "Holds").
  if (payout.attempts === 0) {
    const holds = heldBy(tx.sql, "payouts", payoutId);
    if (holds.length > 0)
      return { action: "skip", payout: holdAtDispatch(tx, payout, holds, nowMs) };
  }
  if (!details) {
    const stuck = parkPayout(tx, payoutId, "stuck", "destination details unreadable", nowMs);
    return { action: "unreadable", payout: stuck as StoredPayout };
  }
  updatePayout(tx.sql, payoutId, { status: "submitting", attempts: payout.attempts + 1 }, nowMs);
  logPayout(tx.sql, payoutId, "attempt", String(payout.attempts + 1), nowMs);
  return {
    action,
    payout: publishPayout(tx, payoutId) as StoredPayout,
    destination: details,
    userId: tx.userId(),
  };
}

/** The payout goes `held` for the holds covering it, with their reason codes in its log. */
function holdAtDispatch(
  tx: WalletTx,
  payout: StoredPayout,
  holds: readonly CoveringHold[],
  nowMs: number,
): StoredPayout | null {
  const holdReason = riskHoldReasonOf(holds);
  updatePayout(tx.sql, payout.payoutId, { status: "held", holdReason }, nowMs);
  const detail = riskDetail(holds);
  logPayout(
    tx.sql,
    payout.payoutId,
    "held",
    detail ? `${holdReason}: ${detail}` : holdReason,
    nowMs,
  );
  const held = publishPayout(tx, payout.payoutId);
  // The user is told it waits for a check, never which fraud signals fired.
  if (held) tellPayout(tx, held, { type: "payout_held", reason: "review" }, nowMs);
  return held;
}

/** The processor could not be reached or answered with a transient error: the queue retries. */
export function recordUnavailable(
  tx: WalletTx,
  payoutId: string,
  attempt: number,
  reason: string,
  nowMs: number,
): StoredPayout | null {
  return asClaimingAttempt(tx, payoutId, attempt, () =>
    parkPayout(tx, payoutId, "retrying", reason, nowMs),
  );
}

/** Retries exhausted (dead-letter queue): nothing moves; an operator retries or cancels. */
export function markStuck(
  tx: WalletTx,
  payoutId: string,
  reason: string,
  nowMs: number,
): StoredPayout | null {
  const payout = findPayout(tx.sql, payoutId);
  if (!payout || !["queued", "submitting", "retrying"].includes(payout.status)) return payout;
  return parkPayout(tx, payoutId, "stuck", reason, nowMs);
}

/** Refused for good at submission: credited back, and the destination flagged if it is at fault. */
export function recordRejected(
  tx: WalletTx,
  payoutId: string,
  attempt: number,
  failureCode: string,
  nowMs: number,
): StoredPayout | null {
  // A refusal racing an attempt the processor accepted must not credit back money it will pay.
  return asClaimingAttempt(tx, payoutId, attempt, (payout) =>
    finishPayout(tx, payout, "failed", failureCode, nowMs),
  );
}

export interface ProcessorStateResult {
  outcome: "applied" | "ignored" | "replay" | "conflict" | "not_found";
  payout: StoredPayout | null;
}

/**
 * The processor's view of a payout, from a webhook, a lookup or a create. Idempotent per
 * event id, and monotonic (decideProcessorState): replays and reordering change nothing.
 */
export function applyProcessorState(
  tx: WalletTx,
  payoutId: string,
  view: ProcessorView,
  source: { eventId: string | null; processorId: string },
  nowMs: number,
): ProcessorStateResult {
  const payout = findPayout(tx.sql, payoutId);
  if (!payout) return { outcome: "not_found", payout: null };
  if (source.eventId && !rememberProcessorEvent(tx.sql, source.eventId, payoutId, nowMs)) {
    return { outcome: "replay", payout };
  }
  const differs =
    (view.amountMinor !== null && view.amountMinor !== payout.amountMinor) ||
    (view.currency !== null && view.currency !== payout.currency);
  if (differs) {
    // Never settle a different amount than was reserved; reconciliation shows it too.
    return flagPayout(tx, payout, `processor reports ${view.amountMinor} ${view.currency}`, nowMs);
  }
  const decision = decideProcessorState(payout, view.status);
  switch (decision.action) {
    case "ignore":
      return { outcome: "ignored", payout };
    case "conflict":
      return flagPayout(tx, payout, decision.detail, nowMs);
    case "advance":
      updatePayout(
        tx.sql,
        payoutId,
        { status: decision.next, processorId: source.processorId, processorRef: view.processorRef },
        nowMs,
      );
      logPayout(tx.sql, payoutId, decision.next, source.eventId, nowMs);
      return { outcome: "applied", payout: publishPayout(tx, payoutId) };
    case "finish":
      updatePayout(
        tx.sql,
        payoutId,
        { processorId: source.processorId, processorRef: view.processorRef },
        nowMs,
      );
      return {
        outcome: "applied",
        payout: finishPayout(
          tx,
          payout,
          decision.outcome,
          decision.outcome === "failed" ? (view.failureCode ?? "processor_failed") : null,
          nowMs,
        ),
      };
  }
}

/**
 * Runs `step` only for the attempt that holds the claim: the payout is still submitting
 * under that attempt. Otherwise a later attempt (or an operator) has taken over, and the
 * payout is returned unchanged.
 */
function asClaimingAttempt(
  tx: WalletTx,
  payoutId: string,
  attempt: number,
  step: (payout: StoredPayout) => StoredPayout | null,
): StoredPayout | null {
  const payout = findPayout(tx.sql, payoutId);
  if (payout?.status !== "submitting" || payout.attempts !== attempt) return payout;
  return step(payout);
}

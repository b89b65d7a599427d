import { isDestinationFailure } from "#shared/payouts/types";
import type { WalletTx } from "../../core/wallet-tx";
import { readBalance } from "../../ledger/ledger-store";
import { tellPayout } from "../../notify/notify";
import { payoutProjection } from "../../outbox/projections";
import { findDestination, setDestinationStatus } from "../destinations/destination-store";
import { eraseIfSettled } from "../destinations/erase-details";
import { finishLegs, type StoredPayout } from "./decide-payout";
import { findPayout, logPayout, sealedDestinationOf, updatePayout } from "./payout-store";

/** The steps every payout state change is made of: end it, park it, flag it, project it. */

/** Longest reason or detail kept on a payout (it is shown to operators). */
const MAX_DETAIL_CHARS = 200;

/**
 * Ends a payout: paid out, or credited back (repaying debt first). One posting per outcome.
 * Returns the payout as it now is.
 */
export function finishPayout(
  tx: WalletTx,
  payout: StoredPayout,
  outcome: "paid" | "failed" | "cancelled",
  failureCode: string | null,
  nowMs: number,
): StoredPayout {
  const debtMinor = readBalance(tx.sql, "debt", payout.currency);
  tx.post(
    {
      key: `payout:${payout.payoutId}:${outcome === "paid" ? "paid" : "credit_back"}`,
      kind: outcome === "paid" ? "payout_paid" : "payout_credited_back",
      txnId: null,
      legs: finishLegs(payout, outcome, debtMinor),
    },
    nowMs,
  );
  updatePayout(
    tx.sql,
    payout.payoutId,
    { status: outcome, failureCode, paidAtMs: outcome === "paid" ? nowMs : null },
    nowMs,
  );
  logPayout(tx.sql, payout.payoutId, outcome, failureCode, nowMs);
  const destinationAtFault =
    outcome === "failed" &&
    payout.destinationType !== "gift_card" &&
    isDestinationFailure(failureCode);
  // Only the details this payout used: not a removed destination, not newer details.
  const destination =
    destinationAtFault && payout.destinationId
      ? findDestination(tx.sql, payout.destinationId)
      : null;
  if (
    destination?.status === "active" &&
    destination.sealedDetails === sealedDestinationOf(tx.sql, payout.payoutId)
  ) {
    setDestinationStatus(tx.sql, destination.destinationId, "needs_attention", nowMs);
  }
  // A removed destination's details go once its last payout is final.
  if (payout.destinationId && payout.destinationType !== "gift_card") {
    eraseIfSettled(tx, payout.destinationId, nowMs);
  }
  tx.publishBalances(nowMs);
  const finished = publishPayout(tx, payout.payoutId) as StoredPayout;
  // Told through the outbox, in this transaction (a cancelled payout is the operator's act).
  if (outcome === "paid") tellPayout(tx, finished, { type: "payout_paid" }, nowMs);
  if (outcome === "failed") tellPayout(tx, finished, { type: "payout_failed", failureCode }, nowMs);
  return finished;
}

/** Moves a payout to a waiting state with the reason; no money moves. */
export function parkPayout(
  tx: WalletTx,
  payoutId: string,
  status: "retrying" | "stuck",
  reason: string,
  nowMs: number,
): StoredPayout | null {
  const detail = reason.slice(0, MAX_DETAIL_CHARS);
  updatePayout(tx.sql, payoutId, { status, lastError: detail }, nowMs);
  logPayout(tx.sql, payoutId, status, detail, nowMs);
  return publishPayout(tx, payoutId);
}

/** Marks a payout for an operator's attention; nothing else changes. */
export function flagPayout(tx: WalletTx, payout: StoredPayout, detail: string, nowMs: number) {
  const kept = detail.slice(0, MAX_DETAIL_CHARS);
  updatePayout(tx.sql, payout.payoutId, { attention: kept }, nowMs);
  logPayout(tx.sql, payout.payoutId, "conflict", kept, nowMs);
  return { outcome: "conflict", payout: publishPayout(tx, payout.payoutId) } as const;
}

/** Projects the payout as it now is, and returns it (null if there is none). */
export function publishPayout(tx: WalletTx, payoutId: string): StoredPayout | null {
  const p = findPayout(tx.sql, payoutId);
  if (!p) return null;
  tx.enqueue(payoutProjection(tx.userId(), p));
  return p;
}

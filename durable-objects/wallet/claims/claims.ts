import { observationMessage } from "#shared/fraud/observation-message";
import { findClick } from "../clicks/click-store";
import { applyConversion } from "../conversions/apply-conversion";
import { appendHistory, findTxnByOrder } from "../conversions/txn-store";
import type { StoredTxn } from "../conversions/types";
import type { WalletTx } from "../core/wallet-tx";
import { claimDecidedEvent } from "../notify/notification-events";
import { claimObservation } from "../risk/observations";
import { dueRefs, schedule, unschedule } from "../schedule/schedule-store";
import { checkClaimCap, DEFAULT_CLAIMS_PER_MONTH } from "./claim-cap";
import {
  findClaim,
  insertClaim,
  matchClaims,
  moveDueClaimsToReview,
  recordClaimDecision,
} from "./claim-store";
import {
  type ClaimCheck,
  type ClaimInput,
  type ClaimOutcome,
  checkClaim,
  checkClaimDecision,
  newClaim,
  type StoredClaim,
  sameClaimDetails,
} from "./decide-claim";

/** Claims moved to review per run, so one alarm does bounded work. */
const MAX_REVIEWS_PER_RUN = 500;

export type FileClaimResult =
  | { status: "created" | "exists"; claim: StoredClaim }
  | { status: "exists_with_different_details"; claim: StoredClaim }
  /** The monthly cap (claim-cap.ts) is reached; the next claim may be filed at `retryAtMs`. */
  | { status: "cap_reached"; retryAtMs: number }
  | { status: "invalid"; reason: Extract<ClaimCheck, { ok: false }>["reason"] };

/**
 * Files a claim for one of the user's clicks; idempotent on `claimId`. Matched at once if the
 * order is already known, else when its postback or report arrives (`matchClaimsFor`), else
 * sent to review after CLAIM_REVIEW_AFTER_DAYS (`reviewDueClaims`).
 */
export function fileClaim(
  tx: WalletTx,
  userId: string,
  input: ClaimInput,
  nowMs: number,
  claimsPerMonth: number = DEFAULT_CLAIMS_PER_MONTH,
): FileClaimResult {
  tx.bindUser(userId);
  const existing = findClaim(tx.sql, input.claimId);
  if (existing) {
    return sameClaimDetails(existing, input)
      ? { status: "exists", claim: existing }
      : { status: "exists_with_different_details", claim: existing };
  }
  const click = findClick(tx.sql, input.clickId);
  const check = checkClaim(input, click, nowMs);
  if (!check.ok || !click) {
    return { status: "invalid", reason: check.ok ? "click_not_found" : check.reason };
  }
  const cap = checkClaimCap(tx.sql, claimsPerMonth, nowMs);
  if (!cap.ok) return { status: "cap_reached", retryAtMs: cap.retryAtMs };
  const known = findTxnByOrder(tx.sql, click.networkId, input.orderId);
  const claim = newClaim(input, click, known, nowMs);
  insertClaim(tx.sql, claim);
  if (claim.status === "open") schedule(tx.sql, "claim_review", claim.claimId, claim.reviewDueAtMs);
  tx.publishClaim(claim);
  tx.enqueue(observationMessage(claimObservation(userId, claim)));
  return { status: "created", claim };
}

/** A new transaction matches the open claims for its order. */
export function matchClaimsFor(tx: WalletTx, txn: StoredTxn, source: string, nowMs: number): void {
  for (const claim of matchClaims(tx.sql, txn.networkId, txn.orderId, txn.txnId, nowMs)) {
    appendHistory(tx.sql, txn.txnId, "claim_matched", source, claim.claimId, nowMs);
    tx.publishClaim(claim);
  }
}

/** Claims still open when their review time comes go to the operator's queue. */
export function reviewDueClaims(tx: WalletTx, asOfMs: number, nowMs: number): void {
  const due = dueRefs(tx.sql, "claim_review", asOfMs, MAX_REVIEWS_PER_RUN);
  for (const claim of moveDueClaimsToReview(tx.sql, due, nowMs)) tx.publishClaim(claim);
  for (const claimId of due) unschedule(tx.sql, "claim_review", claimId);
}

export interface ClaimDecisionInput {
  outcome: ClaimOutcome;
  reason: string;
  /** The operator (admin identity name) who decided. */
  decidedBy: string;
  /** For an approval: the order's transaction id (deterministic from network and order). */
  txnId: string;
  /** For an approval: the network's commission if the operator knows it, else 0. */
  commissionMinor: number;
}

export type DecideClaimResult =
  | { status: "decided" | "already"; claim: StoredClaim }
  | { status: "not_found" }
  | { status: "not_allowed"; detail: string };

/** Thrown inside the storage transaction to undo a half-made approval. */
export class ClaimDecisionRefused extends Error {}

/**
 * An operator's decision on a claim, in one storage transaction. A rejection records the
 * reason. An approval moves no money itself: it records the order as a new pending
 * transaction through the same path postbacks and reconciliation take (applyConversion,
 * source `claim`), priced from the click-time snapshot and credited to pending with the
 * ledger's keyed postings; it confirms through the normal confirmation flow, and a later
 * postback for the order updates that same transaction. If the order cannot be recorded as
 * a new pending transaction, ClaimDecisionRefused undoes everything.
 */
export function decideClaim(
  tx: WalletTx,
  claimId: string,
  input: ClaimDecisionInput,
  nowMs: number,
): DecideClaimResult {
  const claim = findClaim(tx.sql, claimId);
  if (!claim) return { status: "not_found" };
  const check = checkClaimDecision(claim, input.outcome);
  if (check.kind === "refuse") return { status: "not_allowed", detail: check.detail };
  if (check.kind === "already") return { status: "already", claim };
  let txnId: string | null = null;
  if (input.outcome === "approved") txnId = recordClaimedOrder(tx, claim, input, nowMs);
  unschedule(tx.sql, "claim_review", claimId);
  const decided = recordClaimDecision(
    tx.sql,
    claimId,
    { status: input.outcome, txnId, reason: input.reason, decidedBy: input.decidedBy },
    nowMs,
  );
  tx.publishClaim(decided);
  // Told once: a decided claim answers `already` above.
  tx.enqueue(
    claimDecidedEvent(
      tx.userId(),
      { claimId, orderId: claim.orderId, status: input.outcome, reason: input.reason },
      nowMs,
    ),
  );
  return { status: "decided", claim: decided };
}

function recordClaimedOrder(
  tx: WalletTx,
  claim: StoredClaim,
  input: ClaimDecisionInput,
  nowMs: number,
): string {
  const known = findTxnByOrder(tx.sql, claim.networkId, claim.orderId);
  if (known) {
    throw new ClaimDecisionRefused(
      `the order already has transaction ${known.txnId} (${known.status}); approving a claim does not overturn it`,
    );
  }
  const click = findClick(tx.sql, claim.clickId);
  if (!click) throw new ClaimDecisionRefused("the claim's click is no longer kept");
  const result = applyConversion(
    tx,
    {
      txnId: input.txnId,
      postbackId: `claim:${claim.claimId}`,
      source: "claim",
      networkId: claim.networkId,
      orderId: claim.orderId,
      userId: tx.userId(),
      offerId: claim.offerId,
      clickId: claim.clickId,
      clickAtSec: Math.floor(click.clickedAtMs / 1000),
      status: "pending",
      currency: claim.currency,
      saleAmountMinor: claim.amountMinor,
      commissionMinor: input.commissionMinor,
      category: null,
      lineItems: null,
      occurredAtMs: Math.min(claim.purchasedAtMs, nowMs),
      updatedAtMs: null,
      receivedAtMs: nowMs,
      networkOfferRef: null,
    },
    nowMs,
  );
  if (result.outcome !== "created" || !result.txn) {
    throw new ClaimDecisionRefused(
      `the order could not be recorded as a pending transaction (${result.reason ?? result.outcome})`,
    );
  }
  appendHistory(tx.sql, result.txn.txnId, "claim_approved", "claim", input.reason, nowMs);
  return result.txn.txnId;
}

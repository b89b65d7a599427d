import { findClick } from "../clicks/click-store";
import { appendHistory, findTxnByOrder } from "../conversions/txn-store";
import type { StoredTxn } from "../conversions/types";
import type { WalletTx } from "../core/wallet-tx";
import { dueRefs, schedule, unschedule } from "../schedule/schedule-store";
import { checkClaimCap, DEFAULT_CLAIMS_PER_MONTH } from "./claim-cap";
import { findClaim, insertClaim, matchClaims, moveDueClaimsToReview } from "./claim-store";
import {
  type ClaimCheck,
  type ClaimInput,
  checkClaim,
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

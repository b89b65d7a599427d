import { MS_PER_DAY } from "#shared/time/clock";
import { ATTRIBUTION_WINDOW_DAYS, CLOCK_SKEW_MS } from "./decide-conversion";
import type { StoredClick } from "./types";

/**
 * Missing-cashback claims. A user who bought after clicking but sees no transaction files a
 * claim for that click; it is matched automatically when the network's postback or report
 * for that order arrives, and goes to the operator's review queue if nothing arrives.
 */

/** How long a claim waits for the network before it goes to review. */
export const CLAIM_REVIEW_AFTER_DAYS = 7;

export type ClaimStatus = "open" | "matched" | "review";

export interface StoredClaim {
  claimId: string;
  clickId: string;
  offerId: string;
  networkId: string;
  orderId: string;
  amountMinor: number;
  currency: string;
  purchasedAtMs: number;
  status: ClaimStatus;
  txnId: string | null;
  createdAtMs: number;
  updatedAtMs: number;
  reviewDueAtMs: number;
}

export interface ClaimInput {
  claimId: string;
  clickId: string;
  orderId: string;
  amountMinor: number;
  currency: string;
  purchasedAtMs: number;
}

export type ClaimCheck =
  | { ok: true }
  | {
      ok: false;
      reason:
        | "click_not_found"
        | "purchase_outside_click_window"
        | "currency_mismatch"
        | "purchase_in_future";
    };

/** Pure: can this claim be filed against this click? */
export function checkClaim(
  input: ClaimInput,
  click: StoredClick | null,
  nowMs: number,
): ClaimCheck {
  if (!click) return { ok: false, reason: "click_not_found" };
  if (input.purchasedAtMs > nowMs + CLOCK_SKEW_MS)
    return { ok: false, reason: "purchase_in_future" };
  const sinceClick = input.purchasedAtMs - click.clickedAtMs;
  if (sinceClick < -CLOCK_SKEW_MS || sinceClick > ATTRIBUTION_WINDOW_DAYS * MS_PER_DAY) {
    return { ok: false, reason: "purchase_outside_click_window" };
  }
  if (input.currency !== click.currency) return { ok: false, reason: "currency_mismatch" };
  return { ok: true };
}

/** Whether a claim filed again under the same id carries the details it was filed with. */
export function sameClaimDetails(existing: StoredClaim, input: ClaimInput): boolean {
  return (
    existing.clickId === input.clickId &&
    existing.orderId === input.orderId &&
    existing.amountMinor === input.amountMinor &&
    existing.currency === input.currency &&
    existing.purchasedAtMs === input.purchasedAtMs
  );
}

type ClaimRow = {
  claim_id: string;
  click_id: string;
  offer_id: string;
  network_id: string;
  order_id: string;
  amount_minor: number;
  currency: string;
  purchased_at_ms: number;
  status: string;
  txn_id: string | null;
  created_at_ms: number;
  updated_at_ms: number;
  review_due_at_ms: number;
};

function toClaim(r: ClaimRow): StoredClaim {
  return {
    claimId: r.claim_id,
    clickId: r.click_id,
    offerId: r.offer_id,
    networkId: r.network_id,
    orderId: r.order_id,
    amountMinor: r.amount_minor,
    currency: r.currency,
    purchasedAtMs: r.purchased_at_ms,
    status: r.status as ClaimStatus,
    txnId: r.txn_id,
    createdAtMs: r.created_at_ms,
    updatedAtMs: r.updated_at_ms,
    reviewDueAtMs: r.review_due_at_ms,
  };
}

export function findClaim(sql: SqlStorage, claimId: string): StoredClaim | null {
  const row = sql.exec<ClaimRow>(`SELECT * FROM claims WHERE claim_id = ?`, claimId).toArray()[0];
  return row ? toClaim(row) : null;
}

export function listClaims(sql: SqlStorage, limit: number): StoredClaim[] {
  return sql
    .exec<ClaimRow>(
      `SELECT * FROM claims ORDER BY created_at_ms DESC, claim_id DESC LIMIT ?`,
      limit,
    )
    .toArray()
    .map(toClaim);
}

export function insertClaim(sql: SqlStorage, claim: StoredClaim): void {
  sql.exec(
    `INSERT INTO claims (claim_id, click_id, offer_id, network_id, order_id, amount_minor,
       currency, purchased_at_ms, status, txn_id, created_at_ms, updated_at_ms, review_due_at_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    claim.claimId,
    claim.clickId,
    claim.offerId,
    claim.networkId,
    claim.orderId,
    claim.amountMinor,
    claim.currency,
    claim.purchasedAtMs,
    claim.status,
    claim.txnId,
    claim.createdAtMs,
    claim.updatedAtMs,
    claim.reviewDueAtMs,
  );
}

/** Open claims for an order, matched to its transaction; returns the claims as matched. */
export function matchClaims(
  sql: SqlStorage,
  networkId: string,
  orderId: string,
  txnId: string,
  nowMs: number,
): StoredClaim[] {
  return sql
    .exec<ClaimRow>(
      `UPDATE claims SET status = 'matched', txn_id = ?, updated_at_ms = ?
       WHERE network_id = ? AND order_id = ? AND status IN ('open', 'review')
       RETURNING *`,
      txnId,
      nowMs,
      networkId,
      orderId,
    )
    .toArray()
    .map(toClaim);
}

/** Claims still open when their review time comes go to the operator's queue; returns them. */
export function moveDueClaimsToReview(
  sql: SqlStorage,
  claimIds: string[],
  nowMs: number,
): StoredClaim[] {
  return claimIds.flatMap((claimId) =>
    sql
      .exec<ClaimRow>(
        `UPDATE claims SET status = 'review', updated_at_ms = ? WHERE claim_id = ? AND status = 'open'
         RETURNING *`,
        nowMs,
        claimId,
      )
      .toArray()
      .map(toClaim),
  );
}

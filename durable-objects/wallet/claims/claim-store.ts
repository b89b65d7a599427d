import type { ClaimStatus, StoredClaim } from "./decide-claim";

/** SQL for missing-cashback claims. */

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
  decision_reason: string | null;
  decided_by: string | null;
  decided_at_ms: number | null;
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
    decisionReason: r.decision_reason ?? null,
    decidedBy: r.decided_by ?? null,
    decidedAtMs: r.decided_at_ms ?? null,
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

/** Records an operator's decision on a claim; returns the claim as decided. */
export function recordClaimDecision(
  sql: SqlStorage,
  claimId: string,
  decision: {
    status: "approved" | "rejected";
    txnId: string | null;
    reason: string;
    decidedBy: string;
  },
  nowMs: number,
): StoredClaim {
  const row = sql
    .exec<ClaimRow>(
      `UPDATE claims SET status = ?, txn_id = COALESCE(?, txn_id), decision_reason = ?,
         decided_by = ?, decided_at_ms = ?, updated_at_ms = ?
       WHERE claim_id = ? RETURNING *`,
      decision.status,
      decision.txnId,
      decision.reason,
      decision.decidedBy,
      nowMs,
      nowMs,
      claimId,
    )
    .toArray()[0];
  if (!row) throw new Error(`claim ${claimId} vanished inside its transaction`);
  return toClaim(row);
}

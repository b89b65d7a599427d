import type { CashbackTerms } from "#shared/money/cashback";
import type { LineItem } from "#shared/networks/types";
import { desiredBoostMinor, effectiveBoostMinor, type TxnBoost } from "../boosts/boosts";
import type { ConfirmationPolicy } from "./confirmation-policy";
import type { StoredTxn, TxnStatus } from "./types";

/** SQL for the wallet's transactions and their history: row ↔ object mapping, reads, writes. */

type TxnRow = {
  txn_id: string;
  network_id: string;
  order_id: string;
  click_id: string | null;
  offer_id: string | null;
  status: string;
  reject_reason: string | null;
  currency: string;
  sale_amount_minor: number;
  commission_minor: number;
  cashback_minor: number;
  rate_bps: number;
  category: string | null;
  clicked_at_ms: number | null;
  converted_at_ms: number;
  expected_confirm_at_ms: number | null;
  confirmed_at_ms: number | null;
  version: number;
  created_at_ms: number;
  updated_at_ms: number;
  network_status: string;
  network_updated_at_ms: number;
  network_time_known: number;
  window_elapsed: number;
  held_pending_minor: number;
  held_confirmed_minor: number;
  line_items_json: string | null;
  terms_json: string | null;
  boosts_json: string | null;
  desired_boost_minor: number;
  granted_boost_minor: number;
  confirmation_policy: string;
  window_ends_at_ms: number | null;
};

function toTxn(row: TxnRow): StoredTxn {
  return {
    txnId: row.txn_id,
    networkId: row.network_id,
    orderId: row.order_id,
    clickId: row.click_id,
    offerId: row.offer_id,
    status: row.status as TxnStatus,
    rejectReason: row.reject_reason,
    currency: row.currency,
    saleAmountMinor: row.sale_amount_minor,
    commissionMinor: row.commission_minor,
    cashbackMinor: row.cashback_minor,
    rateBps: row.rate_bps,
    category: row.category,
    lineItems: row.line_items_json ? (JSON.parse(row.line_items_json) as LineItem[]) : null,
    terms: row.terms_json ? (JSON.parse(row.terms_json) as CashbackTerms) : null,
    boosts: row.boosts_json ? (JSON.parse(row.boosts_json) as TxnBoost[]) : [],
    desiredBoostMinor: row.desired_boost_minor,
    grantedBoostMinor: row.granted_boost_minor,
    confirmationPolicy: row.confirmation_policy as ConfirmationPolicy,
    windowEndsAtMs: row.window_ends_at_ms,
    networkStatus: row.network_status as StoredTxn["networkStatus"],
    networkUpdatedAtMs: row.network_updated_at_ms,
    networkTimeKnown: row.network_time_known === 1,
    windowElapsed: row.window_elapsed === 1,
    heldPendingMinor: row.held_pending_minor,
    heldConfirmedMinor: row.held_confirmed_minor,
    clickedAtMs: row.clicked_at_ms,
    convertedAtMs: row.converted_at_ms,
    expectedConfirmAtMs: row.expected_confirm_at_ms,
    confirmedAtMs: row.confirmed_at_ms,
    version: row.version,
    createdAtMs: row.created_at_ms,
    updatedAtMs: row.updated_at_ms,
  };
}

export function findTxnByOrder(
  sql: SqlStorage,
  networkId: string,
  orderId: string,
): StoredTxn | null {
  const row = sql
    .exec<TxnRow>(
      `SELECT * FROM transactions WHERE network_id = ? AND order_id = ?`,
      networkId,
      orderId,
    )
    .toArray()[0];
  return row ? toTxn(row) : null;
}

export function findTxn(sql: SqlStorage, txnId: string): StoredTxn | null {
  const row = sql.exec<TxnRow>(`SELECT * FROM transactions WHERE txn_id = ?`, txnId).toArray()[0];
  return row ? toTxn(row) : null;
}

/** Newest first, keyset-paginated on (converted_at_ms, txn_id). */
export function listTxns(
  sql: SqlStorage,
  limit: number,
  after: { convertedAtMs: number; txnId: string } | null,
): StoredTxn[] {
  const rows = after
    ? sql.exec<TxnRow>(
        `SELECT * FROM transactions
         WHERE (converted_at_ms, txn_id) < (?, ?)
         ORDER BY converted_at_ms DESC, txn_id DESC LIMIT ?`,
        after.convertedAtMs,
        after.txnId,
        limit,
      )
    : sql.exec<TxnRow>(
        `SELECT * FROM transactions ORDER BY converted_at_ms DESC, txn_id DESC LIMIT ?`,
        limit,
      );
  return rows.toArray().map(toTxn);
}

export function insertTxn(sql: SqlStorage, txn: StoredTxn): void {
  sql.exec(
    `INSERT INTO transactions (txn_id, network_id, order_id, click_id, offer_id, status,
       reject_reason, currency, sale_amount_minor, commission_minor, cashback_minor, rate_bps,
       category, clicked_at_ms, converted_at_ms, expected_confirm_at_ms, confirmed_at_ms,
       version, created_at_ms, updated_at_ms, network_status, network_updated_at_ms,
       window_elapsed, held_pending_minor, held_confirmed_minor, line_items_json, terms_json,
       boosts_json, desired_boost_minor, granted_boost_minor, confirmation_policy,
       window_ends_at_ms, network_time_known)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
       ?, ?, ?)`,
    txn.txnId,
    txn.networkId,
    txn.orderId,
    txn.clickId,
    txn.offerId,
    txn.status,
    txn.rejectReason,
    txn.currency,
    txn.saleAmountMinor,
    txn.commissionMinor,
    txn.cashbackMinor,
    txn.rateBps,
    txn.category,
    txn.clickedAtMs,
    txn.convertedAtMs,
    txn.expectedConfirmAtMs,
    txn.confirmedAtMs,
    txn.version,
    txn.createdAtMs,
    txn.updatedAtMs,
    txn.networkStatus,
    txn.networkUpdatedAtMs,
    txn.windowElapsed ? 1 : 0,
    txn.heldPendingMinor,
    txn.heldConfirmedMinor,
    txn.lineItems ? JSON.stringify(txn.lineItems) : null,
    txn.terms ? JSON.stringify(txn.terms) : null,
    ...boostColumns(txn.boosts),
    txn.confirmationPolicy,
    txn.windowEndsAtMs,
    txn.networkTimeKnown ? 1 : 0,
  );
}

/** The boosts and their totals as stored: the totals are always derived from the boosts. */
function boostColumns(boosts: readonly TxnBoost[]): [string | null, number, number] {
  return [
    boosts.length > 0 ? JSON.stringify(boosts) : null,
    desiredBoostMinor(boosts),
    effectiveBoostMinor(boosts),
  ];
}

/**
 * Writes only a transaction's boosts, with no new version: for a change that moves no money and
 * nothing a projection shows (a boost's budget layout pinned before its first request).
 */
export function saveBoosts(sql: SqlStorage, txnId: string, boosts: readonly TxnBoost[]): void {
  const [json, desired, granted] = boostColumns(boosts);
  sql.exec(
    `UPDATE transactions SET boosts_json = ?, desired_boost_minor = ?, granted_boost_minor = ?
     WHERE txn_id = ?`,
    json,
    desired,
    granted,
    txnId,
  );
}

/** Writes every mutable field of a transaction; the caller has bumped `version`. */
export function saveTxn(sql: SqlStorage, txn: StoredTxn): void {
  sql.exec(
    `UPDATE transactions SET status = ?, sale_amount_minor = ?, commission_minor = ?,
       cashback_minor = ?, rate_bps = ?, category = ?, confirmed_at_ms = ?, version = ?,
       updated_at_ms = ?, network_status = ?, network_updated_at_ms = ?, window_elapsed = ?,
       held_pending_minor = ?, held_confirmed_minor = ?, line_items_json = ?, boosts_json = ?,
       desired_boost_minor = ?, granted_boost_minor = ?, expected_confirm_at_ms = ?,
       network_time_known = ?
     WHERE txn_id = ?`,
    txn.status,
    txn.saleAmountMinor,
    txn.commissionMinor,
    txn.cashbackMinor,
    txn.rateBps,
    txn.category,
    txn.confirmedAtMs,
    txn.version,
    txn.updatedAtMs,
    txn.networkStatus,
    txn.networkUpdatedAtMs,
    txn.windowElapsed ? 1 : 0,
    txn.heldPendingMinor,
    txn.heldConfirmedMinor,
    txn.lineItems ? JSON.stringify(txn.lineItems) : null,
    ...boostColumns(txn.boosts),
    txn.expectedConfirmAtMs,
    txn.networkTimeKnown ? 1 : 0,
    txn.txnId,
  );
}

export function appendHistory(
  sql: SqlStorage,
  txnId: string,
  event: string,
  source: string,
  detail: string | null,
  nowMs: number,
): void {
  sql.exec(
    `INSERT INTO txn_history (txn_id, event, source, detail, at_ms) VALUES (?, ?, ?, ?, ?)`,
    txnId,
    event,
    source,
    detail,
    nowMs,
  );
}

export function readHistory(sql: SqlStorage, txnId: string) {
  return sql
    .exec<{ event: string; source: string; detail: string | null; at_ms: number }>(
      `SELECT event, source, detail, at_ms FROM txn_history WHERE txn_id = ? ORDER BY id`,
      txnId,
    )
    .toArray()
    .map((r) => ({ event: r.event, source: r.source, detail: r.detail, atMs: r.at_ms }));
}

/** A rejected row that never moved money is replaced when its order is judged again. */
export function deleteTxn(sql: SqlStorage, txnId: string): void {
  sql.exec(`DELETE FROM transactions WHERE txn_id = ?`, txnId);
}

import type { StoredTxn } from "../conversions/types";
import type { WalletTx } from "../core/wallet-tx";
import { recordSourceConfirmed } from "../points/lot-store";
import { schedule } from "../schedule/schedule-store";
import { findEvent, insertEvent } from "./event-store";
import { INBOX_REF } from "./events";

/**
 * Confirmed cashback becomes a first-party event of the wallet's own (`cashback.confirmed`),
 * so rules can reward it like anything the operator's backend reports ("2× points on
 * confirmed cashback", "a bonus on the first confirmed order"). A transaction returned after
 * it was confirmed is a full `refund.completed` of that event, and one the network corrected
 * down a partial one, so whatever it earned is taken back the way every refund is.
 *
 * The ids start with `@`, which no sender's id can (events must start with a letter or
 * digit), so a wallet event never collides with one from the backend.
 */

export const CASHBACK_CONFIRMED = "cashback.confirmed";
/** The key name wallet events are recorded under, where a backend's event names its key. */
export const WALLET_EVENT_KEY = "wallet";

/** Records the event a transaction's change of status means, if any, inside `settle`. */
export function recordConversionEvent(
  tx: WalletTx,
  txn: StoredTxn,
  historyEvent: string | null,
  nowMs: number,
): void {
  if (historyEvent === "confirmed") confirmed(tx, txn, nowMs);
  else if (historyEvent === "returned_after_confirmation") refundDown(tx, txn, 0, nowMs);
  else if (historyEvent === null && txn.status === "confirmed") {
    // A correction after confirmation (the network lowered the order): a partial refund.
    refundDown(tx, txn, txn.saleAmountMinor, nowMs);
  }
}

function confirmed(tx: WalletTx, txn: StoredTxn, nowMs: number): void {
  // Versioned: a transaction confirmed again after a return earns again, once per confirmation.
  const eventId = `@cashback:${txn.txnId}:v${txn.version}`;
  const merchantId = txn.clickId ? tx.click(txn.clickId)?.merchantId : undefined;
  const data: Record<string, unknown> = {
    amountMinor: txn.saleAmountMinor,
    currency: txn.currency,
    cashbackMinor: txn.cashbackMinor,
    transactionId: txn.txnId,
    ...(merchantId ? { merchantId } : {}),
    ...(txn.category ? { category: txn.category } : {}),
  };
  // The event is itself the confirmation (the network approved, or the return window closed):
  // what it earns is earned confirmed, active at once whatever the program's pending period.
  recordSourceConfirmed(tx.sql, "event", eventId, nowMs);
  record(tx, { id: eventId, type: CASHBACK_CONFIRMED, occurredAtMs: nowMs, data }, nowMs);
}

/**
 * Records a refund of the confirmed event down to `toMinor` of order amount still standing
 * (0: the whole order returned), counting every refund already recorded for it, processed or
 * not, so two corrections in a row never refund the same amount twice. Raising the amount
 * after confirmation earns nothing more: the confirmation was rewarded once.
 */
function refundDown(tx: WalletTx, txn: StoredTxn, toMinor: number, nowMs: number): void {
  const original = lastConfirmedEventOf(tx.sql, txn.txnId);
  if (original === null) return;
  const confirmedMinor = Number(findEvent(tx.sql, original)?.data.amountMinor ?? 0);
  const standingMinor = confirmedMinor - refundsRecordedFor(tx.sql, original);
  const refundMinor = standingMinor - Math.max(toMinor, 0);
  if (refundMinor <= 0) return;
  const data = { originalEventId: original, amountMinor: refundMinor, currency: txn.currency };
  const id = toMinor === 0 ? `${original}:returned` : `${original}:r${txn.version}`;
  record(tx, { id, type: "refund.completed", occurredAtMs: nowMs, data }, nowMs);
}

function refundsRecordedFor(sql: SqlStorage, originalEventId: string): number {
  return (
    sql
      .exec<{ total: number | null }>(
        `SELECT SUM(json_extract(data_json, '$.amountMinor')) AS total FROM events
         WHERE type = 'refund.completed' AND json_extract(data_json, '$.originalEventId') = ?`,
        originalEventId,
      )
      .one().total ?? 0
  );
}

function record(
  tx: WalletTx,
  event: { id: string; type: string; occurredAtMs: number; data: Record<string, unknown> },
  nowMs: number,
): void {
  if (findEvent(tx.sql, event.id)) return;
  insertEvent(
    tx.sql,
    { ...event, userId: tx.userId() },
    // The wallet wrote it itself: there is no sender's body to compare a resend against.
    {
      digest: `wallet:${event.id}`,
      keyName: WALLET_EVENT_KEY,
      data: event.data,
      receivedAtMs: nowMs,
    },
  );
  schedule(tx.sql, "events", INBOX_REF, nowMs);
}

function lastConfirmedEventOf(sql: SqlStorage, txnId: string): string | null {
  const row = sql
    .exec<{ event_id: string }>(
      `SELECT event_id FROM events
       WHERE type = ? AND event_id LIKE ? ESCAPE '\\' ORDER BY rowid DESC LIMIT 1`,
      CASHBACK_CONFIRMED,
      `@cashback:${txnId.replace(/[\\%_]/g, (c) => `\\${c}`)}:v%`,
    )
    .toArray()[0];
  return row?.event_id ?? null;
}

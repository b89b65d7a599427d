import { keepBoostRequest } from "../boosts/boost-requests";
import { owedBoosts } from "../boosts/boosts";
import type { WalletTx } from "../core/wallet-tx";
import { recordConversionEvent } from "../events/conversion-events";
import { readCurrencyBalances } from "../ledger/ledger-store";
import { tellCashback } from "../notify/notify";
import { schedule, unschedule } from "../schedule/schedule-store";
import { decideSettlement, type Settlement } from "./decide-settlement";
import { reportReturn } from "./report-return";
import { heldForReview } from "./review-holds";
import { appendHistory, insertTxn, saveTxn } from "./txn-store";
import type { StoredTxn } from "./types";

/**
 * Moves the ledger to where this transaction's state and confirmation policy say it should be
 * (decide-settlement.ts), keeps its window timer, its expected date and its boost request, saves it and publishes it; `txn` is left
 * equal to the saved row, and the settlement returned. A transaction a risk hold covers does
 * not confirm (review-holds.ts). The posting key carries the version, so each version moves money at
 * most once. `kind` names the posting when the caller knows better (a boost grant), and `rule`
 * the rule version that produced it (a campaign's).
 */
export function settle(
  tx: WalletTx,
  txn: StoredTxn,
  nowMs: number,
  source: string,
  kind?: string,
  rule?: { id: string; version: number },
): Settlement {
  return settleAndStore(tx, txn, nowMs, source, { kind, rule, isNew: false });
}

/**
 * A new transaction's first settlement: its row is inserted here, once, as settled (rather than
 * inserted before and updated after), and it has no schedule rows yet to remove. Its history
 * may be appended before (txn_history names the transaction, it does not reference the row).
 */
export function settleNew(tx: WalletTx, txn: StoredTxn, nowMs: number, source: string): Settlement {
  return settleAndStore(tx, txn, nowMs, source, { isNew: true });
}

function settleAndStore(
  tx: WalletTx,
  txn: StoredTxn,
  nowMs: number,
  source: string,
  how: { kind?: string; rule?: { id: string; version: number }; isNew: boolean },
): Settlement {
  const { kind, rule } = how;
  const balances = readCurrencyBalances(tx.sql, txn.currency);
  const settlement = decideSettlement(
    txn,
    {
      confirmedMinor: balances.get("confirmed") ?? 0,
      debtMinor: balances.get("debt") ?? 0,
    },
    nowMs,
    kind,
    // A risk hold keeps it from confirming (review-holds.ts; docs/fraud.md "Holds").
    heldForReview(tx.sql, txn.txnId),
  );
  if (settlement.legs.length > 0) {
    tx.post(
      {
        key: `txn:${txn.txnId}:v${txn.version}`,
        kind: settlement.postingKind,
        txnId: txn.txnId,
        ...(rule ? { rule } : {}),
        legs: settlement.legs,
      },
      nowMs,
    );
  }
  const heldBefore = { pendingMinor: txn.heldPendingMinor, confirmedMinor: txn.heldConfirmedMinor };
  txn.desiredBoostMinor = settlement.desiredBoostMinor;
  txn.grantedBoostMinor = settlement.grantedBoostMinor;
  txn.heldPendingMinor = settlement.held.pendingMinor;
  txn.heldConfirmedMinor = settlement.held.confirmedMinor;
  txn.status = settlement.status;
  txn.confirmedAtMs = settlement.confirmedAtMs;
  txn.expectedConfirmAtMs = settlement.expectedConfirmAtMs;
  if (settlement.historyEvent !== null) {
    appendHistory(tx.sql, txn.txnId, settlement.historyEvent, source, null, nowMs);
  }
  // Confirmed cashback is an event rules can reward; a return after it, a refund of it.
  recordConversionEvent(tx, txn, settlement.historyEvent, nowMs);
  // A cancellation or a return is what return abuse counts (docs/fraud.md "Return abuse").
  reportReturn(tx, txn, settlement.historyEvent, nowMs);
  // What the user is told: a credit earned, confirmed or reversed (notify.ts).
  tellCashback(tx, txn, heldBefore, settlement, nowMs);
  if (settlement.confirmAtMs !== null)
    schedule(tx.sql, "confirm", txn.txnId, settlement.confirmAtMs);
  else if (!how.isNew) unschedule(tx.sql, "confirm", txn.txnId);
  if (!how.isNew || owedBoosts(txn.boosts).length > 0) keepBoostRequest(tx.sql, txn, nowMs);
  if (how.isNew) insertTxn(tx.sql, txn);
  else saveTxn(tx.sql, txn);
  tx.publishTxn(txn);
  return settlement;
}

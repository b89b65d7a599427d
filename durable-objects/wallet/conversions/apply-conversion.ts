import { matchClaimsFor } from "../claims/claims";
import type { WalletTx } from "../core/wallet-tx";
import { decideConversion } from "./decide-conversion";
import { applyUpdate, conversionDetail, newTxn } from "./new-txn";
import { holdBotClickConversion } from "./review-holds";
import { settle, settleNew } from "./settle";
import { appendHistory, deleteTxn, findTxnByOrder, insertTxn } from "./txn-store";
import type { ConversionEvent, ConversionResult, StoredTxn } from "./types";

/**
 * Applies one conversion event inside the caller's storage transaction: decides what it does
 * to the order (decide-conversion.ts), then creates, updates or records it, and settles the
 * money (settle.ts).
 */
export function applyConversion(
  tx: WalletTx,
  event: ConversionEvent,
  nowMs: number,
): ConversionResult {
  tx.bindUser(event.userId);
  const source = event.source ?? "postback";
  let existing = findTxnByOrder(tx.sql, event.networkId, event.orderId);
  // A rejection for a click that had not arrived yet is not final: once the click is here
  // (a lagging clicks queue, a replay from its dead-letter queue), the order is judged
  // again. The rejected row never moved money, so it is replaced; its history stays.
  let supersededVersion = 0;
  if (
    existing?.status === "rejected" &&
    existing.rejectReason === "click_not_found" &&
    tx.click(event.clickId)
  ) {
    appendHistory(tx.sql, existing.txnId, "click_arrived_judged_again", source, null, nowMs);
    deleteTxn(tx.sql, existing.txnId);
    supersededVersion = existing.version;
    existing = null;
  }
  const click = existing ? null : tx.click(event.clickId);
  const decision = decideConversion({ existing, click, event, nowMs });
  const detail = conversionDetail(event);

  switch (decision.action) {
    case "retry_later":
      return { outcome: "retry_later", txn: null, reason: "click_not_arrived_yet" };
    case "duplicate":
    case "stale":
    case "ignore": {
      const why = decision.action === "ignore" ? decision.why : decision.action;
      if (existing) appendHistory(tx.sql, existing.txnId, why, source, detail, nowMs);
      const outcome = decision.action === "ignore" ? "ignored" : decision.action;
      return {
        outcome,
        txn: existing,
        reason: decision.action === "ignore" ? decision.why : null,
      };
    }
    case "reject": {
      // Not priced: a rejected order earns nothing, and shows nothing it would have earned.
      const txn = newTxn(event, null, nowMs, null);
      txn.version = supersededVersion + 1;
      txn.status = "rejected";
      txn.rejectReason = decision.reason;
      insertTxn(tx.sql, txn);
      appendHistory(tx.sql, txn.txnId, "rejected", source, decision.reason, nowMs);
      if (decision.detail) {
        appendHistory(tx.sql, txn.txnId, decision.reason, source, decision.detail, nowMs);
      }
      tx.publishTxn(txn);
      return { outcome: "rejected", txn, reason: decision.reason };
    }
    case "create": {
      const txn = newTxn(event, decision.pricedAs ?? click, nowMs, decision.expectedConfirmAtMs);
      // Versions keep rising across a re-judged order, so its projection moves forward.
      txn.version = supersededVersion + 1;
      appendHistory(tx.sql, txn.txnId, "created", source, detail, nowMs);
      if (decision.pricedAs) {
        appendHistory(
          tx.sql,
          txn.txnId,
          "repriced",
          source,
          JSON.stringify({
            clickedOfferId: event.offerId,
            clickedRef: click?.networkOfferRef ?? null,
            reportedRef: event.networkOfferRef ?? null,
            pricedOfferId: decision.pricedAs.offerId,
          }),
          nowMs,
        );
      }
      // A click the edge marked a bot's never attributes on its own: its conversion is held
      // for review, pending as usual, not rejected (review-holds.ts).
      if (click?.quality?.bot) holdBotClickConversion(tx, txn, click.quality, nowMs, source);
      // The row is inserted once, settled (settle.ts `settleNew`).
      settleNew(tx, txn, nowMs, source);
      matchClaimsFor(tx, txn, source, nowMs);
      return { outcome: "created", txn, reason: null };
    }
    case "update": {
      const txn = applyUpdate(existing as StoredTxn, event, nowMs);
      appendHistory(tx.sql, txn.txnId, "updated", source, detail, nowMs);
      settle(tx, txn, nowMs, source);
      return { outcome: "updated", txn, reason: null };
    }
  }
}

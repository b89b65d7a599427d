import type { Settlement } from "../conversions/decide-settlement";
import type { StoredTxn } from "../conversions/types";
import type { WalletTx } from "../core/wallet-tx";
import type { StoredPayout } from "../payouts/lifecycle/decide-payout";
import { readPayoutLog } from "../payouts/lifecycle/payout-store";
import { recordDevice } from "../payouts/step-up/challenge-store";
import {
  cashbackChange,
  cashbackEvent,
  merchantLabel,
  newDeviceEvent,
  type PayoutChange,
  payoutEvent,
} from "./notification-events";

/**
 * The wallet's notification events go out through its outbox (rows of kind `notification`, on
 * NOTIFY_TRANSACTIONAL), written in the storage transaction of the change they report: a change
 * that rolls back tells no one, and one that commits is told. The builders are pure
 * (notification-events.ts); these only find what they need in the wallet's storage.
 */

/** Inside `settle`: a credit earned, confirmed or reversed is told (cashbackChange). */
export function tellCashback(
  tx: WalletTx,
  txn: StoredTxn,
  heldBefore: { pendingMinor: number; confirmedMinor: number },
  settlement: Pick<Settlement, "held" | "historyEvent">,
  nowMs: number,
): void {
  const change = cashbackChange(heldBefore, settlement.held, settlement.historyEvent);
  if (change === null) return;
  const merchantId = txn.clickId ? tx.click(txn.clickId)?.merchantId : null;
  tx.enqueue(
    cashbackEvent(
      tx.userId(),
      {
        txnId: txn.txnId,
        orderId: txn.orderId,
        currency: txn.currency,
        merchantName: merchantLabel(merchantId, txn.networkId),
      },
      change,
      nowMs,
    ),
  );
}

/** A payout's change, told to its owner. */
export function tellPayout(
  tx: WalletTx,
  payout: StoredPayout,
  change: PayoutChange,
  nowMs: number,
): void {
  tx.enqueue(payoutEvent(tx.userId(), payout, change, nowMs));
}

/** The payout log events after which a payout is on its way (told `payout_initiated`). */
const ON_ITS_WAY = new Set(["queued", "risk_released", "approved"]);

/**
 * A payout goes on its way: told once per payout, however often it is held and released
 * (`pay_…:initiated`). Call it before logging the move that queues it.
 */
export function tellInitiated(tx: WalletTx, payout: StoredPayout, nowMs: number): void {
  if (readPayoutLog(tx.sql, payout.payoutId).some((l) => ON_ITS_WAY.has(l.event))) return;
  tellPayout(tx, payout, { type: "payout_initiated" }, nowMs);
}

/**
 * Records a device's use (a sign-in the operator reports, a step-up code, a redemption) and
 * tells the user when the wallet had not seen it: once per device (`device:<hash>:new`), never
 * for the wallet's first device.
 */
export function noteDevice(tx: WalletTx, deviceHash: string, atMs: number): void {
  if (recordDevice(tx.sql, deviceHash, atMs) === "new") {
    tx.enqueue(newDeviceEvent(tx.userId(), deviceHash, atMs));
  }
}

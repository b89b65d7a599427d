import { type ClickQuality, clickRiskReasons } from "#shared/fraud/click-quality";
import type { WalletTx } from "../core/wallet-tx";
import type { StoredHold } from "../holds/hold-store";
import { placeHold } from "../holds/holds";
import { transactionHeld } from "./review-hold-store";
import { settle } from "./settle";
import { appendHistory, findTxn } from "./txn-store";
import type { StoredTxn } from "./types";

/**
 * Transactions held for review (docs/fraud.md "Click quality", "Holds"). A conversion of a
 * click the edge marked a bot's is created as usual — pending, priced, earning shown — with a
 * `transaction` hold (source `bot_click`) on it: never silently rejected, and it does not
 * confirm while the hold is active (settle.ts asks `heldForReview`). An operator's release
 * confirms it as usual (now if due, else at its date); an upheld hold keeps it pending for the
 * operator to reject through the transaction admin.
 */

/** The hold a marked click's conversion gets: one per transaction, whatever the retries. */
export function botClickHoldId(txnId: string): string {
  return `bot_click:${txnId}`;
}

/** Whether the transaction may not confirm: an active hold covers it, or one on it was upheld. */
export function heldForReview(sql: SqlStorage, txnId: string): boolean {
  return transactionHeld(sql, txnId);
}

/**
 * Places the review hold on a new transaction from a marked click, before it is settled.
 *
 * @example
 * if (click.quality?.bot) holdBotClickConversion(tx, txn, click.quality, nowMs, "postback");
 */
export function holdBotClickConversion(
  tx: WalletTx,
  txn: StoredTxn,
  quality: ClickQuality,
  nowMs: number,
  source: string,
): void {
  const reasons = clickRiskReasons(quality);
  const { placed } = placeHold(
    tx,
    botClickHoldId(txn.txnId),
    {
      kind: "transaction",
      subjectRef: txn.txnId,
      reasons,
      source: "bot_click",
      ruleId: null,
      ruleVersion: null,
      autoReleaseAtMs: null,
    },
    nowMs,
  );
  if (placed) {
    appendHistory(
      tx.sql,
      txn.txnId,
      "held_for_review",
      source,
      JSON.stringify({ holdId: botClickHoldId(txn.txnId), reasons: quality.reasons }),
      nowMs,
    );
  }
}

/**
 * After a `transaction` hold was released (holds/hold-ended.ts): the held transaction settles
 * again — confirmed now if its policy says so, else pending to its date — unless another hold
 * still covers it. A cancelled or confirmed transaction has nothing to release. Transaction
 * holds always name their transaction (assessment-holds.ts places none without a subject).
 */
export function releaseHeldTransaction(tx: WalletTx, hold: StoredHold, nowMs: number): void {
  if (hold.subjectRef === null) return;
  const txn = findTxn(tx.sql, hold.subjectRef);
  if (txn?.status !== "pending") return;
  appendHistory(
    tx.sql,
    txn.txnId,
    "review_hold_released",
    "risk_review",
    JSON.stringify({ holdId: hold.holdId, by: hold.decidedBy }),
    nowMs,
  );
  if (heldForReview(tx.sql, txn.txnId)) return;
  txn.version += 1;
  txn.updatedAtMs = nowMs;
  settle(tx, txn, nowMs, "risk_review");
}

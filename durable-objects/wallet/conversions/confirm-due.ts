import type { WalletTx } from "../core/wallet-tx";
import { dueRefs, unschedule } from "../schedule/schedule-store";
import { settle } from "./settle";
import { appendHistory, findTxn } from "./txn-store";
import type { StoredTxn } from "./types";

/** Transactions whose window closes per run, so one alarm does bounded work. */
export const MAX_CONFIRMS_PER_RUN = 500;

/**
 * Closes the return window of every pending transaction whose window ended by `asOfMs` (an
 * indexed range over the schedule), at most MAX_CONFIRMS_PER_RUN; `more` when rows were left
 * for the next run. What that does follows each transaction's confirmation policy: under
 * `return_window` it confirms; under `network_approval`, and `both` before the network
 * approved, it stays pending, recorded as awaiting the network (its approval then confirms at
 * once); one a risk hold covers stays pending, recorded as held for review (the release then
 * confirms it). `confirmed` counts only what confirmed.
 */
export function confirmDue(
  tx: WalletTx,
  asOfMs: number,
  nowMs: number,
): { confirmed: number; more: boolean } {
  const due = dueRefs(tx.sql, "confirm", asOfMs, MAX_CONFIRMS_PER_RUN + 1);
  let confirmed = 0;
  for (const ref of due.slice(0, MAX_CONFIRMS_PER_RUN)) {
    const txn = findTxn(tx.sql, ref);
    if (txn?.status === "pending" && !txn.windowElapsed) {
      txn.windowElapsed = true;
      txn.version += 1;
      txn.updatedAtMs = nowMs;
      const settlement = settle(tx, txn, nowMs, "return_window_elapsed");
      // settle() moved the status on: read it afresh, not as narrowed above.
      const settled: StoredTxn = txn;
      if (settled.status === "confirmed") confirmed++;
      else if (settled.status === "pending") {
        // A risk hold keeps it (an operator's release confirms it), else the network's approval.
        const why = settlement.heldForReview ? "held_for_review" : "awaiting_network";
        appendHistory(tx.sql, txn.txnId, why, "return_window_elapsed", null, nowMs);
      }
    } else {
      unschedule(tx.sql, "confirm", ref);
    }
  }
  return { confirmed, more: due.length > MAX_CONFIRMS_PER_RUN };
}

import type { WalletTx } from "../core/wallet-tx";
import { dueRefs, unschedule } from "../schedule/schedule-store";
import { settle } from "./settle";
import { findTxn } from "./txn-store";

/** Transactions confirmed per run, so one alarm does bounded work. */
export const MAX_CONFIRMS_PER_RUN = 500;

/**
 * Confirms every pending transaction whose return window closed by `asOfMs` (an indexed range
 * over the schedule), at most MAX_CONFIRMS_PER_RUN; `more` when rows were left for the next run.
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
    if (txn?.status === "pending") {
      txn.windowElapsed = true;
      txn.version += 1;
      txn.updatedAtMs = nowMs;
      settle(tx, txn, nowMs, "return_window_elapsed");
      confirmed++;
    } else {
      unschedule(tx.sql, "confirm", ref);
    }
  }
  return { confirmed, more: due.length > MAX_CONFIRMS_PER_RUN };
}

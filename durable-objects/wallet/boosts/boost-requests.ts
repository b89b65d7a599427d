import type { StoredTxn } from "../conversions/types";
import { schedule, unschedule } from "../schedule/schedule-store";
import { owedBoosts } from "./boosts";

/**
 * Keeps one 'boost' schedule row while the transaction owes a request to a campaign budget.
 * A new row is due now (the object sends it right after commit); an existing one keeps its
 * due time, so a budget that keeps failing is retried at BOOST_RETRY_MS, not in a loop.
 */
export function keepBoostRequest(sql: SqlStorage, txn: StoredTxn, nowMs: number): void {
  if (owedBoosts(txn.boosts).length === 0) unschedule(sql, "boost", txn.txnId);
  else schedule(sql, "boost", txn.txnId, nowMs, true);
}

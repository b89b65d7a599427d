/**
 * SQL beside the risk holds (holds/hold-store.ts) that only the transaction path asks: whether
 * an operator upheld a hold on this very transaction. An upheld hold is no longer active, yet
 * the transaction stays pending for the operator to reject (docs/fraud.md "Holds").
 */
export function upheldTransactionHold(sql: SqlStorage, txnId: string): boolean {
  return (
    sql
      .exec(
        `SELECT 1 FROM risk_holds WHERE status = 'upheld' AND kind = 'transaction'
           AND subject_ref = ? LIMIT 1`,
        txnId,
      )
      .toArray().length > 0
  );
}

/**
 * Pending transactions a hold may have kept from confirming (their window passed or the
 * network approved), oldest first, at most `rows`: what a released user-wide hold settles
 * again. A scan of one user's pending transactions, in their own wallet.
 */
export function pendingPastConfirmation(sql: SqlStorage, rows: number): string[] {
  return sql
    .exec<{ txn_id: string }>(
      `SELECT txn_id FROM transactions WHERE status = 'pending'
         AND (window_elapsed = 1 OR network_status = 'approved')
       ORDER BY created_at_ms, txn_id LIMIT ?`,
      rows,
    )
    .toArray()
    .map((r) => r.txn_id);
}

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

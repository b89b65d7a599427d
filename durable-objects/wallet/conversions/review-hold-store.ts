/**
 * SQL beside the risk holds (holds/hold-store.ts) that only the transaction path asks: whether
 * a hold keeps this very transaction from confirming — an active `transaction` hold covering it
 * (its own, or a user-wide one), or one an operator upheld on it. An upheld hold is no longer
 * active, yet the transaction stays pending for the operator to reject (docs/fraud.md "Holds").
 * One read: every settlement asks it.
 */
export function transactionHeld(sql: SqlStorage, txnId: string): boolean {
  return (
    sql
      .exec(
        `SELECT 1 FROM risk_holds WHERE kind = 'transaction'
           AND ((status = 'active' AND (subject_ref IS NULL OR subject_ref = ?))
             OR (status = 'upheld' AND subject_ref = ?))
         LIMIT 1`,
        txnId,
        txnId,
      )
      .toArray().length > 0
  );
}

/** SQL for the wallet audit: what transactions hold, and which hold other than their target. */

export function heldByCurrency(
  sql: SqlStorage,
): Array<{ currency: string; pendingMinor: number; confirmedMinor: number }> {
  return sql
    .exec<{ currency: string; pending: number; confirmed: number }>(
      `SELECT currency, SUM(held_pending_minor) AS pending, SUM(held_confirmed_minor) AS confirmed
       FROM transactions GROUP BY currency`,
    )
    .toArray()
    .map((r) => ({ currency: r.currency, pendingMinor: r.pending, confirmedMinor: r.confirmed }));
}

/**
 * Transactions that do not hold exactly their target (base cashback + granted boost while it
 * stands, nothing once cancelled or rejected), at most `rows`.
 */
export function txnsOffTarget(
  sql: SqlStorage,
  rows: number,
): Array<{ txnId: string; heldMinor: number; targetMinor: number }> {
  return sql
    .exec<{ txn_id: string; held: number; want: number }>(
      `SELECT txn_id, held_pending_minor + held_confirmed_minor AS held,
              CASE WHEN status IN ('cancelled', 'rejected') THEN 0
                   ELSE cashback_minor + granted_boost_minor END AS want
       FROM transactions
       WHERE held_pending_minor + held_confirmed_minor !=
             CASE WHEN status IN ('cancelled', 'rejected') THEN 0
                  ELSE cashback_minor + granted_boost_minor END
       LIMIT ?`,
      rows,
    )
    .toArray()
    .map((r) => ({ txnId: r.txn_id, heldMinor: r.held, targetMinor: r.want }));
}

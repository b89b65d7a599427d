/**
 * Ledger projections: the ledger-events consumer and the D1 rows it keeps (`transactions`,
 * `wallet_balances`). Other features read and add to them through these functions.
 */

export { usersWithBalancesAfter, walletLiabilities } from "./balances-store";
export { consumeLedgerEvents } from "./consumer";
export {
  attributionOfOrder,
  type DueKey,
  duePage,
  networkTransactionsIn,
  type ProjectedTransaction,
  transactionsByIds,
  untrustedTransaction,
} from "./transactions-store";

import { Badge, DateTime, EmptyState, Money } from "../../views/components";
import type { LedgerEntry, WalletTransaction } from "./types";

/** A user's ledger entries: each with the bucket's balance after it. */
export function LedgerTable({ items, timeZone }: { items: LedgerEntry[]; timeZone: string }) {
  if (items.length === 0) return <EmptyState>No ledger entries yet.</EmptyState>;
  return (
    <table>
      <caption class="visually-hidden">Ledger entries, newest first</caption>
      <thead>
        <tr>
          <th scope="col">#</th>
          <th scope="col">When</th>
          <th scope="col">Kind</th>
          <th scope="col">Bucket</th>
          <th scope="col" class="num">
            Amount
          </th>
          <th scope="col" class="num">
            Balance after
          </th>
          <th scope="col">Transaction</th>
        </tr>
      </thead>
      <tbody>
        {items.map((e) => (
          <tr>
            <td>{e.seq}</td>
            <td>
              <DateTime at={e.createdAt} timeZone={timeZone} />
            </td>
            <td>{e.kind}</td>
            <td>{e.bucket}</td>
            <td class="num">
              <Money amountMinor={e.amountMinor} currency={e.currency} />
            </td>
            <td class="num">
              <Money amountMinor={e.balanceAfterMinor} currency={e.currency} />
            </td>
            <td>
              {e.transactionId ? (
                <a href={`/console/transactions/${encodeURIComponent(e.transactionId)}`}>
                  {e.transactionId}
                </a>
              ) : (
                "—"
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A user's transactions as their wallet holds them; each links to its history. */
export function WalletTransactionsTable({
  items,
  timeZone,
}: {
  items: WalletTransaction[];
  timeZone: string;
}) {
  if (items.length === 0) return <EmptyState>No transactions yet.</EmptyState>;
  return (
    <table>
      <caption class="visually-hidden">Transactions, newest purchase first</caption>
      <thead>
        <tr>
          <th scope="col">Order</th>
          <th scope="col">Network</th>
          <th scope="col">Status</th>
          <th scope="col" class="num">
            Sale
          </th>
          <th scope="col" class="num">
            Cashback
          </th>
          <th scope="col">Purchased</th>
          <th scope="col">Confirms</th>
        </tr>
      </thead>
      <tbody>
        {items.map((t) => (
          <tr>
            <td>
              <a href={`/console/transactions/${encodeURIComponent(t.id)}`}>{t.orderId}</a>
            </td>
            <td>{t.networkId}</td>
            <td>
              <Badge status={t.status} />
            </td>
            <td class="num">
              <Money amountMinor={t.saleAmountMinor} currency={t.currency} />
            </td>
            <td class="num">
              <Money amountMinor={t.cashbackMinor} currency={t.currency} />
            </td>
            <td>
              <DateTime at={t.purchasedAt} timeZone={timeZone} />
            </td>
            <td>
              {t.awaitingNetworkApproval ? (
                "on the network's approval"
              ) : (
                <DateTime at={t.expectedConfirmationAt} timeZone={timeZone} />
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

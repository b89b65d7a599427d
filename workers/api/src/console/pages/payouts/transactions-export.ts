import type { Context } from "hono";
import type { ConsoleContext } from "../../context";
import { csvExport, csvMoney, exportRowLimit } from "../../csv";
import { filtersOf, type Page } from "./parts";

/**
 * /console/transactions/export.csv: the transactions list as CSV, with the transactions
 * page's filters passed through to `GET /admin/v1/transactions` (filters the API does not
 * know are ignored by it). Pages while the API answers a `nextCursor`; without one, the first
 * page (up to 200 rows) is the export.
 */

interface AdminTransaction {
  id: string;
  userId: string | null;
  networkId: string;
  orderId: string;
  status: string;
  rejectReason: string | null;
  currency: string;
  saleAmountMinor: number;
  cashbackMinor: number;
  purchasedAt: string;
  expectedConfirmationAt: string | null;
  updatedAt: string;
}

const FILTER_KEYS = ["status", "userId", "networkId", "orderId", "q", "from", "to"] as const;

const columns = [
  { header: "id", value: (t: AdminTransaction) => t.id },
  { header: "user_id", value: (t: AdminTransaction) => t.userId },
  { header: "network_id", value: (t: AdminTransaction) => t.networkId },
  { header: "order_id", value: (t: AdminTransaction) => t.orderId },
  { header: "status", value: (t: AdminTransaction) => t.status },
  { header: "reject_reason", value: (t: AdminTransaction) => t.rejectReason },
  {
    header: "sale_amount",
    value: (t: AdminTransaction) => csvMoney(t.saleAmountMinor, t.currency),
  },
  { header: "cashback", value: (t: AdminTransaction) => csvMoney(t.cashbackMinor, t.currency) },
  { header: "currency", value: (t: AdminTransaction) => t.currency },
  { header: "purchased_at", value: (t: AdminTransaction) => t.purchasedAt },
  { header: "expected_confirmation_at", value: (t: AdminTransaction) => t.expectedConfirmationAt },
  { header: "updated_at", value: (t: AdminTransaction) => t.updatedAt },
];

export function transactionsExport(c: Context<ConsoleContext>) {
  const api = c.get("api");
  const filters = filtersOf(c, FILTER_KEYS);
  return csvExport<AdminTransaction>({
    filename: "transactions.csv",
    columns,
    maxRows: exportRowLimit(c.req.query("max")),
    fetchPage: async (cursor) => {
      const page = await api.get<Partial<Page<AdminTransaction>> & { items: AdminTransaction[] }>(
        "/admin/v1/transactions",
        { ...filters, limit: 200, cursor },
      );
      return page.ok
        ? { ok: true, items: page.data.items, nextCursor: page.data.nextCursor ?? null }
        : page;
    },
  });
}

import { createRoute, z } from "@hono/zod-openapi";
import { AppError } from "#shared/http/errors";
import { rowsToFetch } from "#shared/paging";
import { toIso, toIsoOrNull } from "../../http/common-schemas";
import { featureApp } from "../../http/feature-app";
import { ADMIN_SECURITY, jsonBody, problemResponses } from "../../http/responses";
import { walletOf } from "../../wallet-client";
import { cursorInt, decodeCursor, encodeCursor } from "../users/index";
import {
  AdminTransactionSchema,
  PostbackSearchQuery,
  PostbackSummarySchema,
  TransactionDetailSchema,
  TransactionIdParam,
  TransactionSearchQuery,
} from "./schemas";
import {
  findTransaction,
  type Position,
  postbacksOfOrder,
  reportRowsOfTransaction,
  searchPostbacks,
  searchTransactions,
  type TransactionRow,
} from "./search-store";
import { buildTimeline } from "./timeline";

const security = ADMIN_SECURITY;
const tags = ["operations"];

/** Bounds one transaction's history (a transaction moves a handful of times). */
const HISTORY_ROWS = 500;

const listTransactionsRoute = createRoute({
  method: "get",
  path: "/transactions",
  operationId: "listAdminTransactions",
  tags,
  security,
  summary:
    "Transactions (D1 projection), newest purchase first, filtered by order, network, user, status and purchase time",
  request: { query: TransactionSearchQuery },
  responses: {
    200: jsonBody(
      z.object({ items: z.array(AdminTransactionSchema), nextCursor: z.string().nullable() }),
    ),
    ...problemResponses,
  },
});

const getTransactionRoute = createRoute({
  method: "get",
  path: "/transactions/{id}",
  operationId: "getAdminTransaction",
  tags,
  security,
  summary:
    "One transaction with its full history: the postbacks and report rows that moved it, the wallet's decisions and each money movement",
  request: { params: TransactionIdParam },
  responses: { 200: jsonBody(TransactionDetailSchema), ...problemResponses },
});

const listPostbacksRoute = createRoute({
  method: "get",
  path: "/postbacks",
  operationId: "listPostbacks",
  tags,
  security,
  summary:
    "Received postbacks (audit log), newest first, filtered by network, verdict, order and time",
  request: { query: PostbackSearchQuery },
  responses: {
    200: jsonBody(
      z.object({ items: z.array(PostbackSummarySchema), nextCursor: z.string().nullable() }),
    ),
    ...problemResponses,
  },
});

const positionOf = (cursor: string | undefined): Position | null => {
  const parts = decodeCursor(cursor, 2);
  return parts ? { atMs: cursorInt(parts[0] as string), id: parts[1] as string } : null;
};

const msOf = (iso: string | undefined) => (iso === undefined ? undefined : Date.parse(iso));

const transactionView = (r: TransactionRow) => ({
  id: r.id,
  userId: r.userId,
  networkId: r.networkId,
  orderId: r.orderId,
  offerId: r.offerId,
  clickId: r.clickId,
  status: r.status,
  rejectReason: r.rejectReason,
  currency: r.currency,
  saleAmountMinor: r.saleAmountMinor,
  commissionMinor: r.commissionMinor,
  cashbackMinor: r.cashbackMinor,
  boostMinor: r.boostMinor,
  rateBps: r.rateBps,
  clickedAt: toIsoOrNull(r.clickedAtMs),
  purchasedAt: toIso(r.convertedAtMs),
  expectedConfirmationAt: toIsoOrNull(r.expectedConfirmAtMs),
  confirmedAt: toIsoOrNull(r.confirmedAtMs),
  updatedAt: toIso(r.updatedAtMs),
});

/** Operator routes: transaction search and history, and the postback audit log. */
export const operationsAdminRoutes = featureApp()
  .openapi(listTransactionsRoute, async (c) => {
    const q = c.req.valid("query");
    const filter = {
      orderId: q.orderId,
      networkId: q.networkId,
      userId: q.userId,
      status: q.status,
      fromMs: msOf(q.from),
      toMs: msOf(q.to),
    };
    const rows = await searchTransactions(
      c.env,
      filter,
      positionOf(q.cursor),
      rowsToFetch(q.limit),
    );
    const items = rows.slice(0, q.limit);
    const last = rows.length > q.limit ? items.at(-1) : undefined;
    return c.json(
      {
        items: items.map(transactionView),
        nextCursor: last ? encodeCursor([last.convertedAtMs, last.id]) : null,
      },
      200,
    );
  })
  .openapi(getTransactionRoute, async (c) => {
    const row = await findTransaction(c.env, c.req.valid("param").id);
    if (!row) throw new AppError("not_found", "no such transaction");
    const [postbacks, reportRows, wallet] = await Promise.all([
      postbacksOfOrder(c.env.DB, row.networkId, row.orderId, HISTORY_ROWS),
      reportRowsOfTransaction(c.env.DB, row.id, HISTORY_ROWS),
      row.userId === null ? null : walletOf(c.env, row.userId).getTransaction(row.id),
    ]);
    const timeline = buildTimeline({
      postbacks,
      reportRows: reportRows.map((r) => ({ ...r, atMs: r.finishedAtMs ?? r.startedAtMs })),
      events: wallet?.history ?? [],
      entries: wallet?.entries ?? [],
    });
    return c.json(
      {
        transaction: transactionView(row),
        timeline: timeline.map(({ atMs, ...item }) => ({ at: toIso(atMs), ...item })),
      },
      200,
    );
  })
  .openapi(listPostbacksRoute, async (c) => {
    const q = c.req.valid("query");
    const filter = {
      networkId: q.networkId,
      verdict: q.verdict,
      orderId: q.orderId,
      fromMs: msOf(q.from),
      toMs: msOf(q.to),
    };
    const rows = await searchPostbacks(
      c.env.DB,
      filter,
      positionOf(q.cursor),
      rowsToFetch(q.limit),
    );
    const items = rows.slice(0, q.limit);
    const last = rows.length > q.limit ? items.at(-1) : undefined;
    return c.json(
      {
        items: items.map((r) => ({
          id: r.id,
          networkId: r.networkId,
          receivedAt: toIso(r.receivedAtMs),
          verdict: r.verdict,
          rejectReason: r.rejectReason,
          orderId: r.orderId,
        })),
        nextCursor: last ? encodeCursor([last.receivedAtMs, last.id]) : null,
      },
      200,
    );
  });

import { createRoute, z } from "@hono/zod-openapi";
import { toIso, toIsoOrNull } from "../../http/common-schemas";
import { featureApp } from "../../http/feature-app";
import { ADMIN_SECURITY, jsonBody, problemResponses } from "../../http/responses";
import { listReceivedPostbacks } from "../conversions/index";
import { listProjectedTransactions } from "../ledger/index";

const security = ADMIN_SECURITY;
const tags = ["operations"];

const AdminTransactionSchema = z.object({
  id: z.string(),
  userId: z.string().nullable(),
  networkId: z.string(),
  orderId: z.string(),
  status: z.string(),
  rejectReason: z.string().nullable(),
  currency: z.string(),
  saleAmountMinor: z.number().int(),
  cashbackMinor: z.number().int(),
  purchasedAt: z.string(),
  expectedConfirmationAt: z.string().nullable(),
  updatedAt: z.string(),
});

const listTransactionsRoute = createRoute({
  method: "get",
  path: "/transactions",
  operationId: "listAdminTransactions",
  tags,
  security,
  summary: "Transactions (D1 projection), newest first",
  request: {
    query: z.object({
      status: z.enum(["pending", "confirmed", "cancelled", "rejected"]).optional(),
      userId: z.string().max(64).optional(),
      limit: z.coerce.number().int().min(1).max(200).default(50),
    }),
  },
  responses: {
    200: jsonBody(z.object({ items: z.array(AdminTransactionSchema) })),
    ...problemResponses,
  },
});

const listPostbacksRoute = createRoute({
  method: "get",
  path: "/postbacks",
  operationId: "listPostbacks",
  tags,
  security,
  summary: "Received postbacks (audit log), newest first",
  request: {
    query: z.object({
      verdict: z.enum(["accepted", "rejected"]).optional(),
      limit: z.coerce.number().int().min(1).max(200).default(50),
    }),
  },
  responses: {
    200: jsonBody(
      z.object({
        items: z.array(
          z.object({
            id: z.string(),
            networkId: z.string(),
            receivedAt: z.string(),
            verdict: z.string(),
            rejectReason: z.string().nullable(),
            orderId: z.string().nullable(),
          }),
        ),
      }),
    ),
    ...problemResponses,
  },
});

/** Operator routes: the transactions projection, the postback audit log, the dev outbox. */
export const operationsAdminRoutes = featureApp()
  .openapi(listTransactionsRoute, async (c) => {
    const rows = await listProjectedTransactions(c.env.DB, c.req.valid("query"));
    const items = rows.map((r) => ({
      id: r.id,
      userId: r.userId,
      networkId: r.networkId,
      orderId: r.orderId,
      status: r.status,
      rejectReason: r.rejectReason,
      currency: r.currency,
      saleAmountMinor: r.saleAmountMinor,
      cashbackMinor: r.cashbackMinor,
      purchasedAt: toIso(r.convertedAtMs),
      expectedConfirmationAt: toIsoOrNull(r.expectedConfirmAtMs),
      updatedAt: toIso(r.updatedAtMs),
    }));
    return c.json({ items }, 200);
  })
  .openapi(listPostbacksRoute, async (c) => {
    const rows = await listReceivedPostbacks(c.env.DB, c.req.valid("query"));
    return c.json(
      {
        items: rows.map((r) => ({
          id: r.id,
          networkId: r.networkId,
          receivedAt: toIso(r.receivedAtMs),
          verdict: r.verdict,
          rejectReason: r.rejectReason,
          orderId: r.orderId,
        })),
      },
      200,
    );
  });

import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { AppError } from "#shared/http/errors";
import type { ApiContext } from "../auth";
import { toIso, toIsoOrNull } from "../http/common-schemas";
import { jsonBody, problemResponses } from "../http/responses";
import { runConfirmationBackstop } from "../jobs/confirmation-backstop";

const security = [{ adminKey: [] }];
const tags = ["operations (admin)"];

const runConfirmationsRoute = createRoute({
  method: "post",
  path: "/admin/v1/confirmations/run",
  tags,
  security,
  summary: "Confirm every pending transaction whose return window has passed",
  description:
    'Runs the same backstop the cron runs. `asOf` later than now is accepted only where ALLOW_CLOCK_OVERRIDE is "true" (development and tests), to demonstrate confirmation without waiting.',
  request: {
    body: {
      required: false,
      content: {
        "application/json": {
          schema: z.object({ asOf: z.iso.datetime({ offset: true }).optional() }).strict(),
        },
      },
    },
  },
  responses: {
    200: jsonBody(
      z.object({
        asOf: z.string(),
        usersVisited: z.number(),
        confirmed: z.number(),
        failures: z.number(),
      }),
    ),
    ...problemResponses,
  },
});

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
  path: "/admin/v1/transactions",
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
  path: "/admin/v1/postbacks",
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

/** The columns of the D1 `transactions` projection this listing shows. */
interface TransactionRow {
  id: string;
  user_id: string | null;
  network_id: string;
  order_id: string;
  status: string;
  reject_reason: string | null;
  currency: string;
  sale_amount_minor: number;
  cashback_minor: number;
  converted_at_ms: number;
  expected_confirm_at_ms: number | null;
  updated_at_ms: number;
}

export function registerOpsAdmin(app: OpenAPIHono<ApiContext>): void {
  app.openapi(runConfirmationsRoute, async (c) => {
    const nowMs = Date.now();
    const body = c.req.valid("json") ?? {};
    let asOfMs = nowMs;
    if (body.asOf) {
      asOfMs = Date.parse(body.asOf);
      if (asOfMs > nowMs && c.env.ALLOW_CLOCK_OVERRIDE !== "true") {
        throw new AppError(
          "forbidden",
          "asOf in the future needs ALLOW_CLOCK_OVERRIDE=true (development only)",
        );
      }
    }
    return c.json(await runConfirmationBackstop(c.env, asOfMs), 200);
  });

  app.openapi(listTransactionsRoute, async (c) => {
    const { status, userId, limit } = c.req.valid("query");
    const { results } = await c.env.DB.prepare(
      `SELECT id, user_id, network_id, order_id, status, reject_reason, currency,
         sale_amount_minor, cashback_minor, converted_at_ms, expected_confirm_at_ms, updated_at_ms
       FROM transactions
       WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR user_id = ?2)
       ORDER BY converted_at_ms DESC LIMIT ?3`,
    )
      .bind(status ?? null, userId ?? null, limit)
      .all<TransactionRow>();
    const items = results.map((r) => ({
      id: r.id,
      userId: r.user_id,
      networkId: r.network_id,
      orderId: r.order_id,
      status: r.status,
      rejectReason: r.reject_reason,
      currency: r.currency,
      saleAmountMinor: r.sale_amount_minor,
      cashbackMinor: r.cashback_minor,
      purchasedAt: toIso(r.converted_at_ms),
      expectedConfirmationAt: toIsoOrNull(r.expected_confirm_at_ms),
      updatedAt: toIso(r.updated_at_ms),
    }));
    return c.json({ items }, 200);
  });

  app.openapi(listPostbacksRoute, async (c) => {
    const { verdict, limit } = c.req.valid("query");
    const { results } = await c.env.DB.prepare(
      `SELECT id, network_id, received_at_ms, verdict, reject_reason, order_id FROM received_postbacks
       WHERE (?1 IS NULL OR verdict = ?1) ORDER BY received_at_ms DESC LIMIT ?2`,
    )
      .bind(verdict ?? null, limit)
      .all<{
        id: string;
        network_id: string;
        received_at_ms: number;
        verdict: string;
        reject_reason: string | null;
        order_id: string | null;
      }>();
    return c.json(
      {
        items: results.map((r) => ({
          id: r.id,
          networkId: r.network_id,
          receivedAt: toIso(r.received_at_ms),
          verdict: r.verdict,
          rejectReason: r.reject_reason,
          orderId: r.order_id,
        })),
      },
      200,
    );
  });
}

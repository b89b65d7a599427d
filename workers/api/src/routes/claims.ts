import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { StoredClaim } from "#durable-objects/wallet/claims";
import { AppError } from "#shared/http/errors";
import { claimIdFor } from "#shared/ids";
import { AmountMinorSchema, CurrencySchema } from "#shared/money/currency";
import type { ApiContext } from "../auth";
import { toIso, toIsoOrNull } from "../http/common-schemas";
import { jsonBody, problemResponses } from "../http/responses";
import { walletOf } from "../wallet-client";

const ClaimSchema = z
  .object({
    id: z.string(),
    clickId: z.string(),
    offerId: z.string(),
    orderId: z.string(),
    amountMinor: AmountMinorSchema,
    currency: z.string(),
    purchasedAt: z.string(),
    status: z
      .enum(["open", "matched", "review"])
      .describe(
        "open: waiting for the network; matched: the order arrived (see transactionId); review: with the operator",
      ),
    transactionId: z.string().nullable(),
    reviewAfter: z.string().nullable().describe("when an open claim goes to review"),
    createdAt: z.string(),
  })
  .openapi("Claim");

const ClaimInputSchema = z
  .object({
    clickId: z.string().regex(/^clk_[A-Za-z0-9_-]{8,64}$/, "a click id from GET /v1/me/clicks"),
    orderId: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[\x21-\x7e]+$/, "printable ASCII without spaces"),
    amountMinor: AmountMinorSchema.describe("order amount in minor units"),
    currency: CurrencySchema,
    purchasedAt: z.iso.datetime({ offset: true }),
  })
  .strict()
  .openapi("ClaimInput");

const claimView = (c: StoredClaim) => ({
  id: c.claimId,
  clickId: c.clickId,
  offerId: c.offerId,
  orderId: c.orderId,
  amountMinor: c.amountMinor,
  currency: c.currency,
  purchasedAt: toIso(c.purchasedAtMs),
  status: c.status,
  transactionId: c.txnId,
  reviewAfter: c.status === "open" ? toIsoOrNull(c.reviewDueAtMs) : null,
  createdAt: toIso(c.createdAtMs),
});

const fileClaimRoute = createRoute({
  method: "post",
  path: "/v1/me/claims",
  tags: ["user"],
  security: [{ userJwt: [] }],
  summary: "File a missing-cashback claim for one of the caller's clicks",
  request: {
    headers: z.object({
      "idempotency-key": z
        .string()
        .min(8)
        .max(100)
        .describe("required: the same key returns the same claim instead of filing twice"),
    }),
    body: { required: true, content: { "application/json": { schema: ClaimInputSchema } } },
  },
  responses: {
    201: jsonBody(ClaimSchema, "filed"),
    200: jsonBody(ClaimSchema, "already filed with this Idempotency-Key"),
    409: {
      description: "the Idempotency-Key was used for a different claim",
      content: { "application/problem+json": { schema: z.object({}).passthrough() } },
    },
    ...problemResponses,
  },
});

const listClaimsRoute = createRoute({
  method: "get",
  path: "/v1/me/claims",
  tags: ["user"],
  security: [{ userJwt: [] }],
  summary: "The caller's claims, newest first",
  request: { query: z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) }) },
  responses: { 200: jsonBody(z.object({ items: z.array(ClaimSchema) })), ...problemResponses },
});

const listClicksRoute = createRoute({
  method: "get",
  path: "/v1/me/clicks",
  tags: ["user"],
  security: [{ userJwt: [] }],
  summary: "The caller's recent clicks (kept for the attribution window plus a week)",
  request: { query: z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) }) },
  responses: {
    200: jsonBody(
      z.object({
        items: z.array(
          z.object({
            clickId: z.string(),
            offerId: z.string(),
            clickedAt: z.string(),
            currency: z.string(),
          }),
        ),
      }),
    ),
    ...problemResponses,
  },
});

const reviewQueueRoute = createRoute({
  method: "get",
  path: "/admin/v1/claims",
  tags: ["operations (admin)"],
  security: [{ adminKey: [] }],
  summary: "Claims by status (review: the queue waiting for an operator)",
  request: {
    query: z.object({
      status: z.enum(["open", "matched", "review"]).default("review"),
      limit: z.coerce.number().int().min(1).max(200).default(50),
    }),
  },
  responses: {
    200: jsonBody(
      z.object({
        items: z.array(
          z.object({
            id: z.string(),
            userId: z.string(),
            networkId: z.string(),
            orderId: z.string(),
            amountMinor: z.number().int(),
            currency: z.string(),
            status: z.string(),
            transactionId: z.string().nullable(),
            purchasedAt: z.string(),
            createdAt: z.string(),
          }),
        ),
      }),
    ),
    ...problemResponses,
  },
});

export function registerClaimRoutes(app: OpenAPIHono<ApiContext>): void {
  app.openapi(fileClaimRoute, async (c) => {
    const userId = c.get("userId");
    const key = c.req.valid("header")["idempotency-key"];
    const input = c.req.valid("json");
    const result = await walletOf(c.env, userId).fileClaim(userId, {
      claimId: await claimIdFor(userId, key),
      clickId: input.clickId,
      orderId: input.orderId,
      amountMinor: input.amountMinor,
      currency: input.currency,
      purchasedAtMs: Date.parse(input.purchasedAt),
    });
    switch (result.status) {
      case "created":
        return c.json(claimView(result.claim), 201);
      case "exists":
        return c.json(claimView(result.claim), 200);
      case "exists_with_different_details":
        throw new AppError(
          "conflict",
          "this Idempotency-Key was already used for a different claim",
        );
      case "invalid": {
        const message = {
          click_not_found: "no such click for this user",
          purchase_outside_click_window: "the purchase must be within 30 days after the click",
          currency_mismatch: "the currency differs from the offer's",
          purchase_in_future: "purchasedAt is in the future",
        }[result.reason];
        const path =
          result.reason === "click_not_found"
            ? "clickId"
            : result.reason === "currency_mismatch"
              ? "currency"
              : "purchasedAt";
        throw new AppError("validation_failed", "the claim cannot be filed", [{ path, message }]);
      }
    }
  });

  app.openapi(listClaimsRoute, async (c) => {
    const claims = await walletOf(c.env, c.get("userId")).getClaims(c.req.valid("query").limit);
    return c.json({ items: claims.map(claimView) }, 200);
  });

  app.openapi(listClicksRoute, async (c) => {
    const clicks = await walletOf(c.env, c.get("userId")).getClicks(c.req.valid("query").limit);
    return c.json(
      {
        items: clicks.map((k) => ({
          clickId: k.clickId,
          offerId: k.offerId,
          clickedAt: toIso(k.clickedAtMs),
          currency: k.currency,
        })),
      },
      200,
    );
  });

  app.openapi(reviewQueueRoute, async (c) => {
    const { status, limit } = c.req.valid("query");
    const { results } = await c.env.DB.prepare(
      `SELECT * FROM claims WHERE status = ?1 ORDER BY created_at_ms LIMIT ?2`,
    )
      .bind(status, limit)
      .all<{
        id: string;
        user_id: string;
        network_id: string;
        order_id: string;
        amount_minor: number;
        currency: string;
        status: string;
        transaction_id: string | null;
        purchased_at_ms: number;
        created_at_ms: number;
      }>();
    return c.json(
      {
        items: results.map((r) => ({
          id: r.id,
          userId: r.user_id,
          networkId: r.network_id,
          orderId: r.order_id,
          amountMinor: r.amount_minor,
          currency: r.currency,
          status: r.status,
          transactionId: r.transaction_id,
          purchasedAt: toIso(r.purchased_at_ms),
          createdAt: toIso(r.created_at_ms),
        })),
      },
      200,
    );
  });
}

import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { StoredPayout } from "#durable-objects/wallet/payouts";
import type {
  DestinationResult,
  DestinationView,
  RedeemRefusalCode,
} from "#durable-objects/wallet/redemptions";
import { toHex } from "#shared/crypto/encoding";
import { sha256 } from "#shared/crypto/hmac";
import { AppError, type ErrorCode } from "#shared/http/errors";
import { destinationIdFor, newId, payoutIdFor } from "#shared/ids";
import { AmountMinorSchema, CurrencySchema } from "#shared/money/currency";
import { PAYOUT_ID_PATTERN, PAYOUT_STATUSES } from "#shared/payouts/types";
import type { ApiContext } from "../auth";
import { kycStatusOf } from "../features/users/index";
import { toIso, toIsoOrNull } from "../http/common-schemas";
import { jsonBody, problemResponses } from "../http/responses";
import { notifierFor } from "../payouts/notifier";
import { payoutPolicyOf } from "../payouts/policy";
import { payoutProcessorFor } from "../payouts/processor-client";
import { walletOf } from "../wallet-client";
import { findGiftCard } from "./gift-cards";

const security = [{ userJwt: [] }];
const tags = ["redemptions"];

// ---- schemas ---------------------------------------------------------------------------------

const DestinationSchema = z
  .object({
    id: z.string(),
    type: z.enum(["bank", "upi"]),
    label: z.string().nullable(),
    masked: z.string().describe("the only form in which details are ever shown"),
    status: z
      .enum(["active", "needs_attention", "removed"])
      .describe("needs_attention: a payout to it failed; update its details"),
    usableFrom: z.string().describe("payouts may go to it from this time (cooling-off)"),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("PayoutDestination");

const LabelSchema = z.string().min(1).max(60).nullable().default(null);
const HolderNameSchema = z
  .string()
  .min(2)
  .max(100)
  .regex(/^[\p{L}\p{M} .'-]+$/u, "letters, spaces, . ' and - only");

const DestinationInputSchema = z
  .discriminatedUnion("type", [
    z
      .object({
        type: z.literal("bank"),
        accountNumber: z.string().regex(/^\d{9,18}$/, "9 to 18 digits"),
        ifsc: z
          .string()
          .regex(/^[A-Z]{4}0[A-Z0-9]{6}$/, "an IFSC: 4 letters, 0, then 6 letters or digits"),
        holderName: HolderNameSchema,
        label: LabelSchema,
      })
      .strict(),
    z
      .object({
        type: z.literal("upi"),
        vpa: z
          .string()
          .max(100)
          .regex(/^[A-Za-z0-9._-]{2,64}@[A-Za-z][A-Za-z0-9]{1,31}$/, "a UPI id such as name@bank"),
        holderName: HolderNameSchema.nullable().default(null),
        label: LabelSchema,
      })
      .strict(),
  ])
  .openapi("PayoutDestinationInput");

const PayoutSchema = z
  .object({
    id: z.string(),
    status: z.enum(PAYOUT_STATUSES),
    amountMinor: AmountMinorSchema,
    currency: z.string(),
    destination: z.object({
      type: z.enum(["bank", "upi", "gift_card"]).nullable(),
      id: z.string().nullable(),
      masked: z.string().nullable(),
    }),
    holdReason: z.string().nullable(),
    failureCode: z
      .string()
      .nullable()
      .describe("why it failed; the amount is back in confirmed cashback"),
    createdAt: z.string(),
    updatedAt: z.string(),
    paidAt: z.string().nullable(),
  })
  .openapi("Redemption");

const RedemptionInputSchema = z
  .object({
    amountMinor: AmountMinorSchema.refine((n) => n > 0, "must be positive"),
    currency: CurrencySchema,
    destinationId: z.string().max(64).optional().describe("a saved bank account or UPI id"),
    giftCardId: z.string().max(64).optional().describe("a gift card from GET /v1/me/gift-cards"),
    stepUp: z
      .object({
        challengeId: z.string().min(1).max(64),
        code: z.string().regex(/^\d{6}$/, "six digits"),
      })
      .strict()
      .optional()
      .describe("the code sent after POST /v1/me/step-up; required before money moves"),
  })
  .strict()
  .refine((b) => (b.destinationId === undefined) !== (b.giftCardId === undefined), {
    message: "send exactly one of destinationId and giftCardId",
    path: ["destinationId"],
  })
  .openapi("RedemptionInput");

const IdempotencyHeaders = z.object({
  "idempotency-key": z
    .string()
    .min(8)
    .max(100)
    .regex(/^[\x21-\x7e]+$/, "printable ASCII")
    .describe("required: the same key returns the same redemption instead of paying twice"),
});

const DestinationIdParam = z.object({
  id: z
    .string()
    .regex(/^dst_[A-Za-z0-9_-]{8,40}$/, "a destination id")
    .openapi({ param: { name: "id", in: "path" } }),
});

// ---- views ------------------------------------------------------------------------------------

const destinationView = (d: DestinationView) => ({
  id: d.destinationId,
  type: d.type,
  label: d.label,
  masked: d.masked,
  status: d.status,
  usableFrom: toIso(d.usableFromMs),
  createdAt: toIso(d.createdAtMs),
  updatedAt: toIso(d.updatedAtMs),
});

export const payoutView = (p: StoredPayout) => ({
  id: p.payoutId,
  status: p.status,
  amountMinor: p.amountMinor,
  currency: p.currency,
  destination: { type: p.destinationType, id: p.destinationId, masked: p.destinationMasked },
  holdReason: p.holdReason,
  failureCode: p.failureCode,
  createdAt: toIso(p.createdAtMs),
  updatedAt: toIso(p.updatedAtMs),
  paidAt: toIsoOrNull(p.paidAtMs),
});

function destinationOrThrow(result: DestinationResult) {
  switch (result.status) {
    case "not_found":
      throw new AppError("not_found", "no such payout destination");
    case "too_many":
      throw new AppError("conflict", "remove a destination before adding another (10 at most)");
    case "idempotency_conflict":
      throw new AppError(
        "idempotency_conflict",
        "this Idempotency-Key added a destination with other details",
      );
    case "no_keys":
      console.error("PAYOUT_DETAILS_KEYS is missing or malformed");
      throw new AppError("unavailable", "payout destinations cannot be stored right now");
    default:
      return result;
  }
}

/** Every refusal the wallet can give, as the problem a client sees. */
const REFUSAL_CODES: Record<RedeemRefusalCode, ErrorCode> = {
  currency_not_redeemable: "currency_not_redeemable",
  below_minimum: "below_minimum",
  kyc_required: "kyc_required",
  destination_cooling_off: "destination_cooling_off",
  destination_unusable: "destination_unusable",
  destination_not_found: "not_found",
  gift_card_unavailable: "validation_failed",
  insufficient_funds: "insufficient_funds",
  debt_outstanding: "debt_outstanding",
  step_up_required: "step_up_required",
  step_up_failed: "step_up_failed",
};

async function requestHash(body: unknown): Promise<string> {
  return toHex(await sha256(JSON.stringify(body)));
}

// ---- routes -------------------------------------------------------------------------------------

const listDestinationsRoute = createRoute({
  method: "get",
  path: "/v1/me/payout-destinations",
  tags,
  security,
  summary: "The caller's bank accounts and UPI ids, masked",
  responses: {
    200: jsonBody(z.object({ items: z.array(DestinationSchema) })),
    ...problemResponses,
  },
});

const addDestinationRoute = createRoute({
  method: "post",
  path: "/v1/me/payout-destinations",
  tags,
  security,
  summary:
    "Add a bank account or UPI id. Details are encrypted at rest and only shown masked; it can receive money after the cooling-off period.",
  request: {
    headers: z.object({
      "idempotency-key": IdempotencyHeaders.shape["idempotency-key"].optional(),
    }),
    body: { required: true, content: { "application/json": { schema: DestinationInputSchema } } },
  },
  responses: {
    201: jsonBody(DestinationSchema, "added"),
    200: jsonBody(DestinationSchema, "already added with this Idempotency-Key"),
    ...problemResponses,
  },
});

const updateDestinationRoute = createRoute({
  method: "put",
  path: "/v1/me/payout-destinations/{id}",
  tags,
  security,
  summary: "Replace a destination's details; the cooling-off period starts again",
  request: {
    params: DestinationIdParam,
    body: { required: true, content: { "application/json": { schema: DestinationInputSchema } } },
  },
  responses: { 200: jsonBody(DestinationSchema), ...problemResponses },
});

const removeDestinationRoute = createRoute({
  method: "delete",
  path: "/v1/me/payout-destinations/{id}",
  tags,
  security,
  summary: "Remove a destination",
  request: { params: DestinationIdParam },
  responses: { 200: jsonBody(DestinationSchema), ...problemResponses },
});

const stepUpRoute = createRoute({
  method: "post",
  path: "/v1/me/step-up",
  tags,
  security,
  summary:
    "Send a one-time code to the user (SMS, e-mail or push, through the operator's channel); a redemption needs it",
  responses: {
    201: jsonBody(
      z.object({ challengeId: z.string(), expiresAt: z.string(), channel: z.string() }),
      "code sent",
    ),
    ...problemResponses,
  },
});

const redeemRoute = createRoute({
  method: "post",
  path: "/v1/me/redemptions",
  tags,
  security,
  summary:
    "Redeem confirmed cashback to a saved destination or a gift card. The amount is reserved at once; the payout follows.",
  request: {
    headers: IdempotencyHeaders,
    body: { required: true, content: { "application/json": { schema: RedemptionInputSchema } } },
  },
  responses: {
    201: jsonBody(PayoutSchema, "reserved: queued for payout, or held for review"),
    200: jsonBody(PayoutSchema, "already requested with this Idempotency-Key"),
    ...problemResponses,
  },
});

const listRedemptionsRoute = createRoute({
  method: "get",
  path: "/v1/me/redemptions",
  tags,
  security,
  summary: "The caller's redemptions, newest first",
  request: {
    query: z.object({
      limit: z.coerce.number().int().min(1).max(100).default(20),
      cursor: z.string().max(200).optional(),
    }),
  },
  responses: {
    200: jsonBody(z.object({ items: z.array(PayoutSchema), nextCursor: z.string().nullable() })),
    ...problemResponses,
  },
});

const getRedemptionRoute = createRoute({
  method: "get",
  path: "/v1/me/redemptions/{id}",
  tags,
  security,
  summary: "One redemption",
  request: {
    params: z.object({
      id: z
        .string()
        .regex(PAYOUT_ID_PATTERN)
        .openapi({ param: { name: "id", in: "path" } }),
    }),
  },
  responses: { 200: jsonBody(PayoutSchema), ...problemResponses },
});

/** Payout listings page on (createdAtMs, payoutId); the cursor is `<createdAtMs>.<payoutId>`. */
export function decodePayoutCursor(
  cursor: string | undefined,
): { createdAtMs: number; payoutId: string } | null {
  if (!cursor) return null;
  const match = /^(\d{1,15})\.([A-Za-z0-9_-]{1,64})$/.exec(cursor);
  if (!match) throw new AppError("validation_failed", "a cursor this API did not issue");
  return { createdAtMs: Number(match[1]), payoutId: match[2] as string };
}

export function registerRedemptionRoutes(app: OpenAPIHono<ApiContext>): void {
  app.openapi(listDestinationsRoute, async (c) => {
    const items = await walletOf(c.env, c.get("userId")).getDestinations();
    return c.json({ items: items.map(destinationView) }, 200);
  });

  app.openapi(addDestinationRoute, async (c) => {
    const userId = c.get("userId");
    const key = c.req.valid("header")["idempotency-key"];
    const destinationId = key ? await destinationIdFor(userId, key) : newId("destination");
    const result = destinationOrThrow(
      await walletOf(c.env, userId).addDestination(
        userId,
        destinationId,
        c.req.valid("json"),
        payoutPolicyOf(c.env),
      ),
    );
    return c.json(destinationView(result.destination), result.status === "created" ? 201 : 200);
  });

  app.openapi(updateDestinationRoute, async (c) => {
    const userId = c.get("userId");
    const result = destinationOrThrow(
      await walletOf(c.env, userId).updateDestination(
        userId,
        c.req.valid("param").id,
        c.req.valid("json"),
        payoutPolicyOf(c.env),
      ),
    );
    return c.json(destinationView(result.destination), 200);
  });

  app.openapi(removeDestinationRoute, async (c) => {
    const result = destinationOrThrow(
      await walletOf(c.env, c.get("userId")).removeDestination(c.req.valid("param").id),
    );
    return c.json(destinationView(result.destination), 200);
  });

  app.openapi(stepUpRoute, async (c) => {
    const userId = c.get("userId");
    const notifier = notifierFor(c.env); // refuses before a code exists if no channel is set
    const issued = await walletOf(c.env, userId).issueStepUp(
      userId,
      c.get("deviceId"),
      payoutPolicyOf(c.env),
    );
    if (issued.status === "too_many") {
      throw new AppError("too_many_requests", "too many codes requested; wait and try again");
    }
    try {
      await notifier.send({
        id: issued.challengeId,
        userId,
        kind: "step_up_code",
        body: { code: issued.code, expiresAt: toIso(issued.expiresAtMs) },
      });
    } catch (error) {
      await walletOf(c.env, userId).revokeStepUp(issued.challengeId);
      throw error;
    }
    return c.json(
      {
        challengeId: issued.challengeId,
        expiresAt: toIso(issued.expiresAtMs),
        channel: c.env.NOTIFY_CHANNEL,
      },
      201,
    );
  });

  app.openapi(redeemRoute, async (c) => {
    const userId = c.get("userId");
    const body = c.req.valid("json");
    const payoutId = await payoutIdFor(userId, c.req.valid("header")["idempotency-key"]);
    // No processor configured: refuse before any money is reserved.
    payoutProcessorFor(c.env);
    const { stepUp, ...request } = body;
    const product = body.giftCardId ? await findGiftCard(c.env.DB, body.giftCardId) : null;
    if (body.giftCardId && !product) throw new AppError("not_found", "no such gift card");
    const result = await walletOf(c.env, userId).redeem(userId, {
      payoutId,
      // The code is not part of the request's identity: a retry may carry a fresh one.
      requestHash: await requestHash(request),
      amountMinor: body.amountMinor,
      currency: body.currency,
      target: product
        ? { type: "gift_card", product }
        : { type: "saved", destinationId: body.destinationId as string },
      stepUp: stepUp ?? null,
      deviceId: c.get("deviceId"),
      kycStatus: await kycStatusOf(c.env.DB, userId),
      policy: payoutPolicyOf(c.env),
    });
    switch (result.status) {
      case "created":
      case "exists":
        return c.json(payoutView(result.payout), result.status === "created" ? 201 : 200);
      case "idempotency_conflict":
        throw new AppError(
          "idempotency_conflict",
          "this Idempotency-Key was used for a different redemption",
        );
      case "invalid":
        throw new AppError("validation_failed", result.detail);
      case "refused":
        throw new AppError(REFUSAL_CODES[result.code], result.detail);
    }
  });

  app.openapi(listRedemptionsRoute, async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const rows = await walletOf(c.env, c.get("userId")).getPayouts(
      decodePayoutCursor(cursor),
      limit + 1,
    );
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    return c.json(
      {
        items: items.map(payoutView),
        nextCursor: rows.length > limit && last ? `${last.createdAtMs}.${last.payoutId}` : null,
      },
      200,
    );
  });

  app.openapi(getRedemptionRoute, async (c) => {
    const found = await walletOf(c.env, c.get("userId")).getPayout(c.req.valid("param").id);
    if (!found) throw new AppError("not_found", "no such redemption");
    return c.json(payoutView(found.payout), 200);
  });
}

import { createRoute, z } from "@hono/zod-openapi";
import { toHex } from "#shared/crypto/encoding";
import { sha256 } from "#shared/crypto/hmac";
import { AppError, type ErrorCode } from "#shared/http/errors";
import { payoutIdFor } from "#shared/ids";
import { MAX_PAYOUT_PAGE_ROWS, rowsToFetch } from "#shared/paging";
import { PAYOUT_ID_PATTERN } from "#shared/payouts/types";
import { toIso } from "../../http/common-schemas";
import { featureApp } from "../../http/feature-app";
import {
  CONFLICT_RESPONSE,
  jsonBody,
  problemResponses,
  TOO_MANY_RESPONSE,
  UNAVAILABLE_RESPONSE,
  UNPROCESSABLE_RESPONSE,
  USER_SECURITY,
} from "../../http/responses";
import { type RedeemRefusalCode, walletOf } from "../../wallet-client";
import { adaptersFor } from "../notifications/index";
import { kycStatusOf } from "../users/index";
import { decodePayoutCursor, encodePayoutCursor } from "./cursor";
import { giftCardById } from "./gift-card-store";
import { payoutPolicyOf } from "./policy";
import { payoutProcessorFor } from "./processor-client";
import { IdempotencyHeaders, PayoutSchema, RedemptionInputSchema } from "./schemas";
import { payoutView } from "./views";

const security = USER_SECURITY;
const tags = ["payouts"];

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

const stepUpRoute = createRoute({
  operationId: "createStepUpChallenge",
  method: "post",
  path: "/me/step-up",
  tags,
  security,
  summary:
    "Send a one-time code to the user (a critical notification: webhook, e-mail, SMS or push, as the operator configured and the user's preferences allow); a redemption needs it",
  responses: {
    201: jsonBody(
      z.object({
        challengeId: z.string(),
        expiresAt: z.string(),
        channel: z
          .string()
          .describe(
            "The channels the operator configured, comma-separated (`webhook`, `email`, `sms`, `push`); the user's preferences choose among them",
          ),
      }),
      "code issued: its notification is on the transactional queue",
    ),
    ...problemResponses,
    ...TOO_MANY_RESPONSE,
    ...UNAVAILABLE_RESPONSE,
  },
});

const redeemRoute = createRoute({
  operationId: "createRedemption",
  method: "post",
  path: "/me/redemptions",
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
    ...CONFLICT_RESPONSE,
    ...UNPROCESSABLE_RESPONSE,
    ...UNAVAILABLE_RESPONSE,
  },
});

const listRedemptionsRoute = createRoute({
  operationId: "listRedemptions",
  method: "get",
  path: "/me/redemptions",
  tags,
  security,
  summary: "The caller's redemptions, newest first",
  request: {
    query: z.object({
      limit: z.coerce.number().int().min(1).max(MAX_PAYOUT_PAGE_ROWS).default(20),
      cursor: z.string().max(200).optional(),
    }),
  },
  responses: {
    200: jsonBody(z.object({ items: z.array(PayoutSchema), nextCursor: z.string().nullable() })),
    ...problemResponses,
  },
});

const getRedemptionRoute = createRoute({
  operationId: "getRedemption",
  method: "get",
  path: "/me/redemptions/{id}",
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

/** Step-up codes and the caller's redemptions; mounted under `/v1`. */
export const redemptionRoutes = featureApp()
  .openapi(stepUpRoute, async (c) => {
    const userId = c.get("userId");
    // No channel configured: refuse before a code exists (nobody could be told it).
    const channels = [...adaptersFor(c.env).keys()];
    if (channels.length === 0) {
      throw new AppError(
        "unavailable",
        "user notifications are not configured: set NOTIFY_CHANNEL, EMAIL_PROVIDER, SMS_PROVIDER or WEB_PUSH",
      );
    }
    // The wallet stores the challenge and its `step_up_code` event in one transaction; the
    // notification pipeline delivers it (docs/notifications.md); the code never leaves the wallet
    // any other way.
    const issued = await walletOf(c.env, userId).issueStepUp(
      userId,
      c.get("deviceId"),
      payoutPolicyOf(c.env),
    );
    if (issued.status === "too_many") {
      throw new AppError("too_many_requests", "too many codes requested; wait and try again");
    }
    return c.json(
      {
        challengeId: issued.challengeId,
        expiresAt: toIso(issued.expiresAtMs),
        channel: channels.join(","),
      },
      201,
    );
  })
  .openapi(redeemRoute, async (c) => {
    const userId = c.get("userId");
    const body = c.req.valid("json");
    const payoutId = await payoutIdFor(userId, c.req.valid("header")["idempotency-key"]);
    // No processor configured: refuse before any money is reserved.
    payoutProcessorFor(c.env);
    const { stepUp, ...request } = body;
    const product = body.giftCardId ? await giftCardById(c.env.DB, body.giftCardId) : null;
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
      kycStatus: await kycStatusOf(c.env, userId),
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
  })
  .openapi(listRedemptionsRoute, async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const rows = await walletOf(c.env, c.get("userId")).getPayouts(
      decodePayoutCursor(cursor),
      rowsToFetch(limit, MAX_PAYOUT_PAGE_ROWS),
    );
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    return c.json(
      {
        items: items.map(payoutView),
        nextCursor: rows.length > limit && last ? encodePayoutCursor(last) : null,
      },
      200,
    );
  })
  .openapi(getRedemptionRoute, async (c) => {
    const found = await walletOf(c.env, c.get("userId")).getPayout(c.req.valid("param").id);
    if (!found) throw new AppError("not_found", "no such redemption");
    return c.json(payoutView(found.payout), 200);
  });

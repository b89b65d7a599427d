import { createRoute, z } from "@hono/zod-openapi";
import { AppError } from "#shared/http/errors";
import { claimIdFor } from "#shared/ids";
import { capReached } from "#shared/limits/rate-limit";
import { toIso, toIsoOrNull } from "../../http/common-schemas";
import { featureApp } from "../../http/feature-app";
import { claimsPerMonthOf } from "../../http/limits/caps";
import { jsonBody, problem, problemResponses, USER_SECURITY } from "../../http/responses";
import { type StoredClaim, walletOf } from "../../wallet-client";
import { ClaimInputSchema, ClaimSchema } from "./schemas";

/** A claim as the API shows it (the user's list and the operator's view of a user). */
export const claimView = (c: StoredClaim) => ({
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
  path: "/me/claims",
  operationId: "createClaim",
  tags: ["claims"],
  security: USER_SECURITY,
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
    409: problem("the Idempotency-Key was used for a different claim"),
    ...problemResponses,
  },
});

const listClaimsRoute = createRoute({
  method: "get",
  path: "/me/claims",
  operationId: "listClaims",
  tags: ["claims"],
  security: USER_SECURITY,
  summary: "The caller's claims, newest first",
  request: { query: z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) }) },
  responses: { 200: jsonBody(z.object({ items: z.array(ClaimSchema) })), ...problemResponses },
});

/** The caller's claims; mounted under `/v1`. */
export const claimUserRoutes = featureApp()
  .openapi(fileClaimRoute, async (c) => {
    const userId = c.get("userId");
    const key = c.req.valid("header")["idempotency-key"];
    const input = c.req.valid("json");
    const nowMs = Date.now();
    const claimsPerMonth = claimsPerMonthOf(c.env);
    const result = await walletOf(c.env, userId).fileClaim(
      userId,
      {
        claimId: await claimIdFor(userId, key),
        clickId: input.clickId,
        orderId: input.orderId,
        amountMinor: input.amountMinor,
        currency: input.currency,
        purchasedAtMs: Date.parse(input.purchasedAt),
      },
      nowMs,
      claimsPerMonth,
    );
    switch (result.status) {
      case "cap_reached":
        throw capReached(
          "claim_cap_reached",
          `at most ${claimsPerMonth} claims can be filed per calendar month (UTC)`,
          result.retryAtMs,
          nowMs,
        );
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
  })
  .openapi(listClaimsRoute, async (c) => {
    const claims = await walletOf(c.env, c.get("userId")).getClaims(c.req.valid("query").limit);
    return c.json({ items: claims.map(claimView) }, 200);
  });

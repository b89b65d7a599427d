import { z } from "@hono/zod-openapi";
import { AmountMinorSchema, CurrencySchema } from "#shared/money/currency";

/** Missing-cashback claim schemas. */

export const ClaimSchema = z
  .object({
    id: z.string(),
    clickId: z.string(),
    offerId: z.string(),
    orderId: z.string(),
    amountMinor: AmountMinorSchema,
    currency: z.string(),
    purchasedAt: z.string(),
    status: z
      .enum(["open", "matched", "review", "approved", "rejected"])
      .describe(
        "open: waiting for the network; matched: the order arrived (see transactionId); review: with the operator; approved: the operator recorded the order as a pending transaction (see transactionId); rejected: the operator refused it",
      ),
    transactionId: z.string().nullable(),
    reviewAfter: z.string().nullable().describe("when an open claim goes to review"),
    createdAt: z.string(),
  })
  .openapi("Claim");

export const ClaimInputSchema = z
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

/** A claim as the operator sees it: the user's view plus whose it is and any decision. */
export const AdminClaimSchema = z
  .object({
    id: z.string(),
    userId: z.string(),
    clickId: z.string(),
    offerId: z.string(),
    networkId: z.string(),
    orderId: z.string(),
    amountMinor: z.number().int().describe("order amount in minor units"),
    currency: z.string(),
    status: z
      .enum(["open", "matched", "review", "approved", "rejected"])
      .describe(
        "open: waiting for the network; matched: the order arrived; review: with the operator; approved: the order was recorded as a pending transaction (transactionId); rejected: refused",
      ),
    transactionId: z.string().nullable(),
    purchasedAt: z.string(),
    createdAt: z.string(),
    decisionReason: z.string().nullable().describe("why the operator approved or rejected it"),
    decidedBy: z.string().nullable().describe("the operator who decided"),
    decidedAt: z.string().nullable(),
  })
  .openapi("AdminClaim");

export const ClaimDecisionInputSchema = z
  .object({
    reason: z
      .string()
      .trim()
      .min(1, "a reason is required")
      .max(500)
      .describe("why: kept on the claim and so in the audit log"),
    commissionMinor: z
      .number()
      .int()
      .min(0)
      .max(Number.MAX_SAFE_INTEGER)
      .optional()
      .describe(
        "approve only: the network's commission for the order in minor units, if known (default 0; matters for commission-based offers)",
      ),
  })
  .strict()
  .openapi("ClaimDecisionInput");

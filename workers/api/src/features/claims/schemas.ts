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
      .enum(["open", "matched", "review"])
      .describe(
        "open: waiting for the network; matched: the order arrived (see transactionId); review: with the operator",
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

import { z } from "@hono/zod-openapi";
import { SLUG_PATTERN } from "#shared/ids";
import { SEGMENT_PATTERN } from "#shared/links/link-token";
import { AmountMinorSchema, CurrencySchema, RateBpsSchema } from "#shared/money/currency";
import { OfferSchema } from "./features/catalog/schemas";

/** Request and response schemas: one source for validation and for /openapi.json. */

export const SlugSchema = z
  .string()
  .regex(SLUG_PATTERN, "ids are lowercase slugs: a-z, 0-9, '-' and '_', up to 63 chars")
  .describe("operator-chosen id (slug)");

export const IdParamSchema = z.object({
  id: SlugSchema.openapi({ param: { name: "id", in: "path" } }),
});

const IsoTimeSchema = z.iso.datetime({ offset: true }).describe("ISO 8601 timestamp");

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.string(),
    detail: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi("Problem");

export const UserOfferSchema = z
  .object({
    id: z.string(),
    merchantId: z.string(),
    merchantName: z.string(),
    title: z.string(),
    description: z.string(),
    currency: z.string(),
    cashback: OfferSchema.shape.cashback,
    headlineRateBps: RateBpsSchema.describe("best rate on the offer, in bps"),
    returnWindowDays: z.number().int(),
    endsAt: IsoTimeSchema.nullable(),
    trackingUrl: z.url().describe("personalised, signed, expiring link for this user"),
    trackingUrlExpiresAt: IsoTimeSchema,
    boosts: z
      .array(
        z.object({
          campaignId: z.string(),
          name: z.string(),
          boostRateBps: RateBpsSchema.describe("extra rate on top of the cashback, in bps"),
          category: z.string().nullable().describe("only this category earns it; null: all"),
          endsAt: IsoTimeSchema.nullable(),
        }),
      )
      .describe(
        "campaign boosts live now for this user; a click now is paid at these rates while " +
          "the campaign's budget lasts",
      ),
  })
  .openapi("UserOffer");

// ---- wallet ----------------------------------------------------------------------------------

export const WalletSchema = z
  .object({
    userId: z.string(),
    balances: z.array(
      z.object({
        currency: z.string(),
        pendingMinor: AmountMinorSchema,
        confirmedMinor: AmountMinorSchema,
        buckets: z.record(z.string(), z.number().int()).describe("every bucket, in minor units"),
      }),
    ),
  })
  .openapi("Wallet");

export const LedgerEntrySchema = z
  .object({
    seq: z.number().int(),
    bucket: z.string(),
    currency: z.string(),
    amountMinor: z.number().int().describe("signed amount in minor units"),
    balanceAfterMinor: z.number().int(),
    kind: z.string(),
    transactionId: z.string().nullable(),
    idempotencyKey: z.string(),
    createdAt: IsoTimeSchema,
  })
  .openapi("LedgerEntry");

export const PageQuerySchema = z.object({
  cursor: z.string().max(200).optional().describe("opaque cursor from the previous page"),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

export const TransactionSchema = z
  .object({
    id: z.string(),
    networkId: z.string(),
    orderId: z.string(),
    offerId: z.string().nullable(),
    status: z.enum(["pending", "confirmed", "cancelled", "rejected"]),
    rejectReason: z.string().nullable(),
    currency: z.string(),
    saleAmountMinor: AmountMinorSchema,
    cashbackMinor: AmountMinorSchema,
    rateBps: RateBpsSchema,
    boostMinor: AmountMinorSchema.describe(
      "campaign boost granted on top of cashbackMinor, in minor units (moves with it)",
    ),
    boostRequestedMinor: AmountMinorSchema.describe(
      "boost the order earns at the click-time boost rates, in minor units; boostMinor is the " +
        "part the campaign budgets granted (less when a budget ran out, or not granted yet)",
    ),
    clickedAt: IsoTimeSchema.nullable(),
    purchasedAt: IsoTimeSchema,
    expectedConfirmationAt: IsoTimeSchema.nullable().describe("when pending cashback confirms"),
    confirmedAt: IsoTimeSchema.nullable(),
  })
  .openapi("Transaction");

export const toIso = (ms: number) => new Date(ms).toISOString();
export const toIsoOrNull = (ms: number | null) => (ms === null ? null : toIso(ms));
export { AmountMinorSchema };

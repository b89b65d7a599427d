import { z } from "@hono/zod-openapi";
import { SLUG_PATTERN } from "#shared/ids";
import { SEGMENT_PATTERN } from "#shared/links/link-token";
import { StoredCashbackTermsSchema } from "#shared/money/cashback";
import { AmountMinorSchema, CurrencySchema, RateBpsSchema } from "#shared/money/currency";

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

// ---- networks --------------------------------------------------------------------------------

/** Options are returned by the API, so a secret must never go in them (the size is bounded). */
const MAX_OPTIONS_JSON_CHARS = 16 * 1024;
const HttpUrlSchema = z.url({ protocol: /^https?$/ }).max(2_048);

export const NetworkOptionsSchema = z
  .record(z.string().min(1).max(64), z.unknown())
  .superRefine((options, ctx) => {
    // The two options Boomerang itself reads; adapter-specific keys are checked by the adapter.
    for (const key of ["feedUrl", "reportUrl"] as const) {
      if (options[key] !== undefined && !HttpUrlSchema.safeParse(options[key]).success) {
        ctx.addIssue({ code: "custom", path: [key], message: `${key} must be an http(s) URL` });
      }
    }
    if (JSON.stringify(options).length > MAX_OPTIONS_JSON_CHARS) {
      ctx.addIssue({
        code: "custom",
        path: [],
        message: `options are at most ${MAX_OPTIONS_JSON_CHARS} characters of JSON`,
      });
    }
  })
  .describe(
    "adapter settings, returned as stored: feedUrl (offer feed for merchant sync), reportUrl " +
      "(conversions report), IP allowlists, parameter names. Never put a secret here.",
  );

export const NetworkInputSchema = z
  .object({
    name: z.string().min(1).max(120),
    trackingTemplate: z
      .url({ protocol: /^https?$/ })
      .max(2000)
      .refine((t) => t.includes("{subid}"), "the tracking template must contain {subid}")
      .describe(
        "tracking URL with {subid}, {landing_url}, {network_offer_ref}, {click_id} placeholders",
      ),
    postbackFormat: z.enum(["generic"]).default("generic"),
    postbackSecret: z
      .string()
      .min(24, "postback secrets are at least 24 characters")
      .max(256)
      .describe("shared secret the network signs postbacks with; write-only"),
    options: NetworkOptionsSchema.default({}),
    active: z.boolean().default(true),
  })
  .strict()
  .openapi("NetworkInput");

export const NetworkSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    trackingTemplate: z.string(),
    postbackFormat: z.string(),
    postbackSecretSet: z.boolean().describe("the secret itself is never returned"),
    options: z.record(z.string(), z.unknown()).describe("adapter settings, as stored"),
    active: z.boolean(),
    updatedAt: IsoTimeSchema,
  })
  .openapi("Network");

// ---- merchants -------------------------------------------------------------------------------

export const MerchantInputSchema = z
  .object({
    networkId: SlugSchema,
    name: z.string().min(1).max(120),
    landingUrl: z.url({ protocol: /^https?$/ }).max(2000),
    active: z.boolean().default(true),
  })
  .strict()
  .openapi("MerchantInput");

export const MerchantSchema = z
  .object({
    id: z.string(),
    networkId: z.string(),
    name: z.string(),
    landingUrl: z.string(),
    active: z.boolean(),
    updatedAt: IsoTimeSchema,
  })
  .openapi("Merchant");

// ---- offers ----------------------------------------------------------------------------------

export const OfferInputSchema = z
  .object({
    merchantId: SlugSchema,
    title: z.string().min(1).max(200),
    description: z.string().max(2000).default(""),
    networkOfferRef: z.string().max(200).default(""),
    currency: CurrencySchema,
    // Fields the operator leaves out stay out of the stored offer (absent = default).
    cashback: StoredCashbackTermsSchema,
    returnWindowDays: z.number().int().min(0).max(365).describe("return window in days"),
    startsAt: IsoTimeSchema.nullable().default(null),
    endsAt: IsoTimeSchema.nullable().default(null),
    active: z.boolean().default(true),
  })
  .strict()
  .refine((o) => !o.startsAt || !o.endsAt || Date.parse(o.startsAt) < Date.parse(o.endsAt), {
    message: "endsAt must be after startsAt",
    path: ["endsAt"],
  })
  .openapi("OfferInput");

export const OfferSchema = z
  .object({
    id: z.string(),
    merchantId: z.string(),
    title: z.string(),
    description: z.string(),
    networkOfferRef: z.string(),
    currency: z.string(),
    cashback: z.object({
      basis: z.enum(["sale", "commission"]),
      defaultRateBps: RateBpsSchema,
      categoryRates: z.record(z.string(), RateBpsSchema),
      // Optional because offers saved before these fields existed are returned as stored;
      // absent means the default written beside each.
      excludedCategories: z
        .array(z.string())
        .optional()
        .describe("categories that earn nothing; absent: none"),
      policy: z
        .enum(["per_line", "lowest_rate"])
        .optional()
        .describe("how line rates combine; absent: per_line"),
      capMinor: AmountMinorSchema.nullable()
        .optional()
        .describe("most base cashback per order, in minor units; null or absent: no cap"),
    }),
    returnWindowDays: z.number().int(),
    startsAt: IsoTimeSchema.nullable(),
    endsAt: IsoTimeSchema.nullable(),
    active: z.boolean(),
    updatedAt: IsoTimeSchema,
  })
  .openapi("Offer");

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

// ---- campaigns -------------------------------------------------------------------------------

export const SegmentSchema = z
  .string()
  .regex(SEGMENT_PATTERN, "segments are lowercase slugs of up to 32 chars")
  .describe("a user segment, as listed in the user token's `segments` claim");

export const CampaignInputSchema = z
  .object({
    name: z.string().min(1).max(120),
    active: z.boolean().default(true).describe("false: new clicks get no boost"),
    startsAt: IsoTimeSchema.nullable().default(null),
    endsAt: IsoTimeSchema.nullable().default(null),
    merchantId: SlugSchema.nullable()
      .default(null)
      .describe("boost every offer of this merchant (when offerId is null)"),
    offerId: SlugSchema.nullable().default(null).describe("boost this offer only"),
    category: z
      .string()
      .min(1)
      .max(64)
      .nullable()
      .default(null)
      .describe("only order lines of this category earn the boost; null: every eligible line"),
    userSegment: SegmentSchema.nullable()
      .default(null)
      .describe("only users whose token lists this segment; null: every user"),
    boostRateBps: RateBpsSchema.min(1).describe(
      "extra rate in bps, on the same eligible basis as the offer's cashback",
    ),
    currency: CurrencySchema.describe("the budget's currency; only offers in it are boosted"),
    budgetMinor: AmountMinorSchema.describe(
      "most the campaign pays in boosts, in minor units; never exceeded. It cannot be set " +
        "below what is already granted (409)",
    ),
  })
  .strict()
  .refine((c) => c.merchantId !== null || c.offerId !== null, {
    message: "name an offerId or a merchantId (site-wide campaigns are not supported)",
    path: ["offerId"],
  })
  .refine((c) => !c.startsAt || !c.endsAt || Date.parse(c.startsAt) < Date.parse(c.endsAt), {
    message: "endsAt must be after startsAt",
    path: ["endsAt"],
  })
  .openapi("CampaignInput");

export const CampaignSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    active: z.boolean(),
    startsAt: IsoTimeSchema.nullable(),
    endsAt: IsoTimeSchema.nullable(),
    merchantId: z.string().nullable(),
    offerId: z.string().nullable(),
    category: z.string().nullable(),
    userSegment: z.string().nullable(),
    boostRateBps: RateBpsSchema,
    currency: z.string(),
    budgetMinor: AmountMinorSchema,
    createdAt: IsoTimeSchema,
    updatedAt: IsoTimeSchema,
  })
  .openapi("Campaign");

export const CampaignBudgetSchema = z
  .object({
    campaignId: z.string(),
    currency: z.string(),
    budgetMinor: AmountMinorSchema,
    desiredMinor: AmountMinorSchema.describe(
      "what the live reservations ask for at their full boost rate, in minor units",
    ),
    grantedMinor: AmountMinorSchema.describe(
      "granted and not released: what the campaign pays now, in minor units; ≤ budgetMinor",
    ),
    remainingMinor: AmountMinorSchema.describe("budgetMinor − grantedMinor"),
    grantedTotalMinor: AmountMinorSchema.describe("every grant ever made, in minor units"),
    releasedMinor: AmountMinorSchema.describe(
      "given back by cancellations, returns and partial refunds, in minor units",
    ),
    reservations: z.number().int().describe("transactions holding or asking for a boost"),
    partialReservations: z
      .number()
      .int()
      .describe("of those, granted less than they asked because the budget ran out"),
    updatedAt: IsoTimeSchema.nullable(),
  })
  .openapi("CampaignBudget");

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

import { z } from "@hono/zod-openapi";

const DAY = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)), "not a calendar day");
const id = (what: string) => z.string().min(1).max(200).optional().describe(what);

export const AnalyticsQuerySchema = z.object({
  from: DAY.optional().describe("first UTC day, included (default: 29 days before `to`)"),
  to: DAY.optional().describe("last UTC day, included (default: today)"),
  offerId: id("only this offer"),
  merchantId: id("only this merchant's offers"),
  networkId: id("only this network"),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/)
    .optional()
    .describe("only conversions in this currency (clicks count in their offer's currency)"),
  campaignId: id(
    "only the clicks and conversions that carried this campaign's boost (funnel and margin)",
  ),
});
export type AnalyticsQuery = z.infer<typeof AnalyticsQuerySchema>;

/** The distributions are not split by campaign (docs/analytics.md "Not built yet"). */
export const DistributionsQuerySchema = AnalyticsQuerySchema.omit({ campaignId: true });

export const CohortQuerySchema = z.object({
  from: DAY.optional().describe(
    "signup weeks starting on or after this UTC day (default: 12 weeks ago)",
  ),
  to: DAY.optional().describe("signup weeks starting on or before this UTC day (default: today)"),
});

const n = (what: string) => z.number().int().describe(what);
const PeriodSchema = z.object({ from: z.string(), to: z.string() });

const countFields = {
  clicks: n("clicks stored (not bots), by click day"),
  conversions: n("conversions (not rejected), by conversion day"),
  confirmed: n("of those, confirmed now"),
  paid: n("of those, covered by the user's paid payouts (oldest confirmation first)"),
};
export const FunnelCountsSchema = z.object(countFields).openapi("AnalyticsFunnelCounts");

export const FunnelSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    previous: PeriodSchema.describe("the period of the same length just before, for comparison"),
    totals: FunnelCountsSchema,
    previousTotals: FunnelCountsSchema,
    perDay: z.array(z.object({ day: z.string(), ...countFields })),
    byOffer: z.array(
      z.object({
        offerId: z.string().describe("'' for conversions without a known offer"),
        merchantId: z.string(),
        networkId: z.string(),
        ...countFields,
      }),
    ),
    byCampaign: z
      .array(z.object({ campaignId: z.string(), ...countFields }))
      .describe(
        "per campaign (at most 500), the clicks and conversions that carried its boost; not " +
          "additive: boosts stack, so one click can count for several campaigns",
      ),
  })
  .openapi("AnalyticsFunnel");

const moneyFields = {
  currency: z.string(),
  confirmed: n("confirmed conversions"),
  commissionMinor: n("network commission on them: the operator's revenue"),
  cashbackMinor: n("cashback and boosts on them, owed to users"),
  marginMinor: n("commission − cashback"),
  paidCashbackMinor: n("of the cashback, what paid payouts have covered"),
};
export const MarginSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    previous: PeriodSchema,
    byNetwork: z.array(z.object({ networkId: z.string(), ...moneyFields })),
    previousByNetwork: z.array(z.object({ networkId: z.string(), ...moneyFields })),
    byOffer: z.array(
      z.object({
        networkId: z.string(),
        merchantId: z.string(),
        offerId: z.string(),
        ...moneyFields,
      }),
    ),
  })
  .openapi("AnalyticsMargin");

const BucketSchema = z.object({
  bucket: n("bucket index"),
  label: z.string(),
  count: n("conversions in the bucket, in the range"),
  previousCount: n("the same in the previous period"),
});
export const DistributionsSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    previous: PeriodSchema,
    timeToConversion: z.array(BucketSchema).describe("click → conversion, by conversion day"),
    timeToConfirmation: z
      .array(BucketSchema)
      .describe("conversion → confirmation, of confirmed conversions, by conversion day"),
  })
  .openapi("AnalyticsDistributions");

export const CohortsSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    weeks: z.array(
      z.object({
        week: z.string().describe("the cohort's Monday (UTC)"),
        users: n("users first seen that week"),
        convertingUsers: n("of them, users with at least one conversion (not rejected)"),
        cashback: z.array(
          z.object({
            currency: z.string(),
            convertingUsers: n("converting users in this currency"),
            cashbackMinor: n("cashback and boosts confirmed"),
          }),
        ),
      }),
    ),
  })
  .openapi("AnalyticsCohorts");

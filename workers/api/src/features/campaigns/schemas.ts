import { z } from "@hono/zod-openapi";
import { MAX_BUDGET_PARTS } from "#durable-objects/budget/index";
import { SEGMENT_PATTERN } from "#shared/links/link-token";
import { AmountMinorSchema, CurrencySchema, RateBpsSchema } from "#shared/money/currency";
import { RuleSchema } from "#shared/rules/index";
import { IsoTimeSchema, SlugSchema } from "../../http/common-schemas";

/** Campaign request and response schemas. */

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
    budgetParts: z
      .number()
      .int()
      .min(1)
      .max(MAX_BUDGET_PARTS)
      .optional()
      .describe(
        "how many objects the budget is split into (sub-budgets, for a campaign boosting more " +
          "than a few hundred conversions a second): each starts with an equal share of what " +
          "remains and borrows from the others when it runs dry, so the whole budget is still " +
          "spent exactly and never exceeded. Absent: unchanged (a new campaign: 1, one object). " +
          "Changing it sends new reservations to the new parts; those already made stay where " +
          "they are",
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
    version: z
      .number()
      .int()
      .min(1)
      .describe(
        "the campaign rule's version: 1 when created, +1 on every write that changes it; " +
          "ledger entries of its boosts name it",
      ),
    createdAt: IsoTimeSchema,
    updatedAt: IsoTimeSchema,
    budgetKey: z
      .string()
      .describe("the campaign's budget: its rule's campaign budget for the campaign's lifetime"),
    rule: RuleSchema.describe(
      "the campaign as a rule of the rules engine (listens to offer.clicked, group campaigns): " +
        "what the redirect evaluates for every click",
    ),
  })
  .openapi("Campaign");

export const CampaignBudgetSchema = z
  .object({
    campaignId: z.string(),
    budgetKey: z
      .string()
      .describe("the budget object's key (rule:campaign.<id>:campaign:<id>:lifetime)"),
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
    budgetParts: z
      .number()
      .int()
      .min(1)
      .describe("how many objects new reservations are spread over; the figures sum them all"),
    partial: z
      .boolean()
      .describe(
        "true when a part did not answer: its figures are the budget's own view of it (all " +
          "it is lent counted as granted, its reservations not counted)",
      ),
    updatedAt: IsoTimeSchema.nullable(),
  })
  .openapi("CampaignBudget");

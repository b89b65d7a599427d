import { z } from "@hono/zod-openapi";

/** What the member and operator APIs show of a wallet's points and tier (docs/loyalty.md). */

export const PointsBalanceSchema = z
  .object({
    activePoints: z.number().int().describe("spendable now"),
    pendingPoints: z.number().int().describe("earned, spendable once their pending period ends"),
    spentPoints: z.number().int(),
    expiredPoints: z.number().int(),
    reversedPoints: z.number().int().describe("taken back by refunds and chargebacks"),
    debtPoints: z
      .number()
      .int()
      .describe("taken back after they were spent: repaid by the next points earned"),
    nextExpiry: z
      .object({ at: z.string(), points: z.number().int() })
      .nullable()
      .describe("the next date active points expire, and how many"),
  })
  .openapi("PointsBalance");

export const TierSchema = z
  .object({
    tier: z.string(),
    qualifyingSpendMinor: z
      .number()
      .int()
      .describe("qualifying spend over the rolling window, minor units"),
    graceEndsAt: z.string().nullable(),
    keptUntil: z.string().nullable().describe("the tier is kept until then without more spend"),
    next: z
      .object({
        tier: z.string(),
        thresholdMinor: z.number().int(),
        remainingMinor: z.number().int(),
        progressBps: z.number().int().describe("progress to the next tier, basis points"),
      })
      .nullable(),
    benefits: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  })
  .openapi("Tier");

export const PointsSummarySchema = z
  .object({ balance: PointsBalanceSchema, tier: TierSchema.nullable() })
  .openapi("PointsSummary");

export const PointsLotSchema = z
  .object({
    lotId: z.string(),
    sourceType: z.string(),
    sourceId: z.string(),
    ruleId: z.string(),
    ruleVersion: z.number().int(),
    earnedPoints: z.number().int(),
    remainingPoints: z.number().int(),
    spentPoints: z.number().int(),
    expiredPoints: z.number().int(),
    reversedPoints: z.number().int(),
    status: z.enum(["pending", "active", "expired", "used"]),
    earnedAt: z.string(),
    pendingUntil: z.string().nullable(),
    activatedAt: z.string().nullable(),
    expiresAt: z.string().nullable(),
  })
  .openapi("PointsLot");

export const PointsHistoryEntrySchema = z
  .object({
    seq: z.number().int(),
    bucket: z.string(),
    points: z.number().int().describe("signed: positive credits the bucket"),
    balanceAfter: z.number().int(),
    kind: z.string(),
    key: z.string().describe("the posting's idempotency key"),
    at: z.string(),
  })
  .openapi("PointsHistoryEntry");

export const TierHistoryEntrySchema = z
  .object({
    fromTier: z.string().nullable(),
    toTier: z.string(),
    reason: z.string(),
    qualifyingSpendMinor: z.number().int(),
    at: z.string(),
  })
  .openapi("TierHistoryEntry");

export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });

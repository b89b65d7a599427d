import { z } from "@hono/zod-openapi";

/**
 * Schemas of the points, fraud-hold and referral funnels (docs/analytics.md "Points",
 * "Fraud holds", "Referral funnel"). Rates are basis points (10,000 = 100%), null when the
 * denominator is 0.
 */

const DAY = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  // Date.parse alone takes 2026-02-30 for 2026-03-02: the day must read back the same.
  .refine((d) => {
    const ms = Date.parse(`${d}T00:00:00Z`);
    return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === d;
  }, "not a calendar day");
const range = {
  from: DAY.optional().describe("first UTC day, included (default: 29 days before `to`)"),
  to: DAY.optional().describe("last UTC day, included (default: today)"),
};
const n = (what: string) => z.number().int().describe(what);
const bps = (what: string) =>
  z.number().int().nullable().describe(`${what}, in basis points; null when nothing to divide by`);
const PeriodSchema = z.object({ from: z.string(), to: z.string() });

export const PointsQuerySchema = z.object({
  ...range,
  sourceType: z
    .string()
    .min(1)
    .max(64)
    .optional()
    .describe("only points of lots from this source (purchase, referral, review, …)"),
});

const pointsFields = {
  earned: n("points earned: new lots credited"),
  redeemed: n("points redeemed (spent on cashback or vouchers)"),
  expired: n("points that expired"),
  reversed: n("points taken back by refunds and chargebacks (net of restores and repaid debt)"),
  earningMembers: n("members who earned"),
  redeemingMembers: n("members who redeemed"),
};
const PointsTotalsSchema = z
  .object({
    ...pointsFields,
    lots: n("lots credited"),
    redemptions: n("redemptions"),
    earnedAndRedeemedMembers: n("members who both earned and redeemed in the period"),
    redeemedOfEarnedBps: bps("points redeemed over points earned"),
    expiredOfEarnedBps: bps("points expired over points earned"),
    redeemingOfEarningMembersBps: bps("members who redeemed over members who earned"),
  })
  .openapi("AnalyticsPointsTotals");

export const PointsFunnelSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    previous: PeriodSchema,
    sourceType: z.string().nullable(),
    totals: PointsTotalsSchema,
    previousTotals: PointsTotalsSchema,
    perDay: z.array(z.object({ day: z.string(), ...pointsFields })),
    bySource: z
      .array(z.object({ sourceType: z.string(), lots: n("lots credited"), ...pointsFields }))
      .describe("per source type of the lots (earned from it, and spent or expired from its lots)"),
    byRedemption: z
      .array(
        z.object({
          kind: z.string().describe("cashback or voucher"),
          points: n("points redeemed"),
          redemptions: n("redemptions"),
          members: n("members"),
        }),
      )
      .describe("points redeemed per kind of redemption"),
  })
  .openapi("AnalyticsPointsFunnel");

export const HoldRatesQuerySchema = z.object({
  ...range,
  reason: z
    .string()
    .regex(/^[a-z][a-z0-9_]{1,63}$/)
    .optional()
    .describe("only holds with this reason code"),
  kind: z
    .enum(["payouts", "transaction", "referral", "step_up"])
    .optional()
    .describe("only holds of this kind"),
});

const holdFields = {
  placed: n("holds placed"),
  heldUsers: n("users with a hold placed"),
  pending: n("of those, still active"),
  released: n("released (an operator, their own window, scoring returning)"),
  steppedUp: n("released because the user passed a fresh step-up"),
  confirmedFraud: n("upheld: confirmed fraud"),
  decided: n("ended (released, stepped up or upheld)"),
  falsePositives: n(
    "decided holds labelled not_fraud, or released without a fraud label: false positives",
  ),
  falsePositiveRateBps: bps("false positives over decided holds"),
};
const HoldTotalsSchema = z
  .object({
    ...holdFields,
    labelledFraud: n("labelled fraud"),
    labelledNotFraud: n("labelled not_fraud"),
    labelledUnsure: n("labelled unsure"),
    scoredUsers: n("users scored in the period (the scored population)"),
    holdRateBps: bps("users held over users scored"),
  })
  .openapi("AnalyticsHoldTotals");

export const HoldRatesSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    previous: PeriodSchema,
    reason: z.string().nullable(),
    kind: z.string().nullable(),
    totals: HoldTotalsSchema,
    previousTotals: HoldTotalsSchema,
    perDay: z.array(
      z.object({
        day: z.string(),
        scoredUsers: n("users scored that day"),
        ...holdFields,
        holdRateBps: bps("users held over users scored that day"),
      }),
    ),
    byReason: z
      .array(z.object({ reason: z.string(), ...holdFields }))
      .describe("per reason code (a hold with two reasons counts under both)"),
    byRule: z
      .array(
        z.object({
          ruleId: z.string().nullable().describe("null: not placed by a rule (see source)"),
          source: z.string().describe("rule, risk_unavailable or bot_click"),
          ...holdFields,
        }),
      )
      .describe("per rule that placed them"),
  })
  .openapi("AnalyticsHoldRates");

export const ReferralAnalyticsQuerySchema = z.object({
  ...range,
  programId: z.string().min(1).max(200).optional().describe("only this referral program"),
});

const referralFields = {
  codesIssued: n("share: referral codes issued (a member got something to share)"),
  sharers: n("share: referrers whose link was clicked"),
  clicks: n("share-link clicks"),
  signups: n("referrals that signed up (were attributed)"),
  qualified: n("of those signups, referrals that met a qualifying event"),
  rewarded: n("of those signups, referrals rewarded now"),
};
const referralRates = {
  signupOfClicksBps: bps("signups over clicks"),
  qualifiedOfSignupsBps: bps("qualified over signups"),
  rewardedOfSignupsBps: bps("rewarded over signups"),
};
const ReferralTotalsSchema = z
  .object({ ...referralFields, ...referralRates })
  .openapi("AnalyticsReferralTotals");

export const ReferralAnalyticsSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    previous: PeriodSchema,
    programId: z.string().nullable(),
    totals: ReferralTotalsSchema,
    previousTotals: ReferralTotalsSchema,
    perDay: z.array(z.object({ day: z.string(), ...referralFields })),
    byProgram: z.array(z.object({ programId: z.string(), ...referralFields, ...referralRates })),
  })
  .openapi("AnalyticsReferralFunnel");

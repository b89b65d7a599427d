import { z } from "@hono/zod-openapi";

const count = (what: string) => z.number().int().min(0).describe(what);

export const ClickToQualificationSchema = z
  .object({
    referrals: count("referrals with both a link click and a qualifying event"),
    medianMs: z
      .number()
      .int()
      .nullable()
      .describe("median time from the link click to the qualifying event, in milliseconds"),
    p90Ms: z
      .number()
      .int()
      .nullable()
      .describe("90th percentile (nearest rank) of the same, in milliseconds"),
  })
  .openapi("ReferralClickToQualification");

const stageFields = {
  signups: count("referrals that signed up in the range (attributed to a referrer)"),
  qualified: count("of those, referrals that met a campaign's qualifying event"),
  rewarded: count("of those, referrals now rewarded"),
  held: count("of those, referrals now held for review"),
  rejected: count("of those, referrals now rejected"),
  reversed: count("of those, referrals now reversed (refund or chargeback)"),
  clickToQualification: ClickToQualificationSchema,
};

export const FunnelFiguresSchema = z
  .object({
    clicks: z
      .number()
      .int()
      .min(0)
      .nullable()
      .describe(
        "share-link clicks in the range; null for a campaign, which is chosen only when a referral qualifies",
      ),
    ...stageFields,
  })
  .openapi("ReferralFunnelFigures");

export const ReferralFunnelSchema = z
  .object({
    from: z.iso.datetime(),
    to: z.iso.datetime(),
    ruleId: z.string().nullable().describe("the campaign filter, if any"),
    referrerId: z.string().nullable().describe("the referrer filter, if any"),
    total: FunnelFiguresSchema,
    byCampaign: z
      .array(
        z.object({
          ruleId: z
            .string()
            .nullable()
            .describe("the referral rule that qualified them; null: not qualified by any yet"),
          ...stageFields,
        }),
      )
      .describe("per campaign (referral rule), most signups first"),
    byReferrer: z
      .array(z.object({ referrerId: z.string(), ...FunnelFiguresSchema.shape }))
      .describe("the referrers with the most signups in the range (at most 50), most first"),
  })
  .openapi("ReferralFunnel");

export type ReferralFunnel = z.infer<typeof ReferralFunnelSchema>;

export const FunnelQuerySchema = z.object({
  ruleId: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe("only referrals qualified by this campaign (referral rule id)"),
  referrerId: z.string().min(1).max(200).optional().describe("only this referrer's"),
  from: z.iso
    .datetime({ offset: true })
    .optional()
    .describe("start of the range, included (default: 30 days before `to`)"),
  to: z.iso
    .datetime({ offset: true })
    .optional()
    .describe("end of the range, excluded (default now)"),
});

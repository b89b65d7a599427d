import { z } from "@hono/zod-openapi";
import {
  ATTRIBUTION_METHODS,
  PENDING_REASONS,
  REFERRAL_REASONS,
  REFERRAL_STATES,
} from "#durable-objects/wallet/index";
import { PageQuerySchema } from "../../http/common-schemas";

export const PendingReasonSchema = z
  .object({
    code: z
      .enum(Object.keys(PENDING_REASONS) as [string, ...string[]])
      .describe("stable code of why nothing was paid for this friend yet"),
    text: z.string().describe("the reason in English"),
  })
  .openapi("ReferralPendingReason");

export const FriendSchema = z
  .object({
    referralId: z.string(),
    name: z.string().nullable().describe("the friend's display name, masked: first letter and ***"),
    state: z.enum(REFERRAL_STATES),
    method: z
      .enum(ATTRIBUTION_METHODS)
      .describe("how the friend was attributed to you: your code, your link, or a likely match"),
    reason: z
      .enum(Object.keys(REFERRAL_REASONS) as [string, ...string[]])
      .describe("stable code of why the referral is in its state"),
    reasonText: z
      .string()
      .describe(
        "the reason in the caller's language (`locale`, else Accept-Language) when an " +
          "operator translated it, else in English",
      ),
    referredAt: z.iso.datetime().describe("when the friend signed up"),
    pending: PendingReasonSchema.nullable().describe(
      "why this friend has not paid you yet; null when nothing is pending (rewarded, rejected, expired, reversed)",
    ),
  })
  .openapi("ReferralFriend");

export const ReferralCountsSchema = z
  .object({
    signedUp: z.number().int(),
    qualified: z.number().int(),
    rewarded: z.number().int(),
    held: z.number().int(),
    rejected: z.number().int(),
    reversed: z.number().int(),
  })
  .openapi("ReferralCounts");

export const ReferralEarnedSchema = z
  .object({
    money: z
      .array(z.object({ currency: z.string(), amountMinor: z.number().int() }))
      .describe("per currency, in minor units"),
    points: z.number().int(),
  })
  .openapi("ReferralEarned");

export const ReferralPendingSchema = ReferralEarnedSchema.openapi("ReferralPending");

export const MyReferralsSchema = z
  .object({
    code: z.string().describe("the caller's referral code (created on first use)"),
    locale: z
      .string()
      .describe("the language of the reason texts: a translated locale (`pt-BR`), else `en`"),
    link: z.string().describe("the caller's share link: <redirect origin>/r/<code>"),
    friends: z.array(FriendSchema).describe("newest first, one page"),
    nextCursor: z.string().nullable(),
    counts: ReferralCountsSchema.describe("all the caller's referrals by state"),
    earned: ReferralEarnedSchema.describe(
      "what the caller got as referrer: rewards their wallet has credited",
    ),
    pending: ReferralPendingSchema.describe(
      "what campaigns owe the caller as referrer for friends who qualified but whose reward is not credited yet (on its way, or held for review); each friend's `pending` says why",
    ),
  })
  .openapi("MyReferrals");

export const MyReferralsQuerySchema = PageQuerySchema.extend({
  locale: z
    .string()
    .max(35)
    .regex(/^[A-Za-z]{2,3}(-[A-Za-z]{4})?(-([A-Za-z]{2}|[0-9]{3}))?$/, "a BCP 47 tag such as pt-BR")
    .optional()
    .describe(
      "the language of the reason texts (`hi`, `pt-BR`); without it, the Accept-Language " +
        "header decides. Texts an operator has not translated are in English",
    ),
});

import { z } from "@hono/zod-openapi";
import {
  ATTRIBUTION_METHODS,
  REFERRAL_REASONS,
  REFERRAL_STATES,
} from "#durable-objects/wallet/index";
import { USER_ID_PATTERN } from "#shared/ids";
import { MAX_PAGE_ROWS } from "#shared/paging";
import { MAX_RISK_LIST_ENTRIES, RISK_LIST_NAMES } from "#shared/referrals/risk-lists";
import { RISK_SIGNAL_CODES } from "#shared/referrals/risk-signals";

const ReasonCode = z
  .enum(Object.keys(REFERRAL_REASONS) as [string, ...string[]])
  .describe("stable code of why the referral is in its state");

export const AdminReferralSchema = z
  .object({
    referralId: z.string(),
    programId: z.string(),
    referrerId: z.string(),
    refereeId: z.string(),
    state: z.enum(REFERRAL_STATES),
    method: z.enum(ATTRIBUTION_METHODS),
    reason: ReasonCode,
    riskScore: z.number().int().describe("the sum of the fraud signals' weights at attribution"),
    holdReasons: z
      .array(z.enum(RISK_SIGNAL_CODES))
      .describe("the codes of the fraud signals that fired"),
    attributedAtMs: z.number().int().describe("when the referee signed up (epoch ms)"),
    updatedAtMs: z.number().int().describe("the referral's last change (epoch ms)"),
  })
  .openapi("AdminReferral");

export const ReferralIdParam = z.object({
  referralId: z
    .string()
    .regex(/^ref_[A-Za-z0-9_-]{1,64}$/, "a referral id: ref_<refereeId>")
    .openapi({ param: { name: "referralId", in: "path" } }),
});

export const AdminReferralListQuery = z.object({
  state: z
    .enum(REFERRAL_STATES)
    .optional()
    .describe("only referrals in this state (held: the review queue)"),
  referrerId: z.string().regex(USER_ID_PATTERN).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_ROWS).default(50),
  cursor: z.string().max(200).optional(),
});

export const AdminReferralListSchema = z
  .object({ items: z.array(AdminReferralSchema), nextCursor: z.string().nullable() })
  .openapi("AdminReferralList");

const RewardSchema = z.union([
  z.object({ amountMinor: z.number().int(), currency: z.string() }),
  z.object({ points: z.number().int() }),
]);

export const RiskSignalSchema = z
  .object({
    code: z.enum(RISK_SIGNAL_CODES),
    weight: z.number().int().describe("0–100, as the program weighed it at attribution"),
    reason: z.string().describe("why it fired, in English"),
  })
  .openapi("ReferralRiskSignal");

export const AdminReferralDetailSchema = z
  .object({
    referral: AdminReferralSchema,
    history: z.array(
      z.object({
        fromState: z.enum(REFERRAL_STATES).nullable(),
        state: z.enum(REFERRAL_STATES),
        reason: ReasonCode,
        reasonText: z.string(),
        eventId: z.string().nullable().describe("the event that caused the move"),
        atMs: z.number().int(),
        actor: z.string().nullable().optional().describe("who decided the move, when a person did"),
        note: z.string().nullable().optional().describe("the operator's reason"),
      }),
    ),
    rewards: z.array(
      z.object({
        party: z.enum(["referee", "referrer"]),
        status: z
          .enum(["awaiting_budget", "posted", "owed", "delivered", "capped", "held", "cancelled"])
          .describe(
            "held: waiting for review; cancelled: the referral was rejected first; " +
              "awaiting_budget: the referee's reward waits for the rule's budgets",
          ),
        reason: z
          .enum(["awaiting_referral_budget", "referral_budget_exhausted", "referrer_cap_reached"])
          .nullable()
          .describe(
            "why, when the status says less: waiting for the rule's budgets, or paid less or " +
              "nothing because they were spent (reward: what was paid), or the referrer's cap",
          ),
        reward: RewardSchema,
        ruleId: z.string(),
        ruleVersion: z.number().int(),
        eventId: z.string().describe("the qualifying event"),
      }),
    ),
    signals: z.array(RiskSignalSchema),
    riskScore: z.number().int(),
  })
  .openapi("AdminReferralDetail");

export const ReferralDecisionInputSchema = z
  .object({
    decision: z.enum(["approve", "reject"]),
    reason: z.string().trim().min(1).max(500).describe("why: kept in the referral's history"),
  })
  .openapi("ReferralDecisionInput");

export const ReferralDecisionSchema = z
  .object({ referral: AdminReferralSchema })
  .openapi("ReferralDecision");

export const ReferrerBanInputSchema = z
  .object({ reason: z.string().trim().min(1).max(500) })
  .openapi("ReferrerBanInput");

export const ReferrerBanSchema = z
  .object({
    userId: z.string(),
    banned: z.boolean(),
    reason: z.string().nullable(),
    bannedBy: z.string().nullable(),
    bannedAtMs: z.number().int().nullable(),
    rejectedReferrals: z
      .number()
      .int()
      .optional()
      .describe("on a ban: the referrer's referrals not yet rewarded that it rejected"),
    moreToReject: z
      .boolean()
      .optional()
      .describe("on a ban: true when referrals remain to reject; send the ban again for them"),
  })
  .openapi("ReferrerBan");

export const RiskListParam = z.object({
  list: z.enum(RISK_LIST_NAMES).openapi({ param: { name: "list", in: "path" } }),
});

export const RiskListSchema = z
  .object({
    list: z.enum(RISK_LIST_NAMES),
    version: z.number().int().describe("0 while never saved"),
    entries: z.array(z.string()).describe("sorted, lower case, without repeats"),
    updatedAtMs: z.number().int().nullable(),
    updatedBy: z.string().nullable(),
  })
  .openapi("ReferralRiskList");

export const RiskListInputSchema = z
  .object({
    entries: z
      .array(z.string().max(253))
      .max(MAX_RISK_LIST_ENTRIES)
      .describe(
        "domains (disposable_email_domains), CIDR ranges (datacenter_ip_ranges) or ASNs (datacenter_asns)",
      ),
    expectedVersion: z.number().int().min(0).optional(),
  })
  .openapi("ReferralRiskListInput");

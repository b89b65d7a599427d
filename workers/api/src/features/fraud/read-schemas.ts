import { z } from "@hono/zod-openapi";
import { HOLD_KINDS } from "#shared/fraud/risk-contract";
import { RiskViewSchema } from "./risk-ports";

/** The operators' read of one user's risk (docs/fraud.md "API"). */

const ReasonSchema = z.object({
  code: z
    .string()
    .describe("stable reason code (`shared_device`, `click_iframe`, `risk_unavailable`)"),
  score: z.number().describe("score points this reason contributes"),
  detail: z.string(),
});

export const RiskHoldSchema = z
  .object({
    holdId: z.string(),
    kind: z.enum(HOLD_KINDS),
    subjectRef: z
      .string()
      .nullable()
      .describe("the payout, transaction or referral held; null: a user-wide hold"),
    reasons: z.array(ReasonSchema),
    source: z.enum(["rule", "risk_unavailable", "bot_click"]),
    ruleId: z.string().nullable(),
    ruleVersion: z.number().int().nullable(),
    autoReleaseAtMs: z
      .number()
      .int()
      .nullable()
      .describe("when it ends by itself (its condition clears); null: an operator ends it"),
    status: z.enum(["active", "released", "upheld"]),
    placedAtMs: z.number().int(),
    endedAtMs: z.number().int().nullable(),
    endedHow: z.enum(["operator", "auto", "scoring_returned", "step_up"]).nullable(),
    decidedBy: z.string().nullable(),
    decisionNote: z.string().nullable(),
    label: z.enum(["fraud", "not_fraud", "unsure"]).nullable(),
    decisionSignals: z
      .object({ score: z.number(), reasons: z.array(ReasonSchema) })
      .nullable()
      .describe("the user's score and reasons when an operator decided; null before one"),
  })
  .openapi("RiskHold");

export const LinkedAccountsSchema = z
  .object({
    accounts: z.array(
      z.object({
        userId: z.string(),
        depth: z.number().int().min(1).max(2).describe("1: shares an identifier with the user"),
      }),
    ),
    edges: z.array(
      z.object({
        fromUserId: z.string(),
        toUserId: z.string(),
        kind: z
          .string()
          .describe(
            "the kind of identifier both hold: device, ip_prefix, payment_instrument, email, phone",
          ),
      }),
    ),
    truncated: z.boolean().describe("a bound (depth 2, 25 accounts) cut the walk short"),
  })
  .openapi("LinkedAccounts");

export const AdminUserRiskSchema = z
  .object({
    userId: z.string(),
    risk: RiskViewSchema.nullable().describe(
      "score 0–100, the reasons in force, the score's history and velocity; null while scoring cannot answer (holds and links still show)",
    ),
    holds: z.array(RiskHoldSchema).describe("the user's risk holds, newest first (at most 100)"),
    linkedAccounts: LinkedAccountsSchema,
  })
  .openapi("AdminUserRisk");

import { z } from "@hono/zod-openapi";
import { HOLD_KINDS } from "#shared/fraud/risk-contract";
import { USER_ID_PATTERN } from "#shared/ids";

/** A risk hold's id: `rule:<ruleId>:<observationId>:<kind>`, `risk_unavailable:<payoutId>`, … */
export const HOLD_ID_PATTERN = /^[A-Za-z0-9_:.-]{1,200}$/;

export const RiskHoldDecisionParams = z.object({
  userId: z
    .string()
    .regex(USER_ID_PATTERN, "user ids are 1-64 chars of A-Z, a-z, 0-9, '_' and '-'")
    .openapi({ param: { name: "userId", in: "path" } }),
  holdId: z
    .string()
    .regex(HOLD_ID_PATTERN, "a hold id as the user's holds list it")
    .openapi({ param: { name: "holdId", in: "path" } }),
});

export const RiskHoldDecisionInputSchema = z
  .object({
    decision: z
      .enum(["release", "uphold"])
      .describe("release: what it held goes on (a held payout is dispatched); uphold: it stays"),
    reason: z.string().trim().min(1).max(500).describe("why; kept with the hold and audited"),
    label: z
      .enum(["fraud", "not_fraud", "unsure"])
      .nullable()
      .default(null)
      .describe("the outcome as a label for model training"),
  })
  .strict()
  .openapi("RiskHoldDecisionInput");

const RiskReasonSchema = z.object({
  code: z.string().describe("stable reason code (shared_device, risk_unavailable, …)"),
  score: z.number().describe("its contribution to the score"),
  detail: z.string(),
});

export const RiskHoldDecisionSchema = z
  .object({
    hold: z.object({
      holdId: z.string(),
      kind: z.enum(HOLD_KINDS),
      subjectRef: z
        .string()
        .nullable()
        .describe("the payout, transaction or referral held; null: all the user's payouts"),
      reasons: z.array(RiskReasonSchema),
      source: z.enum(["rule", "risk_unavailable", "bot_click"]),
      ruleId: z.string().nullable(),
      ruleVersion: z.number().int().nullable(),
      status: z.enum(["active", "released", "upheld"]),
      placedAtMs: z.number().int(),
      autoReleaseAtMs: z.number().int().nullable(),
      endedAtMs: z.number().int().nullable(),
      endedHow: z.enum(["operator", "auto", "scoring_returned"]).nullable(),
      decidedBy: z.string().nullable(),
      decisionNote: z.string().nullable(),
      label: z.enum(["fraud", "not_fraud", "unsure"]).nullable(),
    }),
  })
  .openapi("RiskHoldDecision");

import { z } from "@hono/zod-openapi";
import {
  HOLD_KINDS,
  HOLD_SOURCES,
  HOLD_STATUSES,
  HOLD_LABELS as LABELS,
} from "#shared/fraud/risk-contract";
import { USER_ID_PATTERN } from "#shared/ids";
import { DEFAULT_PAGE_ROWS, MAX_PAGE_ROWS } from "#shared/paging";
import { NextCursorSchema } from "../../http/list-query";

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

export const DecisionSignalsSchema = z
  .object({
    score: z.number().describe("the user's risk score (0–100) when the operator decided"),
    reasons: z.array(RiskReasonSchema).describe("the reasons in force then"),
  })
  .nullable()
  .describe(
    "the user's score and reasons at the decision; null before one or while scoring was down",
  )
  .openapi("RiskDecisionSignals");

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
      endedHow: z.enum(["operator", "auto", "scoring_returned", "step_up"]).nullable(),
      decidedBy: z.string().nullable(),
      decisionNote: z.string().nullable(),
      label: z.enum(LABELS).nullable(),
      decisionSignals: DecisionSignalsSchema,
    }),
  })
  .openapi("RiskHoldDecision");

/** One hold in the review queue (D1 `risk_holds`, projected from the user's wallet). */
export const RiskHoldRowSchema = z
  .object({
    userId: z.string(),
    holdId: z.string(),
    kind: z.enum(HOLD_KINDS),
    subjectRef: z
      .string()
      .nullable()
      .describe("the payout, transaction or referral held; null: all the user's payouts"),
    source: z.enum(HOLD_SOURCES),
    ruleId: z.string().nullable(),
    ruleVersion: z.number().int().nullable(),
    reasons: z.array(RiskReasonSchema),
    scoreContribution: z.number().describe("the sum of its reasons' scores"),
    status: z.enum(HOLD_STATUSES),
    placedAtMs: z.number().int(),
    autoReleaseAtMs: z
      .number()
      .int()
      .nullable()
      .describe("when it ends by itself; null: an operator ends it"),
    endedAtMs: z.number().int().nullable(),
    endedHow: z.enum(["operator", "auto", "scoring_returned", "step_up"]).nullable(),
    decidedBy: z.string().nullable(),
    decisionNote: z.string().nullable(),
    label: z.enum(LABELS).nullable(),
    decisionSignals: DecisionSignalsSchema,
  })
  .openapi("RiskHoldRow");

/** A reason code as holds carry them (`shared_device`, `click_iframe`, `risk_unavailable`). */
const REASON_CODE_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;

export const RiskHoldListQuerySchema = z
  .object({
    status: z
      .enum(HOLD_STATUSES)
      .default("active")
      .describe("active (the queue, oldest placed first) or ended (newest ended first)"),
    kind: z.enum(HOLD_KINDS).optional(),
    source: z.enum(HOLD_SOURCES).optional(),
    reason: z
      .string()
      .regex(REASON_CODE_PATTERN, "one reason code")
      .optional()
      .describe("holds carrying this reason code"),
    userId: z.string().regex(USER_ID_PATTERN, "a user id").optional(),
    label: z.enum(LABELS).optional(),
    fromMs: z.coerce.number().int().min(0).optional().describe("placed at or after (ms)"),
    toMs: z.coerce.number().int().min(0).optional().describe("placed before (ms)"),
    limit: z.coerce.number().int().min(1).max(MAX_PAGE_ROWS).default(DEFAULT_PAGE_ROWS),
    cursor: z.string().max(300).optional().describe("nextCursor of the previous page"),
  })
  .refine((q) => q.fromMs === undefined || q.toMs === undefined || q.fromMs < q.toMs, {
    message: "fromMs must be before toMs",
    path: ["toMs"],
  });

export const RiskHoldListSchema = z
  .object({ holds: z.array(RiskHoldRowSchema), nextCursor: NextCursorSchema })
  .openapi("RiskHoldList");

/** Holds per bulk decision. */
export const MAX_BULK_HOLDS = 100;

export const RiskHoldBulkDecisionInputSchema = z
  .object({
    holds: z
      .array(
        z
          .object({
            userId: z.string().regex(USER_ID_PATTERN, "a user id"),
            holdId: z.string().regex(HOLD_ID_PATTERN, "a hold id as the queue lists it"),
          })
          .strict(),
      )
      .min(1)
      .max(MAX_BULK_HOLDS)
      .refine(
        (holds) => new Set(holds.map((h) => `${h.userId} ${h.holdId}`)).size === holds.length,
        { message: "each hold at most once" },
      ),
    decision: z
      .enum(["release", "uphold"])
      .describe("release: what they held goes on (a held payout is dispatched); uphold: they stay"),
    reason: z.string().trim().min(1).max(500).describe("why; kept with each hold and audited"),
    label: z.enum(LABELS).nullable().default(null).describe("the outcome as a label"),
  })
  .strict()
  .openapi("RiskHoldBulkDecisionInput");

export const RiskHoldBulkDecisionSchema = z
  .object({
    results: z.array(
      z.object({
        userId: z.string(),
        holdId: z.string(),
        outcome: z
          .enum(["decided", "already", "conflict", "not_found", "failed"])
          .describe(
            "decided now; already decided the same way; conflict: decided the other way; not_found: the user has no such hold; failed: the wallet could not be reached (try it again)",
          ),
        hold: RiskHoldRowSchema.nullable().describe("the hold as its wallet has it now"),
      }),
    ),
  })
  .openapi("RiskHoldBulkDecision");

import { z } from "@hono/zod-openapi";
import { ALERT_RULES } from "./rules";
import { DEFAULT_THRESHOLDS } from "./settings";

export const ALERT_STATES = ["open", "acknowledged", "resolved"] as const;

export const AlertIdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "id", in: "path" } }),
});

export const AlertDeliverySchema = z
  .object({
    stage: z.enum(["primary", "escalation", "resolution"]),
    channel: z.enum(["webhook", "email"]),
    status: z.enum(["sent", "failed"]),
    attempts: z.number().int(),
    lastError: z.string().nullable(),
    updatedAt: z.string(),
  })
  .openapi("AlertDelivery");

export const AlertSchema = z
  .object({
    id: z.string(),
    rule: z.enum(ALERT_RULES),
    subject: z
      .string()
      .describe("what the rule is about: a network id, `payouts`, a dead-letter store…"),
    severity: z.enum(["warning", "critical"]),
    state: z.enum(ALERT_STATES),
    summary: z.string(),
    detail: z.record(z.string(), z.unknown()).describe("the signal's figures (counts, thresholds)"),
    occurrences: z
      .number()
      .int()
      .describe("evaluations that found the condition while the alert was live"),
    openedAt: z.string(),
    lastSeenAt: z.string(),
    acknowledgedAt: z.string().nullable(),
    acknowledgedBy: z.string().nullable(),
    resolvedAt: z.string().nullable(),
    resolvedBy: z.string().nullable().describe("an operator, or `auto` when the condition cleared"),
    note: z.string().nullable(),
    deliveries: z.array(AlertDeliverySchema),
  })
  .openapi("Alert");

export const AlertPageSchema = z
  .object({ items: z.array(AlertSchema), nextCursor: z.string().nullable() })
  .openapi("AlertPage");

export const AlertListQuery = z.object({
  state: z.enum(ALERT_STATES).optional().describe("only alerts in this state"),
  cursor: z.string().max(200).optional().describe("opaque cursor from the previous page"),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

export const AlertActionInputSchema = z
  .object({ note: z.string().trim().max(500).optional().describe("kept on the alert") })
  .openapi("AlertActionInput");

const ContactSchema = z
  .object({
    name: z.string().trim().min(1).max(80),
    email: z.email().max(254).nullable().default(null),
    webhookUrl: z
      .url({ protocol: /^https?$/ })
      .max(2000)
      .nullable()
      .default(null),
  })
  .refine((c) => c.email !== null || c.webhookUrl !== null, {
    message: "a contact needs an e-mail address or a webhook URL",
  })
  .openapi("AlertContact");

const count = (max = 1_000_000) => z.number().int().min(0).max(max);

export const AlertThresholdsSchema = z
  .object({
    reconciliationDifferences: count().default(DEFAULT_THRESHOLDS.reconciliationDifferences),
    payoutDiscrepancies: count().default(DEFAULT_THRESHOLDS.payoutDiscrepancies),
    reconciliationLookbackHours: z
      .number()
      .int()
      .min(1)
      .max(24 * 14)
      .default(DEFAULT_THRESHOLDS.reconciliationLookbackHours),
    stuckPayouts: z.number().int().min(1).max(1_000_000).default(DEFAULT_THRESHOLDS.stuckPayouts),
    attentionPayouts: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .default(DEFAULT_THRESHOLDS.attentionPayouts),
    deadLetterBacklog: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(DEFAULT_THRESHOLDS.deadLetterBacklog),
    deadLetterMaxAgeMinutes: z
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 60)
      .default(DEFAULT_THRESHOLDS.deadLetterMaxAgeMinutes),
    deadLetterGrowth: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(DEFAULT_THRESHOLDS.deadLetterGrowth)
      .describe("rows more than the previous evaluation counted"),
    walletAuditDifferences: count().default(DEFAULT_THRESHOLDS.walletAuditDifferences),
    networkDropRatio: z.number().gt(0).lt(1).default(DEFAULT_THRESHOLDS.networkDropRatio),
    networkMinHourlyVolume: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .default(DEFAULT_THRESHOLDS.networkMinHourlyVolume),
  })
  .openapi("AlertThresholds");

export const AlertSettingsSchema = z
  .object({
    primary: ContactSchema.nullable(),
    secondary: ContactSchema.nullable(),
    escalateAfterMinutes: z
      .number()
      .int()
      .min(1)
      .max(24 * 60),
    thresholds: AlertThresholdsSchema,
    webhookSecretSet: z.boolean().describe("whether a webhook signing secret is set (never shown)"),
    updatedAt: z.string().nullable(),
  })
  .openapi("AlertSettings");

export const AlertSettingsInputSchema = z
  .object({
    primary: ContactSchema.nullable(),
    secondary: ContactSchema.nullable().default(null),
    escalateAfterMinutes: z
      .number()
      .int()
      .min(1)
      .max(24 * 60)
      .default(30),
    thresholds: AlertThresholdsSchema.default(DEFAULT_THRESHOLDS),
    webhookSecret: z
      .string()
      .min(32)
      .max(256)
      .nullable()
      .optional()
      .describe(
        "HMAC key for the webhook signature; omit to keep the current one, null to remove it",
      ),
  })
  .openapi("AlertSettingsInput");

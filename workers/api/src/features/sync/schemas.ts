import { z } from "@hono/zod-openapi";
import { ID_PREFIX } from "#shared/ids";
import { RateBpsSchema } from "#shared/money/currency";
import { SlugSchema } from "../../http/common-schemas";

/** Merchant sync schemas: runs and a network's breaker. */

const CountsSchema = z.object({
  created: z.number().int(),
  updated: z.number().int(),
  deactivated: z.number().int().describe("left the feed: switched off, never deleted"),
  unchanged: z.number().int(),
});

export const SyncRunSchema = z
  .object({
    id: z.string(),
    networkId: z.string(),
    trigger: z.enum(["cron", "admin"]),
    probe: z.boolean().describe("the run was the circuit breaker's probe"),
    status: z.enum(["running", "succeeded", "failed"]),
    offers: CountsSchema,
    merchants: CountsSchema,
    offersHeld: z
      .number()
      .int()
      .describe(
        "offer changes held for review because a rate is above the network's maxFeedRateBps (see held-feed-changes)",
      ),
    breakerState: z.enum(["closed", "open"]).nullable().describe("the breaker after the run"),
    error: z.string().nullable(),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
  })
  .openapi("SyncRun");

export const HealthSchema = z
  .object({
    networkId: z.string(),
    state: z
      .enum(["closed", "open", "half_open"])
      .describe("open: offers hidden, cooling down; half_open: the next sync is a probe"),
    consecutiveFailures: z.number().int(),
    failureThreshold: z.number().int().describe("consecutive failures that open the breaker"),
    cooldownMs: z.number().int().nullable().describe("current cool-down in milliseconds"),
    openedAt: z.string().nullable(),
    retryAt: z.string().nullable().describe("when the next scheduled sync probes the network"),
    lastSuccessAt: z.string().nullable(),
    lastFailureAt: z.string().nullable(),
    lastError: z.string().nullable(),
  })
  .openapi("NetworkHealth");

const TermsSchema = z.object({
  basis: z.enum(["sale", "commission"]),
  defaultRateBps: RateBpsSchema,
  categoryRates: z.record(z.string(), RateBpsSchema),
});

export const HeldFeedChangeSchema = z
  .object({
    id: z.string(),
    networkId: z.string(),
    offerId: z.string().describe("the offer it changes, or creates when `previousTerms` is null"),
    merchantId: z.string(),
    status: z
      .enum(["held", "approved", "dismissed", "superseded"])
      .describe(
        "held: waiting for the operator; approved: applied; dismissed: not applied, and the same proposal is not held again; superseded: the feed moved on",
      ),
    proposed: z
      .object({
        title: z.string(),
        currency: z.string(),
        networkOfferRef: z.string(),
        terms: TermsSchema,
        returnWindowDays: z.number().int(),
        active: z.boolean(),
      })
      .describe("the offer as the feed wants it"),
    previousTerms: TermsSchema.nullable().describe(
      "the offer's rates when the change was held (kept meanwhile); null: a new offer",
    ),
    maxRateBps: RateBpsSchema.describe("the highest rate in the proposal"),
    ceilingBps: RateBpsSchema.describe("the network's maxFeedRateBps it is above"),
    runId: z.string().nullable().describe("the sync run that held it last"),
    createdAt: z.string(),
    updatedAt: z.string(),
    decidedAt: z.string().nullable(),
  })
  .openapi("HeldFeedChange");

export const HeldFeedChangeParamsSchema = z.object({
  id: SlugSchema.openapi({ param: { name: "id", in: "path" } }),
  changeId: z
    .string()
    .regex(new RegExp(`^${ID_PREFIX.heldFeedChange}_[A-Za-z0-9_-]{1,64}$`))
    .openapi({ param: { name: "changeId", in: "path" } }),
});

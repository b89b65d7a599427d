import { z } from "@hono/zod-openapi";

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

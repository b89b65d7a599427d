import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { AppError } from "#shared/http/errors";
import type { ApiContext } from "../auth";
import { getNetwork } from "../catalog/catalog-service";
import { breakerView, DEFAULT_BREAKER_POLICY } from "../jobs/circuit-breaker";
import {
  listSyncRuns,
  type NetworkHealthRecord,
  readNetworkHealth,
  type SyncRun,
  syncNetwork,
} from "../jobs/merchant-sync";
import { IdParamSchema, ProblemSchema, SlugSchema, toIso, toIsoOrNull } from "../schemas";
import { jsonBody, problemResponses } from "./responses";

const security = [{ adminKey: [] }];
const tags = ["merchant sync (admin)"];

const CountsSchema = z.object({
  created: z.number().int(),
  updated: z.number().int(),
  deactivated: z.number().int().describe("left the feed: switched off, never deleted"),
  unchanged: z.number().int(),
});

const SyncRunSchema = z
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

const HealthSchema = z
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

const syncNowRoute = createRoute({
  method: "post",
  path: "/admin/v1/networks/{id}/sync",
  tags,
  security,
  summary: "Sync the network's merchants and offers from its feed now",
  description:
    "Runs even while the circuit breaker is open, as its probe: success closes it, failure " +
    "re-opens it with a doubled cool-down. A feed failure is a run with status `failed` " +
    "(200), not an error. 409 when the network has no `options.feedUrl`.",
  request: { params: IdParamSchema },
  responses: {
    200: jsonBody(SyncRunSchema),
    409: {
      description: "the network has no options.feedUrl",
      content: { "application/problem+json": { schema: ProblemSchema } },
    },
    ...problemResponses,
  },
});

const listRunsRoute = createRoute({
  method: "get",
  path: "/admin/v1/sync/runs",
  tags,
  security,
  summary: "Merchant sync runs, newest first",
  request: {
    query: z.object({
      networkId: SlugSchema.optional(),
      limit: z.coerce.number().int().min(1).max(100).default(20),
    }),
  },
  responses: { 200: jsonBody(z.object({ items: z.array(SyncRunSchema) })), ...problemResponses },
});

const healthRoute = createRoute({
  method: "get",
  path: "/admin/v1/networks/{id}/health",
  tags,
  security,
  summary: "The network's merchant-sync circuit breaker",
  request: { params: IdParamSchema },
  responses: { 200: jsonBody(HealthSchema), ...problemResponses },
});

export const syncRunView = (run: SyncRun) => ({
  id: run.id,
  networkId: run.networkId,
  trigger: run.trigger,
  probe: run.probe,
  status: run.status,
  offers: run.offers,
  merchants: run.merchants,
  breakerState: run.breakerState,
  error: run.error,
  startedAt: toIso(run.startedAtMs),
  finishedAt: toIsoOrNull(run.finishedAtMs),
});

const healthView = (h: NetworkHealthRecord, nowMs: number) => ({
  networkId: h.networkId,
  state: breakerView(h.breaker, nowMs),
  consecutiveFailures: h.breaker.consecutiveFailures,
  failureThreshold: DEFAULT_BREAKER_POLICY.failureThreshold,
  cooldownMs: h.breaker.cooldownMs,
  openedAt: toIsoOrNull(h.breaker.openedAtMs),
  retryAt: toIsoOrNull(h.breaker.retryAtMs),
  lastSuccessAt: toIsoOrNull(h.lastSuccessAtMs),
  lastFailureAt: toIsoOrNull(h.lastFailureAtMs),
  lastError: h.lastError,
});

export function registerSyncAdmin(app: OpenAPIHono<ApiContext>): void {
  app.openapi(syncNowRoute, async (c) => {
    const outcome = await syncNetwork(c.env, c.req.valid("param").id, {
      fetcher: (request) => fetch(request),
      nowMs: Date.now(),
      trigger: "admin",
    });
    // An operator's run is never skipped; this only guards the type.
    if (outcome.kind !== "ran") throw new AppError("conflict", "the sync was skipped");
    return c.json(syncRunView(outcome.run), 200);
  });

  app.openapi(listRunsRoute, async (c) => {
    const { networkId, limit } = c.req.valid("query");
    const runs = await listSyncRuns(c.env, { networkId, limit });
    return c.json({ items: runs.map(syncRunView) }, 200);
  });

  app.openapi(healthRoute, async (c) => {
    const { id } = c.req.valid("param");
    await getNetwork(c.env, id); // 404 for an unknown network
    return c.json(healthView(await readNetworkHealth(c.env.DB, id), Date.now()), 200);
  });
}

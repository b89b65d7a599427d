import { createRoute, z } from "@hono/zod-openapi";
import { AppError } from "#shared/http/errors";
import { secretBearingFetcher } from "#shared/http/secure-url";
import { IdParamSchema, SlugSchema, toIso, toIsoOrNull } from "../../http/common-schemas";
import { featureApp } from "../../http/feature-app";
import {
  ADMIN_SECURITY,
  CONFLICT_RESPONSE,
  jsonBody,
  problem,
  problemResponses,
} from "../../http/responses";
import {
  approveHeldFeedChange,
  dismissHeldFeedChange,
  getNetwork,
  type HeldFeedChange,
  listHeldFeedChanges,
} from "../catalog/index";
import { breakerView, DEFAULT_BREAKER_POLICY } from "./circuit-breaker";
import { syncNetwork } from "./merchant-sync";
import {
  HealthSchema,
  HeldFeedChangeParamsSchema,
  HeldFeedChangeSchema,
  SyncRunSchema,
} from "./schemas";
import { listSyncRuns, type NetworkHealthRecord, readNetworkHealth, type SyncRun } from "./store";

const security = ADMIN_SECURITY;
const tags = ["sync"];

const syncNowRoute = createRoute({
  method: "post",
  path: "/networks/{id}/sync",
  operationId: "syncNetwork",
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
    409: problem("the network has no options.feedUrl"),
    ...problemResponses,
  },
});

const listRunsRoute = createRoute({
  method: "get",
  path: "/sync/runs",
  operationId: "listSyncRuns",
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
  path: "/networks/{id}/health",
  operationId: "getNetworkHealth",
  tags,
  security,
  summary: "The network's merchant-sync circuit breaker",
  request: { params: IdParamSchema },
  responses: { 200: jsonBody(HealthSchema), ...problemResponses },
});

const listHeldRoute = createRoute({
  method: "get",
  path: "/networks/{id}/held-feed-changes",
  operationId: "listHeldFeedChanges",
  tags,
  security,
  summary: "Feed changes merchant sync held for review, newest first",
  description:
    "A change whose rates go above the network's `maxFeedRateBps` option is not applied: the " +
    "offer keeps its terms (a new offer is not created) until the change is approved.",
  request: {
    params: IdParamSchema,
    query: z.object({
      status: z.enum(["held", "approved", "dismissed", "superseded"]).optional(),
      limit: z.coerce.number().int().min(1).max(100).default(50),
    }),
  },
  responses: {
    200: jsonBody(z.object({ items: z.array(HeldFeedChangeSchema) })),
    ...problemResponses,
  },
});

const decideHeldRoute = (decision: "approve" | "dismiss") =>
  createRoute({
    method: "post",
    path: `/networks/{id}/held-feed-changes/{changeId}/${decision}`,
    // "cancel": the document's verbs are a fixed list (docs/openapi.test.ts); the path and the
    // status say "dismiss", which is what an operator does with a proposal.
    operationId: decision === "approve" ? "approveHeldFeedChange" : "cancelHeldFeedChange",
    tags,
    security,
    summary:
      decision === "approve"
        ? "Apply a held feed change to its offer (or create the offer it proposes)"
        : "Dismiss a held feed change: the offer keeps its terms, and the feed's same proposal is not held again",
    description: "409 when the change is no longer held (decided, or superseded by a later sync).",
    request: { params: HeldFeedChangeParamsSchema },
    responses: {
      200: jsonBody(HeldFeedChangeSchema),
      ...CONFLICT_RESPONSE,
      ...problemResponses,
    },
  });

const termsView = (t: HeldFeedChange["proposed"]["cashbackTerms"]) => ({
  basis: t.basis,
  defaultRateBps: t.defaultRateBps,
  categoryRates: t.categoryRates,
});

export const heldFeedChangeView = (h: HeldFeedChange) => ({
  id: h.id,
  networkId: h.networkId,
  offerId: h.offerId,
  merchantId: h.merchantId,
  status: h.status,
  proposed: {
    title: h.proposed.title,
    currency: h.proposed.currency,
    networkOfferRef: h.proposed.networkOfferRef,
    terms: termsView(h.proposed.cashbackTerms),
    returnWindowDays: h.proposed.returnWindowDays,
    active: h.proposed.active,
  },
  previousTerms: h.previousTerms ? termsView(h.previousTerms) : null,
  maxRateBps: h.maxRateBps,
  ceilingBps: h.ceilingBps,
  runId: h.runId,
  createdAt: toIso(h.createdAtMs),
  updatedAt: toIso(h.updatedAtMs),
  decidedAt: toIsoOrNull(h.decidedAtMs),
});

export const syncRunView = (run: SyncRun) => ({
  id: run.id,
  networkId: run.networkId,
  trigger: run.trigger,
  probe: run.probe,
  status: run.status,
  offers: run.offers,
  merchants: run.merchants,
  offersHeld: run.offersHeld,
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

/** Operator routes for merchant sync; mounted under `/admin/v1`. */
export const syncAdminRoutes = featureApp()
  .openapi(syncNowRoute, async (c) => {
    const outcome = await syncNetwork(c.env, c.req.valid("param").id, {
      fetcher: secretBearingFetcher(c.env),
      nowMs: Date.now(),
      trigger: "admin",
    });
    // An operator's run is never skipped; this only guards the type.
    if (outcome.kind !== "ran") throw new AppError("conflict", "the sync was skipped");
    return c.json(syncRunView(outcome.run), 200);
  })
  .openapi(listRunsRoute, async (c) => {
    const { networkId, limit } = c.req.valid("query");
    const runs = await listSyncRuns(c.env, { networkId, limit });
    return c.json({ items: runs.map(syncRunView) }, 200);
  })
  .openapi(healthRoute, async (c) => {
    const { id } = c.req.valid("param");
    await getNetwork(c.env, id); // 404 for an unknown network
    return c.json(healthView(await readNetworkHealth(c.env.DB, id), Date.now()), 200);
  })
  .openapi(listHeldRoute, async (c) => {
    const { id } = c.req.valid("param");
    await getNetwork(c.env, id); // 404 for an unknown network
    const items = await listHeldFeedChanges(c.env, id, c.req.valid("query"));
    return c.json({ items: items.map(heldFeedChangeView) }, 200);
  })
  .openapi(decideHeldRoute("approve"), async (c) => {
    const { id, changeId } = c.req.valid("param");
    return c.json(
      heldFeedChangeView(await approveHeldFeedChange(c.env, id, changeId, Date.now())),
      200,
    );
  })
  .openapi(decideHeldRoute("dismiss"), async (c) => {
    const { id, changeId } = c.req.valid("param");
    return c.json(
      heldFeedChangeView(await dismissHeldFeedChange(c.env, id, changeId, Date.now())),
      200,
    );
  });

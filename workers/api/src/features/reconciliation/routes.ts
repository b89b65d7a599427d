import { createRoute, z } from "@hono/zod-openapi";
import { AppError } from "#shared/http/errors";
import { secretBearingFetcher } from "#shared/http/secure-url";
import { ReportError } from "#shared/networks/core/report-error";
import { MS_PER_DAY } from "#shared/time/clock";
import { toIso, toIsoOrNull } from "../../http/common-schemas";
import { featureApp } from "../../http/feature-app";
import {
  ADMIN_SECURITY,
  jsonBody,
  problemResponses,
  UNAVAILABLE_RESPONSE,
} from "../../http/responses";
import { RECONCILE_LOOKBACK_DAYS, reconcileNetwork, reportSourceOf } from "./reconcile";
import { REPORT_API_NEEDS } from "./report-source";
import { ItemSchema, RunSchema } from "./schemas";
import { itemsOfRun, listRuns, type RunRow, runById } from "./store";

const security = ADMIN_SECURITY;
const tags = ["reconciliation"];

const listRunsRoute = createRoute({
  method: "get",
  path: "/reconciliation/runs",
  operationId: "listReconciliationRuns",
  tags,
  security,
  summary: "Reconciliation runs, newest first",
  request: {
    query: z.object({
      networkId: z.string().max(64).optional(),
      limit: z.coerce.number().int().min(1).max(100).default(20),
    }),
  },
  responses: { 200: jsonBody(z.object({ items: z.array(RunSchema) })), ...problemResponses },
});

const getRunRoute = createRoute({
  method: "get",
  path: "/reconciliation/runs/{id}",
  operationId: "getReconciliationRun",
  tags,
  security,
  summary: "One run with every order that did not simply match",
  request: {
    params: z.object({
      id: z
        .string()
        .max(80)
        .openapi({ param: { name: "id", in: "path" } }),
    }),
  },
  responses: {
    200: jsonBody(RunSchema.extend({ items: z.array(ItemSchema) })),
    ...problemResponses,
  },
});

const runView = (r: RunRow) => ({
  id: r.id,
  networkId: r.networkId,
  from: toIso(r.fromMs),
  to: toIso(r.toMs),
  status: r.status,
  counts: r.counts,
  error: r.error,
  startedAt: toIso(r.startedAtMs),
  finishedAt: toIsoOrNull(r.finishedAtMs),
});

const runNowRoute = createRoute({
  method: "post",
  path: "/networks/{id}/reconcile",
  operationId: "reconcileNetwork",
  tags,
  security,
  summary: "Reconcile a network's report against transactions now",
  description:
    "Defaults to the last 35 days up to now. The run is kept and listed with the scheduled ones.",
  request: {
    params: z.object({
      id: z
        .string()
        .max(64)
        .openapi({ param: { name: "id", in: "path" } }),
    }),
    body: {
      required: false,
      content: {
        "application/json": {
          schema: z
            .object({
              from: z.iso.datetime({ offset: true }).optional(),
              to: z.iso.datetime({ offset: true }).optional(),
            })
            .strict(),
        },
      },
    },
  },
  responses: {
    200: jsonBody(
      z.object({
        runId: z.string(),
        counts: z.record(z.string(), z.number().int()),
        unexplained: z.number().int().describe("orders that need a person"),
      }),
    ),
    ...problemResponses,
    ...UNAVAILABLE_RESPONSE,
  },
});

/** Operator routes for report reconciliation; mounted under `/admin/v1`. */
export const reconciliationAdminRoutes = featureApp()
  .openapi(runNowRoute, async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json") ?? {};
    const source = await reportSourceOf(c.env, id);
    if (!source) {
      throw new AppError(
        "not_found",
        `network ${id} does not exist, is inactive or has no report API (${REPORT_API_NEEDS})`,
      );
    }
    const nowMs = Date.now();
    const toMs = body.to ? Date.parse(body.to) : nowMs;
    const fromMs = body.from ? Date.parse(body.from) : toMs - RECONCILE_LOOKBACK_DAYS * MS_PER_DAY;
    if (fromMs >= toMs) {
      throw new AppError("validation_failed", "from must be before to", [
        { path: "from", message: "must be before to" },
      ]);
    }
    let summary: Awaited<ReturnType<typeof reconcileNetwork>>;
    try {
      summary = await reconcileNetwork(c.env, {
        ...source,
        fetcher: secretBearingFetcher(c.env),
        fromMs,
        toMs,
        nowMs,
      });
    } catch (error) {
      // The network's report API failed; the run is kept as failed with the reason.
      if (error instanceof ReportError) {
        throw new AppError(
          "unavailable",
          `the network's report could not be read: ${error.message}`,
        );
      }
      throw error;
    }
    return c.json(
      { runId: summary.runId, counts: summary.counts, unexplained: summary.unexplained },
      200,
    );
  })
  .openapi(listRunsRoute, async (c) => {
    const runs = await listRuns(c.env.DB, c.req.valid("query"));
    return c.json({ items: runs.map(runView) }, 200);
  })
  .openapi(getRunRoute, async (c) => {
    const { id } = c.req.valid("param");
    const run = await runById(c.env.DB, id);
    if (!run) throw new AppError("not_found", `reconciliation run ${id} not found`);
    const items = await itemsOfRun(c.env.DB, id);
    return c.json({ ...runView(run), items }, 200);
  });

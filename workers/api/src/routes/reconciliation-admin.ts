import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { AppError } from "#shared/http/errors";
import { ReportError } from "#shared/networks/core/report-error";
import { MS_PER_DAY } from "#shared/time/clock";
import type { ApiContext } from "../auth";
import { toIso, toIsoOrNull } from "../http/common-schemas";
import { jsonBody, problemResponses } from "../http/responses";
import { RECONCILE_LOOKBACK_DAYS, reconcileNetwork, reportSourceOf } from "../jobs/reconciliation";

const security = [{ adminKey: [] }];
const tags = ["reconciliation (admin)"];

const RunSchema = z
  .object({
    id: z.string(),
    networkId: z.string(),
    from: z.string(),
    to: z.string(),
    status: z.enum(["running", "completed", "failed"]),
    counts: z.record(z.string(), z.number().int()).describe("orders per outcome"),
    error: z.string().nullable(),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
  })
  .openapi("ReconciliationRun");

const ItemSchema = z
  .object({
    orderId: z.string(),
    transactionId: z.string(),
    outcome: z.string(),
    detail: z.string().nullable(),
  })
  .openapi("ReconciliationItem");

const listRunsRoute = createRoute({
  method: "get",
  path: "/admin/v1/reconciliation/runs",
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
  path: "/admin/v1/reconciliation/runs/{id}",
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

interface RunRow {
  id: string;
  network_id: string;
  from_ms: number;
  to_ms: number;
  status: "running" | "completed" | "failed";
  counts: string;
  error: string | null;
  started_at_ms: number;
  finished_at_ms: number | null;
}

const runView = (r: RunRow) => ({
  id: r.id,
  networkId: r.network_id,
  from: toIso(r.from_ms),
  to: toIso(r.to_ms),
  status: r.status,
  counts: JSON.parse(r.counts) as Record<string, number>,
  error: r.error,
  startedAt: toIso(r.started_at_ms),
  finishedAt: toIsoOrNull(r.finished_at_ms),
});

const runNowRoute = createRoute({
  method: "post",
  path: "/admin/v1/networks/{id}/reconcile",
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
  },
});

export function registerReconciliationAdmin(app: OpenAPIHono<ApiContext>): void {
  app.openapi(runNowRoute, async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json") ?? {};
    const source = await reportSourceOf(c.env, id);
    if (!source) {
      throw new AppError(
        "not_found",
        `network ${id} does not exist or has no report API (options.reportUrl)`,
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
        fetcher: (request) => fetch(request),
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
  });

  app.openapi(listRunsRoute, async (c) => {
    const { networkId, limit } = c.req.valid("query");
    const { results } = await c.env.DB.prepare(
      `SELECT * FROM reconciliation_runs WHERE (?1 IS NULL OR network_id = ?1)
       ORDER BY started_at_ms DESC LIMIT ?2`,
    )
      .bind(networkId ?? null, limit)
      .all<RunRow>();
    return c.json({ items: results.map(runView) }, 200);
  });

  app.openapi(getRunRoute, async (c) => {
    const { id } = c.req.valid("param");
    const run = await c.env.DB.prepare(`SELECT * FROM reconciliation_runs WHERE id = ?1`)
      .bind(id)
      .first<RunRow>();
    if (!run) throw new AppError("not_found", `reconciliation run ${id} not found`);
    const { results } = await c.env.DB.prepare(
      `SELECT order_id, transaction_id, outcome, detail FROM reconciliation_items
       WHERE run_id = ?1 ORDER BY outcome, order_id LIMIT 5000`,
    )
      .bind(id)
      .all<{ order_id: string; transaction_id: string; outcome: string; detail: string | null }>();
    return c.json(
      {
        ...runView(run),
        items: results.map((i) => ({
          orderId: i.order_id,
          transactionId: i.transaction_id,
          outcome: i.outcome,
          detail: i.detail,
        })),
      },
      200,
    );
  });
}

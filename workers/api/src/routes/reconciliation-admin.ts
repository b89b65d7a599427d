import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { AppError } from "../../../../shared/http/errors";
import type { ApiContext } from "../auth";
import { toIso, toIsoOrNull } from "../schemas";
import { jsonBody, problemResponses } from "./responses";

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

export function registerReconciliationAdmin(app: OpenAPIHono<ApiContext>): void {
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

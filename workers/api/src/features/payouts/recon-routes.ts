import { createRoute, z } from "@hono/zod-openapi";
import { AppError } from "#shared/http/errors";
import { MAX_PAGE_ROWS, rowsToFetch } from "#shared/paging";
import type { PayoutProcessor } from "#shared/payouts/processor";
import type { ApiContext } from "../../auth";
import { toIso, toIsoOrNull } from "../../http/common-schemas";
import { featureApp } from "../../http/feature-app";
import { ADMIN_SECURITY, jsonBody, problemResponses } from "../../http/responses";
import { DiscrepancySchema, ReconRunSchema } from "./admin-schemas";
import { decodeDiscrepancyCursor, encodeDiscrepancyCursor } from "./cursor";
import { payoutProcessorFor } from "./processor-client";
import {
  type DiscrepancyRow,
  discrepanciesOfRun,
  listDiscrepancies,
  listReconRuns,
  type ReconRunRow,
  reconRunById,
} from "./recon-store";
import {
  DEFAULT_PAYOUT_RECON_LOOKBACK_DAYS,
  PAYOUT_DISCREPANCY_KINDS,
  type PayoutDiscrepancyKind,
  runPayoutReconciliation,
} from "./reconciliation";

const security = ADMIN_SECURITY;
const tags = ["payouts"];
const MAX_LOOKBACK_DAYS = 35;

const RunIdParamSchema = z.object({
  id: z
    .string()
    .min(1)
    .max(80)
    .openapi({ param: { name: "id", in: "path" } }),
});

const listRunsRoute = createRoute({
  method: "get",
  path: "/payout-reconciliation/runs",
  operationId: "listPayoutReconRuns",
  tags,
  security,
  summary: "Payout reconciliation runs, newest first",
  request: { query: z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) }) },
  responses: { 200: jsonBody(z.object({ items: z.array(ReconRunSchema) })), ...problemResponses },
});

const getRunRoute = createRoute({
  method: "get",
  path: "/payout-reconciliation/runs/{id}",
  operationId: "getPayoutReconRun",
  tags,
  security,
  summary: "One run with every discrepancy it found",
  request: { params: RunIdParamSchema },
  responses: {
    200: jsonBody(ReconRunSchema.extend({ discrepancies: z.array(DiscrepancySchema) })),
    ...problemResponses,
  },
});

const listDiscrepanciesRoute = createRoute({
  method: "get",
  path: "/payout-reconciliation/discrepancies",
  operationId: "listPayoutDiscrepancies",
  tags,
  security,
  summary: "Discrepancies across runs, newest first (keyset-paginated)",
  request: {
    query: z.object({
      kind: z.enum(PAYOUT_DISCREPANCY_KINDS).optional(),
      limit: z.coerce.number().int().min(1).max(MAX_PAGE_ROWS).default(50),
      before: z.string().max(400).optional().describe("nextCursor of the previous page"),
    }),
  },
  responses: {
    200: jsonBody(
      z.object({ items: z.array(DiscrepancySchema), nextCursor: z.string().nullable() }),
    ),
    ...problemResponses,
  },
});

const runNowRoute = createRoute({
  method: "post",
  path: "/payout-reconciliation/run",
  operationId: "runPayoutReconciliation",
  tags,
  security,
  summary: "Reconcile payouts against the processor and queue wallet audits now",
  description:
    `Covers the ${DEFAULT_PAYOUT_RECON_LOOKBACK_DAYS} days up to now unless lookbackDays says ` +
    "otherwise. `asOf` moves the clock and is accepted only where ALLOW_CLOCK_OVERRIDE is " +
    "true (development and tests). A processor that cannot be reached gives a failed run.",
  request: {
    body: {
      required: false,
      content: {
        "application/json": {
          schema: z
            .object({
              asOf: z.iso.datetime({ offset: true }).optional(),
              lookbackDays: z.number().int().min(1).max(MAX_LOOKBACK_DAYS).optional(),
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
        status: z.enum(["completed", "failed"]),
        error: z.string().nullable(),
        from: z.string(),
        to: z.string(),
        checkedPayouts: z.number().int(),
        discrepancies: z.number().int().describe("payout discrepancies found by this run"),
        walletsQueued: z.number().int(),
      }),
    ),
    ...problemResponses,
  },
});

const runView = (r: ReconRunRow) => ({
  id: r.id,
  processorId: r.processorId,
  from: toIso(r.fromMs),
  to: toIso(r.toMs),
  status: r.status,
  checkedPayouts: r.checkedPayouts,
  walletsQueued: r.walletsQueued,
  error: r.error,
  startedAt: toIso(r.startedAtMs),
  finishedAt: toIsoOrNull(r.finishedAtMs),
});

const discrepancyView = (d: DiscrepancyRow) => ({
  runId: d.runId,
  kind: d.kind as PayoutDiscrepancyKind,
  subject: d.subject,
  detail: d.detail,
  createdAt: toIso(d.createdAtMs),
});

/**
 * `processorFor` is the configured adapter in production; tests pass a fake processor.
 */
/**
 * Operator routes for payout reconciliation; mounted under `/admin/v1`. `processorFor` is the
 * configured adapter in production; tests pass a fake processor.
 */
export function payoutReconRoutes(
  processorFor: (env: ApiContext["Bindings"]) => PayoutProcessor = payoutProcessorFor,
) {
  return featureApp()
    .openapi(runNowRoute, async (c) => {
      const body = c.req.valid("json") ?? {};
      if (body.asOf !== undefined && c.env.ALLOW_CLOCK_OVERRIDE !== "true") {
        throw new AppError("validation_failed", "asOf is only accepted in development", [
          { path: "asOf", message: "ALLOW_CLOCK_OVERRIDE is not enabled on this deployment" },
        ]);
      }
      const nowMs = body.asOf !== undefined ? Date.parse(body.asOf) : Date.now();
      const summary = await runPayoutReconciliation(c.env, processorFor(c.env), {
        nowMs,
        lookbackDays: body.lookbackDays,
      });
      return c.json(
        {
          runId: summary.runId,
          status: summary.status,
          error: summary.error,
          from: toIso(summary.fromMs),
          to: toIso(summary.toMs),
          checkedPayouts: summary.checkedPayouts,
          discrepancies: summary.discrepancies,
          walletsQueued: summary.walletsQueued,
        },
        200,
      );
    })
    .openapi(listRunsRoute, async (c) => {
      const runs = await listReconRuns(c.env.DB, c.req.valid("query").limit);
      return c.json({ items: runs.map(runView) }, 200);
    })
    .openapi(getRunRoute, async (c) => {
      const { id } = c.req.valid("param");
      const run = await reconRunById(c.env.DB, id);
      if (!run) throw new AppError("not_found", `payout reconciliation run ${id} not found`);
      const discrepancies = await discrepanciesOfRun(c.env.DB, id);
      return c.json({ ...runView(run), discrepancies: discrepancies.map(discrepancyView) }, 200);
    })
    .openapi(listDiscrepanciesRoute, async (c) => {
      const { kind, limit, before } = c.req.valid("query");
      const position = before !== undefined ? decodeDiscrepancyCursor(before) : null;
      // One extra row tells whether another page exists.
      const rows = await listDiscrepancies(
        c.env.DB,
        { kind },
        position,
        rowsToFetch(limit, MAX_PAGE_ROWS),
      );
      const page = rows.slice(0, limit);
      const last = rows.length > limit ? page.at(-1) : undefined;
      return c.json(
        {
          items: page.map(discrepancyView),
          nextCursor: last ? encodeDiscrepancyCursor(last) : null,
        },
        200,
      );
    });
}

/**
 * Mounts the payout reconciliation routes on an app under `/admin/v1`, with a processor of
 * the caller's choice (tests pass a fake).
 *
 * @example
 * registerPayoutReconAdmin(app, () => fakeProcessor);
 */
export function registerPayoutReconAdmin(
  app: { route: (path: string, sub: ReturnType<typeof payoutReconRoutes>) => unknown },
  processorFor?: (env: ApiContext["Bindings"]) => PayoutProcessor,
): void {
  app.route("/admin/v1", payoutReconRoutes(processorFor));
}

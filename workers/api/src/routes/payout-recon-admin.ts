import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { fromBase64Url, toBase64Url, utf8, utf8Decoder } from "#shared/crypto/encoding";
import { AppError } from "#shared/http/errors";
import type { PayoutProcessor } from "#shared/payouts/processor";
import type { ApiContext } from "../auth";
import { toIso, toIsoOrNull } from "../http/common-schemas";
import { jsonBody, problemResponses } from "../http/responses";
import {
  DEFAULT_PAYOUT_RECON_LOOKBACK_DAYS,
  PAYOUT_DISCREPANCY_KINDS,
  runPayoutReconciliation,
} from "../jobs/payout-reconciliation";
import { payoutProcessorFor } from "../payouts/processor-client";

const security = [{ adminKey: [] }];
const tags = ["payout reconciliation (admin)"];
const MAX_LOOKBACK_DAYS = 35;
const MAX_RUN_DISCREPANCIES = 5_000;

const RunSchema = z
  .object({
    id: z.string(),
    processorId: z.string(),
    from: z.string(),
    to: z.string(),
    status: z.enum(["running", "completed", "failed"]),
    checkedPayouts: z.number().int(),
    walletsQueued: z
      .number()
      .int()
      .describe(
        "wallet audits queued so far: the fan-out runs as a chain of page messages after the run",
      ),
    error: z.string().nullable(),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
  })
  .openapi("PayoutReconRun");

const DiscrepancySchema = z
  .object({
    runId: z.string(),
    kind: z.enum(PAYOUT_DISCREPANCY_KINDS),
    subject: z.string().describe("the payout id; the user id for wallet_buckets_mismatch"),
    detail: z.record(z.string(), z.unknown()),
    createdAt: z.string(),
  })
  .openapi("PayoutDiscrepancy");

const RunIdParamSchema = z.object({
  id: z
    .string()
    .min(1)
    .max(80)
    .openapi({ param: { name: "id", in: "path" } }),
});

const listRunsRoute = createRoute({
  method: "get",
  path: "/admin/v1/payout-reconciliation/runs",
  tags,
  security,
  summary: "Payout reconciliation runs, newest first",
  request: { query: z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) }) },
  responses: { 200: jsonBody(z.object({ items: z.array(RunSchema) })), ...problemResponses },
});

const getRunRoute = createRoute({
  method: "get",
  path: "/admin/v1/payout-reconciliation/runs/{id}",
  tags,
  security,
  summary: "One run with every discrepancy it found",
  request: { params: RunIdParamSchema },
  responses: {
    200: jsonBody(RunSchema.extend({ discrepancies: z.array(DiscrepancySchema) })),
    ...problemResponses,
  },
});

const listDiscrepanciesRoute = createRoute({
  method: "get",
  path: "/admin/v1/payout-reconciliation/discrepancies",
  tags,
  security,
  summary: "Discrepancies across runs, newest first (keyset-paginated)",
  request: {
    query: z.object({
      kind: z.enum(PAYOUT_DISCREPANCY_KINDS).optional(),
      limit: z.coerce.number().int().min(1).max(200).default(50),
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
  path: "/admin/v1/payout-reconciliation/run",
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

interface RunRow {
  id: string;
  processor_id: string;
  from_ms: number;
  to_ms: number;
  status: "running" | "completed" | "failed";
  checked_payouts: number;
  wallets_queued: number;
  error: string | null;
  started_at_ms: number;
  finished_at_ms: number | null;
}

interface DiscrepancyRow {
  run_id: string;
  kind: (typeof PAYOUT_DISCREPANCY_KINDS)[number];
  subject: string;
  detail: string;
  created_at_ms: number;
}

const runView = (r: RunRow) => ({
  id: r.id,
  processorId: r.processor_id,
  from: toIso(r.from_ms),
  to: toIso(r.to_ms),
  status: r.status,
  checkedPayouts: r.checked_payouts,
  walletsQueued: r.wallets_queued,
  error: r.error,
  startedAt: toIso(r.started_at_ms),
  finishedAt: toIsoOrNull(r.finished_at_ms),
});

const discrepancyView = (d: DiscrepancyRow) => ({
  runId: d.run_id,
  kind: d.kind,
  subject: d.subject,
  detail: JSON.parse(d.detail) as Record<string, unknown>,
  createdAt: toIso(d.created_at_ms),
});

type Position = [createdAtMs: number, runId: string, kind: string, subject: string];

/** Cursors are opaque to clients: base64url of the keyset position as JSON. */
function encodeCursor(d: DiscrepancyRow): string {
  const position: Position = [d.created_at_ms, d.run_id, d.kind, d.subject];
  return toBase64Url(utf8.encode(JSON.stringify(position)));
}

function decodeCursor(cursor: string): Position {
  let parsed: unknown = null;
  try {
    const bytes = fromBase64Url(cursor);
    parsed = bytes ? JSON.parse(utf8Decoder.decode(bytes)) : null;
  } catch {
    parsed = null;
  }
  if (
    Array.isArray(parsed) &&
    parsed.length === 4 &&
    Number.isSafeInteger(parsed[0]) &&
    parsed.slice(1).every((p) => typeof p === "string")
  ) {
    return parsed as Position;
  }
  throw new AppError("validation_failed", "invalid cursor", [
    { path: "before", message: "not a cursor this API issued" },
  ]);
}

/**
 * `processorFor` is the configured adapter in production; tests pass a fake processor.
 */
export function registerPayoutReconAdmin(
  app: OpenAPIHono<ApiContext>,
  processorFor: (env: ApiContext["Bindings"]) => PayoutProcessor = payoutProcessorFor,
): void {
  app.openapi(runNowRoute, async (c) => {
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
  });

  app.openapi(listRunsRoute, async (c) => {
    const { limit } = c.req.valid("query");
    const { results } = await c.env.DB.prepare(
      `SELECT * FROM payout_recon_runs ORDER BY started_at_ms DESC, id DESC LIMIT ?1`,
    )
      .bind(limit)
      .all<RunRow>();
    return c.json({ items: results.map(runView) }, 200);
  });

  app.openapi(getRunRoute, async (c) => {
    const { id } = c.req.valid("param");
    const run = await c.env.DB.prepare(`SELECT * FROM payout_recon_runs WHERE id = ?1`)
      .bind(id)
      .first<RunRow>();
    if (!run) throw new AppError("not_found", `payout reconciliation run ${id} not found`);
    const { results } = await c.env.DB.prepare(
      `SELECT * FROM payout_discrepancies WHERE run_id = ?1 ORDER BY kind, subject LIMIT ?2`,
    )
      .bind(id, MAX_RUN_DISCREPANCIES)
      .all<DiscrepancyRow>();
    return c.json({ ...runView(run), discrepancies: results.map(discrepancyView) }, 200);
  });

  app.openapi(listDiscrepanciesRoute, async (c) => {
    const { kind, limit, before } = c.req.valid("query");
    const position = before !== undefined ? decodeCursor(before) : null;
    const where: string[] = [];
    const params: Array<string | number> = [];
    if (kind !== undefined) {
      params.push(kind);
      where.push(`kind = ?${params.length}`);
    }
    if (position) {
      params.push(...position);
      const n = params.length;
      where.push(
        `(created_at_ms, run_id, kind, subject) < (?${n - 3}, ?${n - 2}, ?${n - 1}, ?${n})`,
      );
    }
    // One extra row tells whether another page exists.
    params.push(limit + 1);
    const { results } = await c.env.DB.prepare(
      `SELECT * FROM payout_discrepancies ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""}
       ORDER BY created_at_ms DESC, run_id DESC, kind DESC, subject DESC LIMIT ?${params.length}`,
    )
      .bind(...params)
      .all<DiscrepancyRow>();
    const page = results.slice(0, limit);
    const last = results.length > limit ? page.at(-1) : undefined;
    return c.json(
      { items: page.map(discrepancyView), nextCursor: last ? encodeCursor(last) : null },
      200,
    );
  });
}

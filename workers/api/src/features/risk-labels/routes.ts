import { createRoute, z } from "@hono/zod-openapi";
import { AppError } from "#shared/http/errors";
import { featureApp } from "../../http/feature-app";
import { ADMIN_SECURITY, jsonBody, problemResponses } from "../../http/responses";
import { createLabelsExport, findLabelsExport, listLabelsExports } from "./export";
import {
  RiskLabelExportCreatedSchema,
  RiskLabelExportIdParam,
  RiskLabelExportInputSchema,
  RiskLabelExportListQuery,
  RiskLabelExportListSchema,
} from "./schemas";

const createRoute_ = createRoute({
  method: "post",
  path: "/risk/labels/exports",
  operationId: "createRiskLabelExport",
  tags: ["fraud"],
  security: ADMIN_SECURITY,
  summary: "Export the labelled risk holds of a time range as CSV, for offline model training",
  description:
    "Decided holds with a label (fraud, not_fraud, unsure) that ended in [fromMs, toMs), " +
    "with the signals kept when they were decided, oldest first, read a page at a time and " +
    "written to the RISK_EXPORTS bucket as they are read. At most maxRows rows; `truncated` " +
    "says when more were in the range. Download it with GET /admin/v1/risk/labels/exports/{id}.",
  request: {
    body: {
      required: true,
      content: { "application/json": { schema: RiskLabelExportInputSchema } },
    },
  },
  responses: {
    201: jsonBody(RiskLabelExportCreatedSchema, "written"),
    ...problemResponses,
  },
});

const listRoute = createRoute({
  method: "get",
  path: "/risk/labels/exports",
  operationId: "listRiskLabelExports",
  tags: ["fraud"],
  security: ADMIN_SECURITY,
  summary: "The labels exports written so far, newest first",
  request: { query: RiskLabelExportListQuery },
  responses: {
    200: jsonBody(RiskLabelExportListSchema),
    ...problemResponses,
  },
});

const getRoute = createRoute({
  method: "get",
  path: "/risk/labels/exports/{id}",
  operationId: "getRiskLabelExport",
  tags: ["fraud"],
  security: ADMIN_SECURITY,
  summary: "Download one labels export (CSV, streamed from the bucket)",
  description:
    "Columns: user_id, hold_id, kind, source, rule_id, rule_version, reason_codes " +
    "(space-separated), placed_at, ended_at (ISO 8601, UTC), decided_by, label, " +
    "score_at_decision, reasons_at_decision (a JSON array of {code, score, detail}).",
  request: { params: RiskLabelExportIdParam },
  responses: {
    200: {
      description: "the CSV (RFC 4180, CRLF line ends, a header line first)",
      headers: z.object({
        "x-export-rows": z.string().describe("rows in the file, the header not counted"),
        "x-export-truncated": z.enum(["true", "false"]).describe("cut off at maxRows"),
      }),
      content: { "text/csv": { schema: z.string() } },
    },
    ...problemResponses,
  },
});

/** The labels export (docs/fraud.md "Labels export"); mounted under `/admin/v1`. */
export const riskLabelAdminRoutes = featureApp()
  .openapi(createRoute_, async (c) => {
    const { fromMs, toMs, maxRows } = c.req.valid("json");
    const written = await createLabelsExport(c.env, {
      fromMs,
      toMs,
      maxRows,
      createdBy: c.get("admin").name,
      nowMs: Date.now(),
    });
    c.get("log")?.info("risk.labels_exported", {
      exportId: written.id,
      rows: written.rows,
      bytes: written.bytes,
      truncated: written.truncated,
    });
    return c.json({ export: written }, 201);
  })
  .openapi(listRoute, async (c) => {
    const { limit, cursor } = c.req.valid("query");
    return c.json(await listLabelsExports(c.env.RISK_EXPORTS, limit, cursor ?? null), 200);
  })
  .openapi(getRoute, async (c) => {
    const { id } = c.req.valid("param");
    const described = await findLabelsExport(c.env.RISK_EXPORTS, id);
    const object = described ? await c.env.RISK_EXPORTS.get(described.key) : null;
    if (!described || !object) throw new AppError("not_found", `no labels export ${id}`);
    return new Response(object.body, {
      status: 200,
      headers: {
        "content-type": "text/csv; charset=utf-8",
        "content-length": String(object.size),
        "content-disposition": `attachment; filename="risk-labels-${id}.csv"`,
        "cache-control": "no-store",
        "x-export-rows": String(described.rows),
        "x-export-truncated": String(described.truncated),
      },
    }) as never;
  });

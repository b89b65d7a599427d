import { createRoute, z } from "@hono/zod-openapi";
import { rowsToFetch } from "#shared/paging";
import { toIso } from "../../http/common-schemas";
import { featureApp } from "../../http/feature-app";
import { ADMIN_SECURITY, jsonBody, problemResponses } from "../../http/responses";
import { decodeAuditCursor, encodeAuditCursor } from "./cursor";
import { AuditEntrySchema, AuditQuerySchema } from "./schemas";
import { type AuditRow, listAuditEntries } from "./store";

const listRoute = createRoute({
  method: "get",
  path: "/audit-log",
  operationId: "listAdminAuditLog",
  tags: ["operations"],
  security: ADMIN_SECURITY,
  summary:
    "Admin writes, newest first: who, what, when, the answer, and the resource before and after",
  description:
    "Every POST, PUT, PATCH and DELETE under /admin/ by any admin key, refused ones included. " +
    "Readable with any key (read-only scope suffices).",
  request: { query: AuditQuerySchema },
  responses: {
    200: jsonBody(
      z.object({ items: z.array(AuditEntrySchema), nextCursor: z.string().nullable() }),
    ),
    ...problemResponses,
  },
});

const entryView = (r: AuditRow) => ({
  id: r.id,
  at: toIso(r.atMs),
  actor: r.actor,
  scope: r.scope as z.infer<typeof AuditEntrySchema>["scope"],
  method: r.method,
  path: r.path,
  operationId: r.operationId,
  status: r.status,
  problem: r.problem ?? null,
  before: r.before ?? null,
  after: r.after ?? null,
  requestId: r.requestId,
});

/** GET /admin/v1/audit-log; mounted under `/admin/v1`. */
export const auditAdminRoutes = featureApp().openapi(listRoute, async (c) => {
  const q = c.req.valid("query");
  const rows = await listAuditEntries(
    c.env.DB,
    {
      actor: q.actor,
      pathPrefix: q.pathPrefix,
      sinceMs: q.since ? Date.parse(q.since) : undefined,
    },
    decodeAuditCursor(q.cursor),
    rowsToFetch(q.limit),
  );
  const items = rows.slice(0, q.limit);
  const last = items.at(-1);
  return c.json(
    {
      items: items.map(entryView),
      nextCursor: rows.length > q.limit && last ? encodeAuditCursor(last) : null,
    },
    200,
  );
});

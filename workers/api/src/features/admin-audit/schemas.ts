import { z } from "@hono/zod-openapi";
import { MAX_PAGE_ROWS } from "#shared/paging";
import { ADMIN_SCOPES } from "../../auth/admin-keys";

const Snapshot = z
  .unknown()
  .describe(
    "the resource as its admin GET showed it (secrets never included), the write's own answer when the resource has no GET, or null",
  );

export const AuditEntrySchema = z
  .object({
    id: z.string(),
    at: z.string().describe("when the write was received (ISO 8601)"),
    actor: z.string().describe("the admin key's name"),
    scope: z.enum(ADMIN_SCOPES),
    method: z.string(),
    path: z.string(),
    operationId: z.string().nullable().describe("the route's operationId in this document"),
    status: z.number().int().describe("the HTTP status the write was answered with"),
    problem: z
      .object({ code: z.string(), detail: z.string() })
      .nullable()
      .describe("for a refused write: why"),
    before: Snapshot,
    after: Snapshot,
    requestId: z.string().nullable(),
  })
  .openapi("AdminAuditEntry");

export const AuditQuerySchema = z.object({
  actor: z
    .string()
    .max(254)
    .optional()
    .describe("only writes by this admin key name or console operator e-mail"),
  pathPrefix: z
    .string()
    .startsWith("/admin/")
    .max(300)
    .optional()
    .describe("only writes to paths that start with this, e.g. /admin/v1/offers/"),
  since: z.iso.datetime({ offset: true }).optional().describe("only writes at or after this time"),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_ROWS).default(50),
  cursor: z.string().max(200).optional().describe("nextCursor of the previous page"),
});

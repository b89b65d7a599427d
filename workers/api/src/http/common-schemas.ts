import { z } from "@hono/zod-openapi";
import { SLUG_PATTERN, USER_ID_PATTERN } from "#shared/ids";
import { AmountMinorSchema } from "#shared/money/currency";

/** Schemas more than one feature uses; each feature's own schemas live in its `schemas.ts`. */

export const SlugSchema = z
  .string()
  .regex(SLUG_PATTERN, "ids are lowercase slugs: a-z, 0-9, '-' and '_', up to 63 chars")
  .describe("operator-chosen id (slug)");

export const IdParamSchema = z.object({
  id: SlugSchema.openapi({ param: { name: "id", in: "path" } }),
});

/** A user id in a path (admin routes about one user). */
export const UserIdParamSchema = z.object({
  id: z
    .string()
    .regex(USER_ID_PATTERN, "user ids are 1-64 chars of A-Z, a-z, 0-9, '_' and '-'")
    .openapi({ param: { name: "id", in: "path" } }),
});

export const IsoTimeSchema = z.iso.datetime({ offset: true }).describe("ISO 8601 timestamp");

/** RFC 9457 problem details: every error response, registered once as `Problem`. */
export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.string(),
    detail: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi("Problem");

export const PageQuerySchema = z.object({
  cursor: z.string().max(200).optional().describe("opaque cursor from the previous page"),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

export const toIso = (ms: number) => new Date(ms).toISOString();
export const toIsoOrNull = (ms: number | null) => (ms === null ? null : toIso(ms));
export { AmountMinorSchema };

import { z } from "@hono/zod-openapi";
import { toIso } from "../http/common-schemas";
import type { VersionRow } from "./save-version";

/** What the admin API of every versioned settings kind shares: its page query and views. */

/** `GET …/versions`: newest first, a page at a time below the previous page's cursor. */
export const VersionListQuerySchema = z.object({
  cursor: z
    .string()
    .regex(/^[1-9][0-9]{0,9}$/, "the nextCursor of the previous page")
    .optional()
    .describe("nextCursor of the previous page"),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

/**
 * The current version as `GET` answers it; before any save, version 0 with the defaults.
 *
 * @example
 * currentView(await currentVersion(env), DEFAULT_PROGRAM_SETTINGS)
 * // { version: 0, settings: DEFAULT_PROGRAM_SETTINGS, savedAt: null, savedBy: null, note: null }
 */
export function currentView<S>(row: VersionRow<S> | null, defaults: S) {
  return row
    ? {
        version: row.version,
        settings: row.settings,
        savedAt: toIso(row.savedAtMs),
        savedBy: row.savedBy,
        note: row.note,
      }
    : { version: 0, settings: defaults, savedAt: null, savedBy: null, note: null };
}

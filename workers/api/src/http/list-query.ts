import { z } from "@hono/zod-openapi";
import { eq, gt, type SQL, sql } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";

/**
 * Filters and keyset pages for the operator lists of things keyed by an operator-chosen id
 * (networks, merchants, offers, campaigns): `q` (a word in the name or id), `active`, and
 * `cursor` (the last id of the previous page; lists are ordered by id). Without `limit` a list
 * returns up to 500 rows as it always did, so callers written before paging see no change.
 */
export const MAX_CATALOG_PAGE_ROWS = 500;

export const CatalogListQuerySchema = z.object({
  q: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .optional()
    .describe("case-insensitive text the name (or title) or the id contains"),
  active: z
    .enum(["true", "false"])
    .optional()
    .describe("only active (true) or only inactive (false) rows"),
  cursor: z.string().max(200).optional().describe("nextCursor of the previous page"),
  limit: z.coerce.number().int().min(1).max(MAX_CATALOG_PAGE_ROWS).default(MAX_CATALOG_PAGE_ROWS),
});

export type CatalogListQuery = z.output<typeof CatalogListQuerySchema>;

/** `nextCursor` of a page: set when the store found the look-ahead row. */
export const NextCursorSchema = z
  .string()
  .nullable()
  .describe("pass as `cursor` for the next page; null on the last page");

/**
 * A LIKE condition: `column` contains `text`, case-insensitively for ASCII (SQLite's LIKE),
 * with `%`, `_` and the escape character taken literally.
 *
 * @example
 * where(containsText([offers.title, offers.id], "7.5%"))
 */
export function containsText(columns: readonly SQLiteColumn[], text: string): SQL {
  const pattern = `%${text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
  const parts = columns.map((column) => sql`${column} LIKE ${pattern} ESCAPE '\\'`);
  return sql`(${sql.join(parts, sql` OR `)})`;
}

/**
 * The page out of `rows` fetched with one look-ahead row: the items and the cursor (the last
 * shown id) when there is more.
 *
 * @example
 * const rows = await db.select()…limit(limit + 1);
 * return pageOf(rows, limit); // { items, nextCursor }
 */
export function pageOf<T extends { id: string }>(
  rows: readonly T[],
  limit: number,
): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last ? last.id : null };
}

/**
 * The conditions every such list shares: text, active, and the page after the cursor
 * (`undefined` for each filter not asked for; drizzle's `and` skips them).
 *
 * @example
 * .where(and(...catalogListConditions(query, { id: offers.id, text: [offers.title], active: offers.active })))
 */
export function catalogListConditions(
  query: CatalogListQuery,
  columns: { id: SQLiteColumn; text: readonly SQLiteColumn[]; active: SQLiteColumn },
): (SQL | undefined)[] {
  return [
    query.q === undefined ? undefined : containsText(columns.text, query.q),
    query.active === undefined ? undefined : eq(columns.active, query.active === "true"),
    query.cursor === undefined ? undefined : gt(columns.id, query.cursor),
  ];
}

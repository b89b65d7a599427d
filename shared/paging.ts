/**
 * Page bounds, named once. Lists return at most `MAX_PAGE_ROWS` rows; stores fetch one row
 * more than they show (`rowsToFetch`) to know whether another page exists.
 */
export const MAX_PAGE_ROWS = 200;
export const DEFAULT_PAGE_ROWS = 50;
/** Payout lists are smaller: each row carries its log. */
export const MAX_PAYOUT_PAGE_ROWS = 100;

/**
 * A caller's page size clamped to `1..max`, plus the look-ahead row.
 *
 * @example
 * const rows = listTxns(sql, before, rowsToFetch(limit)); // up to 201 rows
 */
export function rowsToFetch(limit: number, max = MAX_PAGE_ROWS): number {
  return Math.min(Math.max(Math.floor(limit), 1), max) + 1;
}

/**
 * The rows of a page fetched with `rowsToFetch(limit)`, and the cursor of the next page: the
 * look-ahead row only says another page exists, so the last page never links to an empty one.
 *
 * @example
 * const { rows, nextCursor } = splitPage(fetched, limit, (last) => encodeCursor([last.seq]));
 */
export function splitPage<T>(
  fetched: readonly T[],
  limit: number,
  cursorOf: (last: T) => string,
): { rows: T[]; nextCursor: string | null } {
  const rows = fetched.slice(0, limit);
  const last = fetched.length > limit ? rows.at(-1) : undefined;
  return { rows, nextCursor: last === undefined ? null : cursorOf(last) };
}

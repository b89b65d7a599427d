import { MAX_PAGE_ROWS } from "#shared/paging";

/**
 * Pure: how many rows a read returns. Callers ask for one row more than they show (to know if
 * another page exists), so the bound is the page bound plus that look-ahead row.
 *
 * @example
 * pageRows(0) // 1
 * pageRows(1_000) // 201
 */
export function pageRows(requestedRows: number, maxPageRows: number = MAX_PAGE_ROWS): number {
  return Math.min(Math.max(requestedRows, 1), maxPageRows + 1);
}

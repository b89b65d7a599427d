import { type SQL, type SQLWrapper, sql } from "drizzle-orm";

/**
 * `(a, b, …) < (x, y, …)`: the keyset condition of a page that continues after a position,
 * newest first. Written as SQLite's row-value comparison, which the query builder has no
 * operator for, so the index on those columns still serves it.
 *
 * @example
 * where(rowValueBefore([payouts.createdAtMs, payouts.id], [after.createdAtMs, after.payoutId]))
 */
export function rowValueBefore(
  columns: readonly SQLWrapper[],
  values: ReadonlyArray<string | number>,
): SQL {
  if (columns.length === 0 || columns.length !== values.length) {
    throw new Error("a keyset needs one value per column");
  }
  const left = sql.join(
    columns.map((c) => sql`${c}`),
    sql`, `,
  );
  const right = sql.join(
    values.map((v) => sql`${v}`),
    sql`, `,
  );
  return sql`(${left}) < (${right})`;
}

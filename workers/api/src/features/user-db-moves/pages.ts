import type { MovedTable } from "./tables";

/**
 * The SQL of one page of a move: rows read in key order, written to their new home in one
 * statement (the page as one JSON parameter: D1 allows 100 bound parameters, not 100 rows),
 * deleted from the old one, or looked up by key. Table and column names come from
 * MOVED_TABLES and the rows D1 returned, never from a request.
 */
export type Row = Record<string, unknown>;
export type Key = unknown[];

const q = (name: string) => `"${name.replaceAll('"', '""')}"`;
const keyList = (spec: MovedTable) => spec.key.map(q).join(", ");
const keyOf = (spec: MovedTable, row: Row): Key => spec.key.map((k) => row[k]);
const keysFromJson = (spec: MovedTable) =>
  `SELECT ${spec.key.map((_, i) => `json_extract(value, '$[${i}]')`).join(", ")} FROM json_each(?)`;

export { keyOf };

/** Up to `limit` rows after `after` in key order: whole rows, or only the key and home. */
export async function readPage(
  db: D1Database,
  spec: MovedTable,
  after: Key | null,
  limit: number,
  what: "rows" | "keys",
): Promise<Row[]> {
  const columns = what === "rows" ? "*" : [...new Set([...spec.key, spec.home])].map(q).join(", ");
  const where = after ? `WHERE (${keyList(spec)}) > (${after.map(() => "?").join(", ")})` : "";
  const { results } = await db
    .prepare(`SELECT ${columns} FROM ${q(spec.table)} ${where} ORDER BY ${keyList(spec)} LIMIT ?`)
    .bind(...(after ?? []), limit)
    .run<Row>();
  return results;
}

/**
 * Writes `rows` into `db`. `mirror` (before the count is raised: the new home is not live, so
 * the old home's row is the newest) replaces the row where the table's version rule says it is
 * newer, which before the flip is every changed row, and after it (a copy from an isolate
 * still on the old count) never an older one; a table without a version (`wholeRowMirror`)
 * is replaced whole. `live` (after: the new home takes writes) applies the table's own rule,
 * so an older copy never overwrites a newer write.
 */
export function writeStatement(
  db: D1Database,
  spec: MovedTable,
  rows: readonly Row[],
  mode: "mirror" | "live",
): D1PreparedStatement {
  const columns = Object.keys(rows[0] ?? {});
  const others = columns.filter((c) => !spec.key.includes(c));
  const setAll = others.map((c) => `${q(c)} = excluded.${q(c)}`).join(", ");
  let onConflict = "DO NOTHING";
  if (mode === "mirror" && others.length > 0) {
    const versioned = spec.newer !== null && !spec.wholeRowMirror;
    onConflict = `DO UPDATE SET ${setAll}${versioned ? ` WHERE ${spec.newer}` : ""}`;
  }
  if (mode === "live" && spec.merge) onConflict = `DO UPDATE SET ${spec.merge}`;
  else if (mode === "live" && spec.newer !== null && others.length > 0) {
    onConflict = `DO UPDATE SET ${setAll} WHERE ${spec.newer}`;
  }
  const skip = spec.skipIf && (mode === "live" || spec.skipBeforeFlip) ? spec.skipIf : null;
  return db
    .prepare(
      `INSERT INTO ${q(spec.table)} AS "t" (${columns.map(q).join(", ")})
       SELECT ${columns.map((c) => `json_extract(value, '$.${c}')`).join(", ")} FROM json_each(?)
       WHERE ${skip ? `NOT (${skip})` : "1"}
       ON CONFLICT (${keyList(spec)}) ${onConflict}`,
    )
    .bind(JSON.stringify(rows));
}

/**
 * Deletes `rows` where each is still as it was read: a row changed since (a write by an
 * isolate still on the old count) stays, so the verify finds it away from home and the next
 * sweep pass carries the newer copy instead of losing it.
 */
export function deleteStatement(
  db: D1Database,
  spec: MovedTable,
  rows: readonly Row[],
): D1PreparedStatement {
  const columns = Object.keys(rows[0] ?? {});
  const unchanged = columns
    // Qualified: json_each has its own `id`, `key`, `type` and `value` columns.
    .map((c) => `${q(spec.table)}.${q(c)} IS json_extract(r.value, '$.${c}')`)
    .join(" AND ");
  // The key list finds the rows by index; the match on every column then checks each one.
  const keys = spec.key.map((k) => `json_extract(value, '$.${k}')`).join(", ");
  return db
    .prepare(
      `DELETE FROM ${q(spec.table)}
       WHERE (${keyList(spec)}) IN (SELECT ${keys} FROM json_each(?1))
         AND EXISTS (SELECT 1 FROM json_each(?1) AS r WHERE ${unchanged})`,
    )
    .bind(JSON.stringify(rows));
}

/** How many of `keys` `db` holds. */
export async function countPresent(
  db: D1Database,
  spec: MovedTable,
  keys: readonly Key[],
): Promise<number> {
  const row = await db
    .prepare(
      `SELECT COUNT(*) AS n FROM ${q(spec.table)} WHERE (${keyList(spec)}) IN (${keysFromJson(spec)})`,
    )
    .bind(JSON.stringify(keys))
    .first<{ n: number }>();
  return row?.n ?? 0;
}

/** Every row of the table in `db`. */
export async function countRows(db: D1Database, spec: MovedTable): Promise<number> {
  const row = await db.prepare(`SELECT COUNT(*) AS n FROM ${q(spec.table)}`).first<{ n: number }>();
  return row?.n ?? 0;
}

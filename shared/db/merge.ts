/**
 * Merging what several user databases return (docs/scaling.md "D1 router"): a user's rows
 * live in one database, so grouped counts and sums of the same key add up across databases.
 */

/** Pure: rows with the same key (`keyOf`) merged, their `fields` added; first-seen order. */
export function sumBy<T extends object, K extends keyof T>(
  rows: readonly T[],
  keyOf: (row: T) => unknown[],
  fields: readonly K[],
): T[] {
  const merged = new Map<string, T>();
  for (const row of rows) {
    const key = JSON.stringify(keyOf(row));
    const seen = merged.get(key);
    if (!seen) {
      merged.set(key, { ...row });
      continue;
    }
    for (const f of fields) (seen[f] as number) = Number(seen[f]) + Number(row[f]);
  }
  return [...merged.values()];
}

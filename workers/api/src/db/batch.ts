import type { BatchItem } from "drizzle-orm/batch";
import { drizzle } from "drizzle-orm/d1";

/**
 * Runs statements built by feature stores as D1 batches of at most `perBatch` statements.
 * Each batch is one D1 transaction (`db.transaction()` does not work on D1): a group that must
 * commit together has to fit in one batch. Nothing to run, nothing sent.
 *
 * @example
 * await runInBatches(env.DB, [runCountsStatement(env.DB, run), ...plan.statements], 200);
 */
export async function runInBatches(
  db: D1Database,
  statements: readonly BatchItem<"sqlite">[],
  perBatch = Number.POSITIVE_INFINITY,
): Promise<void> {
  const orm = drizzle(db);
  const size = Math.max(1, perBatch);
  for (let i = 0; i < statements.length; i += size) {
    const [first, ...rest] = statements.slice(i, i + size);
    if (first) await orm.batch([first, ...rest]);
  }
}

/** A statement and the database it runs on (a routed table's store chooses the database). */
export interface OnDb {
  db: D1Database;
  statement: D1PreparedStatement;
}

/** Statements grouped by their database, each group in the order given. */
export function groupByDb(items: Iterable<OnDb>): Map<D1Database, D1PreparedStatement[]> {
  const groups = new Map<D1Database, D1PreparedStatement[]>();
  for (const { db, statement } of items) groups.set(db, [...(groups.get(db) ?? []), statement]);
  return groups;
}

/**
 * One D1 batch (one transaction) per database. `first` runs on `firstDb` before the others:
 * there, with that database's own group, as one batch (at one user database, everything is one
 * transaction, as before the tables were spread); then the other databases' batches together.
 */
export async function batchPerDb(
  groups: Map<D1Database, D1PreparedStatement[]>,
  firstDb?: D1Database,
  first: D1PreparedStatement[] = [],
): Promise<void> {
  const rest = new Map(groups);
  if (firstDb) {
    const together = [...first, ...(rest.get(firstDb) ?? [])];
    rest.delete(firstDb);
    if (together.length > 0) await firstDb.batch(together);
  }
  await Promise.all(
    [...rest].filter(([, list]) => list.length > 0).map(([db, list]) => db.batch(list)),
  );
}

/** Builder statements and the database they run on (a routed table's store chooses it). */
export interface RoutedWrite {
  db: D1Database;
  statements: BatchItem<"sqlite">[];
}

/** Routed writes grouped by their database, each group in the order given. */
export function writesByDb(writes: Iterable<RoutedWrite>): Map<D1Database, BatchItem<"sqlite">[]> {
  const groups = new Map<D1Database, BatchItem<"sqlite">[]>();
  for (const { db, statements } of writes) {
    groups.set(db, [...(groups.get(db) ?? []), ...statements]);
  }
  return groups;
}

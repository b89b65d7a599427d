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

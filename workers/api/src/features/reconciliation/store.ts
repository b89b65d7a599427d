import { asc, desc, eq } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { drizzle } from "drizzle-orm/d1";
import { reconciliationItems, reconciliationRuns } from "#shared/db/schema";
import { runInBatches } from "../../db/batch";

/** Report reconciliation in D1: each run and every order it found that did not simply match. */

/** D1 batches are transactions; each one is kept to this many statements. */
const STATEMENTS_PER_BATCH = 500;
const MAX_RUN_ITEMS = 5_000;

export type RunRow = typeof reconciliationRuns.$inferSelect;

export async function startRun(
  db: D1Database,
  run: { id: string; networkId: string; fromMs: number; toMs: number; startedAtMs: number },
): Promise<void> {
  await drizzle(db)
    .insert(reconciliationRuns)
    .values({ ...run, status: "running", counts: {} });
}

/**
 * Records the run's items and outcome, with the statements the run produced for other
 * features (untrusted transactions) first, in bounded batches.
 */
export async function finishRun(
  db: D1Database,
  runId: string,
  outcome: {
    status: "completed" | "failed";
    counts: Record<string, number>;
    error: string | null;
    finishedAtMs: number;
  },
  items: ReadonlyArray<{
    orderId: string;
    transactionId: string;
    outcome: string;
    detail: string | null;
  }>,
  before: readonly BatchItem<"sqlite">[],
): Promise<void> {
  const orm = drizzle(db);
  const statements: BatchItem<"sqlite">[] = [
    ...before,
    ...items.map((item) =>
      orm
        .insert(reconciliationItems)
        .values({ runId, ...item })
        .onConflictDoUpdate({
          target: [reconciliationItems.runId, reconciliationItems.orderId],
          set: { outcome: item.outcome, detail: item.detail },
        }),
    ),
    orm.update(reconciliationRuns).set(outcome).where(eq(reconciliationRuns.id, runId)),
  ];
  await runInBatches(db, statements, STATEMENTS_PER_BATCH);
}

/** Runs, newest first, optionally of one network. */
export async function listRuns(
  db: D1Database,
  filter: { networkId?: string | undefined; limit: number },
): Promise<RunRow[]> {
  return drizzle(db)
    .select()
    .from(reconciliationRuns)
    .where(
      filter.networkId === undefined
        ? undefined
        : eq(reconciliationRuns.networkId, filter.networkId),
    )
    .orderBy(desc(reconciliationRuns.startedAtMs))
    .limit(filter.limit);
}

export async function runById(db: D1Database, id: string): Promise<RunRow | null> {
  const row = (
    await drizzle(db)
      .select()
      .from(reconciliationRuns)
      .where(eq(reconciliationRuns.id, id))
      .limit(1)
  )[0];
  return row ?? null;
}

export async function itemsOfRun(db: D1Database, runId: string) {
  return drizzle(db)
    .select({
      orderId: reconciliationItems.orderId,
      transactionId: reconciliationItems.transactionId,
      outcome: reconciliationItems.outcome,
      detail: reconciliationItems.detail,
    })
    .from(reconciliationItems)
    .where(eq(reconciliationItems.runId, runId))
    .orderBy(asc(reconciliationItems.outcome), asc(reconciliationItems.orderId))
    .limit(MAX_RUN_ITEMS);
}

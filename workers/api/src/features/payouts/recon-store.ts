import { and, asc, desc, eq, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { drizzle } from "drizzle-orm/d1";
import { payoutDiscrepancies, payoutReconRuns } from "#shared/db/schema";
import { rowValueBefore } from "../../db/keyset";

/** Payout reconciliation in D1: its runs and the discrepancies each found. */

const MAX_RUN_DISCREPANCIES = 5_000;

export type ReconRunRow = typeof payoutReconRuns.$inferSelect;
export type DiscrepancyRow = typeof payoutDiscrepancies.$inferSelect;
export interface DiscrepancyInput {
  kind: string;
  subject: string;
  detail: Record<string, unknown>;
}
/** A position in the discrepancy listing: (createdAtMs, runId, kind, subject). */
export type DiscrepancyPosition = [
  createdAtMs: number,
  runId: string,
  kind: string,
  subject: string,
];

export async function startReconRun(
  db: D1Database,
  run: { id: string; processorId: string; fromMs: number; toMs: number; startedAtMs: number },
): Promise<void> {
  await drizzle(db)
    .insert(payoutReconRuns)
    .values({ ...run, status: "running" });
}

export async function finishReconRun(
  db: D1Database,
  runId: string,
  outcome: {
    status: "completed" | "failed";
    checkedPayouts: number;
    error: string | null;
    finishedAtMs: number;
  },
): Promise<void> {
  await drizzle(db).update(payoutReconRuns).set(outcome).where(eq(payoutReconRuns.id, runId));
}

/** One discrepancy row; a repeat of the same (run, kind, subject) is ignored. */
export function discrepancyStatement(
  db: D1Database,
  runId: string,
  d: DiscrepancyInput,
  nowMs: number,
): BatchItem<"sqlite"> {
  return drizzle(db)
    .insert(payoutDiscrepancies)
    .values({ runId, kind: d.kind, subject: d.subject, detail: d.detail, createdAtMs: nowMs })
    .onConflictDoNothing();
}

export async function listReconRuns(db: D1Database, limit: number): Promise<ReconRunRow[]> {
  return drizzle(db)
    .select()
    .from(payoutReconRuns)
    .orderBy(desc(payoutReconRuns.startedAtMs), desc(payoutReconRuns.id))
    .limit(limit);
}

export async function reconRunById(db: D1Database, id: string): Promise<ReconRunRow | null> {
  const row = (
    await drizzle(db).select().from(payoutReconRuns).where(eq(payoutReconRuns.id, id)).limit(1)
  )[0];
  return row ?? null;
}

export async function discrepanciesOfRun(db: D1Database, runId: string): Promise<DiscrepancyRow[]> {
  return drizzle(db)
    .select()
    .from(payoutDiscrepancies)
    .where(eq(payoutDiscrepancies.runId, runId))
    .orderBy(asc(payoutDiscrepancies.kind), asc(payoutDiscrepancies.subject))
    .limit(MAX_RUN_DISCREPANCIES);
}

/** Discrepancies across runs, newest first, before a position (one page incl. look-ahead). */
export async function listDiscrepancies(
  db: D1Database,
  filter: { kind?: string | undefined },
  before: DiscrepancyPosition | null,
  rows: number,
): Promise<DiscrepancyRow[]> {
  const d = payoutDiscrepancies;
  return drizzle(db)
    .select()
    .from(d)
    .where(
      and(
        filter.kind === undefined ? undefined : eq(d.kind, filter.kind),
        before ? rowValueBefore([d.createdAtMs, d.runId, d.kind, d.subject], before) : undefined,
      ),
    )
    .orderBy(desc(d.createdAtMs), desc(d.runId), desc(d.kind), desc(d.subject))
    .limit(rows);
}

// ---- the wallet-audit fan-out cursor ---------------------------------------------------------

/** Marks the fan-out as started: the first page is the one after "". */
export async function openAuditCursor(db: D1Database, runId: string): Promise<void> {
  await drizzle(db)
    .update(payoutReconRuns)
    .set({ auditCursor: "" })
    .where(eq(payoutReconRuns.id, runId));
}

export async function auditCursorOf(
  db: D1Database,
  runId: string,
): Promise<{ auditCursor: string | null; auditPageStart: string | null } | null> {
  const row = (
    await drizzle(db)
      .select({
        auditCursor: payoutReconRuns.auditCursor,
        auditPageStart: payoutReconRuns.auditPageStart,
      })
      .from(payoutReconRuns)
      .where(eq(payoutReconRuns.id, runId))
      .limit(1)
  )[0];
  return row ?? null;
}

/**
 * Moves the cursor from `from` to `to` if it is still at `from`, counting `queued` wallets.
 * Returns whether this call moved it (a duplicate page message does not).
 */
export async function claimAuditPage(
  db: D1Database,
  runId: string,
  move: { from: string; to: string; queued: number },
): Promise<boolean> {
  const result = await drizzle(db)
    .update(payoutReconRuns)
    .set({
      auditCursor: move.to,
      auditPageStart: move.from,
      // An increment in place: the builder sets values, not expressions of the old one.
      walletsQueued: sql`${payoutReconRuns.walletsQueued} + ${move.queued}`,
    })
    .where(and(eq(payoutReconRuns.id, runId), eq(payoutReconRuns.auditCursor, move.from)))
    .run();
  return result.meta.changes > 0;
}

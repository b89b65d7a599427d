import { desc, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { syncRuns } from "#shared/db/schema";
import type { ApiEnv } from "#shared/env";
import { networkHealthRow, type SyncCounts } from "../catalog/index";
import { type BreakerState, CLOSED_BREAKER } from "./circuit-breaker";

/**
 * Sync runs in D1, and the network's breaker read through the catalog (which owns the health
 * row because it decides offer visibility): rows to and from the job's types.
 */

export type SyncTrigger = "cron" | "admin";

export interface SyncRun {
  id: string;
  networkId: string;
  trigger: SyncTrigger;
  /** The run was the breaker's half-open probe (or an operator's run while it was open). */
  probe: boolean;
  status: "running" | "succeeded" | "failed";
  offers: SyncCounts;
  merchants: SyncCounts;
  /** Offer changes held for review (rates above the network's `maxFeedRateBps`). */
  offersHeld: number;
  /** The breaker after the run; null while running. */
  breakerState: "closed" | "open" | null;
  error: string | null;
  startedAtMs: number;
  finishedAtMs: number | null;
}

export interface NetworkHealthRecord {
  networkId: string;
  breaker: BreakerState;
  lastSuccessAtMs: number | null;
  lastFailureAtMs: number | null;
  lastError: string | null;
}

/** The stored breaker of a network; a network that never synced is closed. */
export async function readNetworkHealth(
  db: D1Database,
  networkId: string,
): Promise<NetworkHealthRecord> {
  const row = await networkHealthRow(db, networkId);
  if (!row) {
    return {
      networkId,
      breaker: CLOSED_BREAKER,
      lastSuccessAtMs: null,
      lastFailureAtMs: null,
      lastError: null,
    };
  }
  return {
    networkId,
    breaker: {
      state: row.state,
      consecutiveFailures: row.consecutiveFailures,
      cooldownMs: row.cooldownMs,
      openedAtMs: row.openedAtMs,
      retryAtMs: row.retryAtMs,
    },
    lastSuccessAtMs: row.lastSuccessAtMs,
    lastFailureAtMs: row.lastFailureAtMs,
    lastError: row.lastError,
  };
}

/** Sync runs, newest first, optionally of one network. */
export async function listSyncRuns(
  env: ApiEnv,
  filter: { networkId?: string | undefined; limit: number },
): Promise<SyncRun[]> {
  const db = drizzle(env.DB);
  const rows = await db
    .select()
    .from(syncRuns)
    .where(filter.networkId === undefined ? undefined : eq(syncRuns.networkId, filter.networkId))
    .orderBy(desc(syncRuns.startedAtMs), desc(syncRuns.id))
    .limit(filter.limit);
  return rows.map(runFromRow);
}

export async function lastRun(env: ApiEnv, networkId: string): Promise<{ status: string } | null> {
  const row = (
    await drizzle(env.DB)
      .select({ status: syncRuns.status })
      .from(syncRuns)
      .where(eq(syncRuns.networkId, networkId))
      .orderBy(desc(syncRuns.startedAtMs), desc(syncRuns.id))
      .limit(1)
  )[0];
  return row ?? null;
}

export async function startRun(env: ApiEnv, run: SyncRun): Promise<void> {
  await drizzle(env.DB).insert(syncRuns).values(runRow(run));
}

export async function finishRun(env: ApiEnv, run: SyncRun): Promise<void> {
  await finishRunStatement(env.DB, run);
}

/** The run's final row, to run alone or in a batch with the breaker it leaves behind. */
export function finishRunStatement(db: D1Database, run: SyncRun) {
  return drizzle(db).update(syncRuns).set(runRow(run)).where(eq(syncRuns.id, run.id));
}

/** The run's counts, written in the same batch as the first catalog changes. */
export function runCountsStatement(db: D1Database, run: SyncRun) {
  return drizzle(db).update(syncRuns).set(countColumns(run)).where(eq(syncRuns.id, run.id));
}

export function healthRow(
  networkId: string,
  breaker: BreakerState,
  history: Pick<NetworkHealthRecord, "lastSuccessAtMs" | "lastFailureAtMs" | "lastError">,
  nowMs: number,
) {
  return {
    networkId,
    state: breaker.state,
    consecutiveFailures: breaker.consecutiveFailures,
    cooldownMs: breaker.cooldownMs,
    openedAtMs: breaker.openedAtMs,
    retryAtMs: breaker.retryAtMs,
    lastSuccessAtMs: history.lastSuccessAtMs,
    lastFailureAtMs: history.lastFailureAtMs,
    lastError: history.lastError,
    updatedAtMs: nowMs,
  };
}

export function countColumns(run: SyncRun) {
  return {
    offersCreated: run.offers.created,
    offersUpdated: run.offers.updated,
    offersDeactivated: run.offers.deactivated,
    offersUnchanged: run.offers.unchanged,
    merchantsCreated: run.merchants.created,
    merchantsUpdated: run.merchants.updated,
    merchantsDeactivated: run.merchants.deactivated,
    merchantsUnchanged: run.merchants.unchanged,
    offersHeld: run.offersHeld,
  };
}

export function runRow(run: SyncRun): typeof syncRuns.$inferInsert {
  return {
    id: run.id,
    networkId: run.networkId,
    trigger: run.trigger,
    probe: run.probe,
    status: run.status,
    ...countColumns(run),
    breakerState: run.breakerState,
    error: run.error,
    startedAtMs: run.startedAtMs,
    finishedAtMs: run.finishedAtMs,
  };
}

function runFromRow(row: typeof syncRuns.$inferSelect): SyncRun {
  return {
    id: row.id,
    networkId: row.networkId,
    trigger: row.trigger,
    probe: row.probe,
    status: row.status,
    offers: {
      created: row.offersCreated,
      updated: row.offersUpdated,
      deactivated: row.offersDeactivated,
      unchanged: row.offersUnchanged,
    },
    merchants: {
      created: row.merchantsCreated,
      updated: row.merchantsUpdated,
      deactivated: row.merchantsDeactivated,
      unchanged: row.merchantsUnchanged,
    },
    offersHeld: row.offersHeld,
    breakerState: row.breakerState,
    error: row.error,
    startedAtMs: row.startedAtMs,
    finishedAtMs: row.finishedAtMs,
  };
}

import { loadNetworkReportConfig } from "#shared/config/config-store";
import { networkSettingsOf } from "#shared/config/offer-config";
import type { ApiEnv } from "#shared/env";
import type { Observation } from "#shared/fraud/risk-contract";
import { newId, transactionIdFor } from "#shared/ids";
import { adapterFor } from "#shared/networks/registry";
import type { NetworkAdapter, NetworkSettings, ReportFetch } from "#shared/networks/types";
import { createLogger, errorFields } from "#shared/observability/logger";
import { MS_PER_DAY } from "#shared/time/clock";
import { type RoutedWrite, runInBatches, writesByDb } from "../../db/batch";
import { activeNetworks } from "../catalog/index";
import { applyNormalizedConversion, ownersOfOrders } from "../conversions/index";
import { reportOrKeepObservations } from "../fraud/index";
import { networkTransactionsIn, transactionsByIds } from "../ledger/index";
import {
  classify,
  describe,
  emptyCounts,
  type OutcomeCounts,
  type ReconciliationOutcome,
  sameAsProjection,
  UNEXPLAINED,
} from "./decide";
import { hasReportApi } from "./report-source";
import { finishRun, startRun } from "./store";

export { type ReconciliationOutcome, UNEXPLAINED } from "./decide";

const log = createLogger({ worker: "api", feature: "reconciliation" });

/** Bounds: pages per run, transactions scanned for ones the network does not list. */
const MAX_PAGES = 200;
const MAX_UNKNOWN_SCAN = 5_000;

export interface ReconciliationItem {
  orderId: string;
  transactionId: string;
  outcome: ReconciliationOutcome;
  detail: string | null;
}

export interface ReconciliationSummary {
  runId: string;
  networkId: string;
  fromMs: number;
  toMs: number;
  counts: OutcomeCounts;
  unexplained: number;
  items: ReconciliationItem[];
}

/**
 * Matches a network's conversions report against our transactions for [fromMs, toMs):
 * a sale the network reports but never posted back is created (marked as found by
 * reconciliation), a status or amount difference is applied through the same wallet path as
 * a postback (newest-wins, so a report older than what we hold is flagged, not applied), and
 * a transaction the network does not report is flagged. The run and every non-matching order
 * are kept in D1 and readable through the admin API.
 *
 * Pass `toMs` = now: reports filtered by update time then still contain every order placed in
 * the range, so nothing is flagged as unknown just because it last changed earlier.
 */
export async function reconcileNetwork(
  env: ApiEnv,
  input: {
    adapter: NetworkAdapter;
    settings: NetworkSettings;
    fetcher: ReportFetch;
    fromMs: number;
    toMs: number;
    nowMs?: number;
  },
): Promise<ReconciliationSummary> {
  const nowMs = input.nowMs ?? Date.now();
  const networkId = input.settings.networkId;
  const runId = newId("run", nowMs);
  const counts = emptyCounts();
  const items: ReconciliationItem[] = [];
  const untrusted: RoutedWrite[] = [];
  const seen = new Set<string>();
  await startRun(env.DB, {
    id: runId,
    networkId,
    fromMs: input.fromMs,
    toMs: input.toMs,
    startedAtMs: nowMs,
  });

  try {
    let cursor: string | null = null;
    for (let page = 0; page < MAX_PAGES; page++) {
      const result = await input.adapter.fetchReportPage(
        input.fetcher,
        input.settings,
        { fromMs: input.fromMs, toMs: input.toMs },
        cursor,
      );
      for (const bad of result.rejected ?? []) {
        counts.unparseable++;
        items.push({
          orderId: bad.orderId ?? `#${page}:${bad.index}`,
          transactionId: "",
          outcome: "unparseable",
          detail: bad.reason,
        });
      }
      const ids = await Promise.all(
        result.conversions.map((c) => transactionIdFor(networkId, c.orderId)),
      );
      // A transaction lives in its owner's database: the owners come from the order claims.
      const owners = await ownersOfOrders(
        env.DB,
        networkId,
        result.conversions.map((c) => c.orderId),
      );
      const ownerOfTxn = new Map(
        result.conversions.map((c, i) => [ids[i] as string, owners.get(c.orderId)]),
      );
      const projected = await transactionsByIds(env, ids, (id) => ownerOfTxn.get(id));
      const observations: Observation[] = [];
      for (const [i, conversion] of result.conversions.entries()) {
        const txnId = ids[i] as string;
        seen.add(txnId);
        counts.reported++;
        const row = projected.get(txnId);
        if (row && sameAsProjection(row, conversion)) {
          counts[row.status === "rejected" ? "rejected" : "matched"]++;
          continue;
        }
        const applied = await applyNormalizedConversion(env, networkId, conversion, {
          sourceId: `recon:${runId}`,
          source: "reconciliation",
          receivedAtMs: nowMs,
        });
        const outcome = classify(applied);
        counts[outcome]++;
        if (applied.kind !== "wallet") untrusted.push(applied.write);
        else if (applied.observation) observations.push(applied.observation);
        if (outcome !== "matched") {
          items.push({
            orderId: conversion.orderId,
            transactionId: txnId,
            outcome,
            detail: describe(row, conversion, applied.reason),
          });
        }
      }
      // The page's conversions, reported for scoring in one send (best-effort, docs/fraud.md
      // "Fail-safe"); a run that fails is run again, the wallet answering `duplicate`.
      await reportOrKeepObservations(env, observations, Date.now());
      cursor = result.nextCursor;
      if (!cursor) break;
    }

    const ours = await networkTransactionsIn(
      env,
      networkId,
      { fromMs: input.fromMs, toMs: input.toMs },
      MAX_UNKNOWN_SCAN,
    );
    for (const txn of ours) {
      if (seen.has(txn.id)) continue;
      counts.unknown_to_network++;
      items.push({
        orderId: txn.orderId,
        transactionId: txn.id,
        outcome: "unknown_to_network",
        detail: `we hold it as ${txn.status}; the network's report does not list it`,
      });
    }
    await finish(env, runId, "completed", counts, items, untrusted, null);
  } catch (error) {
    await finish(env, runId, "failed", counts, items, untrusted, String(error));
    throw error;
  }
  return {
    runId,
    networkId,
    fromMs: input.fromMs,
    toMs: input.toMs,
    counts,
    unexplained: items.filter((i) => UNEXPLAINED.has(i.outcome)).length,
    items,
  };
}

async function finish(
  env: ApiEnv,
  runId: string,
  status: "completed" | "failed",
  counts: ReconciliationSummary["counts"],
  items: ReconciliationItem[],
  untrusted: readonly RoutedWrite[],
  error: string | null,
): Promise<void> {
  // The rejected records the run made: a claimant's on its user database, committed before
  // the run is recorded finished; the ones without a user join the run's own batches.
  const perDb = writesByDb(untrusted);
  const global = perDb.get(env.DB) ?? [];
  perDb.delete(env.DB);
  await Promise.all([...perDb].map(([db, statements]) => runInBatches(db, statements)));
  await finishRun(
    env.DB,
    runId,
    { status, counts, error, finishedAtMs: Date.now() },
    items,
    global,
  );
}

/** How far back a scheduled reconciliation looks: the attribution window plus a margin. */
export const RECONCILE_LOOKBACK_DAYS = 35;
const MAX_NETWORKS_PER_RUN = 100;

/**
 * Loads a network's adapter and settings (report API token included, from D1); null when the
 * network is missing, inactive, or has no report API configured for its format
 * (report-source.ts).
 */
export async function reportSourceOf(
  env: ApiEnv,
  networkId: string,
): Promise<{ adapter: NetworkAdapter; settings: NetworkSettings } | null> {
  const network = await loadNetworkReportConfig(env.DB, networkId);
  if (!network?.active) return null;
  const adapter = adapterFor(network.postbackFormat);
  const settings = networkSettingsOf(network);
  if (!adapter || !hasReportApi(network.postbackFormat, settings)) return null;
  return { adapter, settings };
}

/** The daily cron: every active network with a report API, over the lookback window. */
export async function runScheduledReconciliations(
  env: ApiEnv,
  fetcher: ReportFetch,
  nowMs: number,
): Promise<{ networks: number; unexplained: number; failed: number }> {
  const networks = await activeNetworks(env, MAX_NETWORKS_PER_RUN);
  const report = { networks: 0, unexplained: 0, failed: 0 };
  for (const { id } of networks) {
    const source = await reportSourceOf(env, id);
    if (!source) continue;
    report.networks++;
    try {
      const summary = await reconcileNetwork(env, {
        ...source,
        fetcher,
        fromMs: nowMs - RECONCILE_LOOKBACK_DAYS * MS_PER_DAY,
        toMs: nowMs,
        nowMs,
      });
      report.unexplained += summary.unexplained;
    } catch (error) {
      report.failed++;
      log.error("reconciliation.network_failed", { networkId: id, ...errorFields(error) });
    }
  }
  return report;
}

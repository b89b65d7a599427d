import { loadNetworkConfig } from "#shared/config/config-store";
import type { ApiEnv } from "#shared/env";
import { newId, transactionIdFor } from "#shared/ids";
import { adapterFor } from "#shared/networks/registry";
import type {
  NetworkAdapter,
  NetworkSettings,
  NormalizedConversion,
  ReportFetch,
} from "#shared/networks/types";
import { MS_PER_DAY } from "#shared/time/clock";
import { applyNormalizedConversion } from "../conversions/apply-conversion";

/** Bounds: pages per run, ids per D1 lookup (100 bound parameters), flagged rows kept. */
const MAX_PAGES = 200;
const LOOKUP_CHUNK = 90;
const MAX_UNKNOWN_SCAN = 5_000;

export type ReconciliationOutcome =
  | "matched"
  | "created"
  | "updated"
  | "rejected"
  | "untrusted"
  | "report_behind"
  | "ignored"
  | "waiting_for_click"
  | "unparseable"
  | "unknown_to_network";

/** Outcomes that need a person: everything else is explained by the run itself. */
export const UNEXPLAINED: ReadonlySet<ReconciliationOutcome> = new Set([
  "report_behind",
  "ignored",
  "unparseable",
  "unknown_to_network",
]);

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
  counts: Record<ReconciliationOutcome | "reported", number>;
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
  const untrusted: D1PreparedStatement[] = [];
  const seen = new Set<string>();
  await env.DB.prepare(
    `INSERT INTO reconciliation_runs (id, network_id, from_ms, to_ms, status, counts, started_at_ms)
     VALUES (?1, ?2, ?3, ?4, 'running', '{}', ?5)`,
  )
    .bind(runId, networkId, input.fromMs, input.toMs, nowMs)
    .run();

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
      const projected = await projections(env, ids);
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
        if (applied.kind === "untrusted") untrusted.push(applied.statement);
        if (outcome !== "matched") {
          items.push({
            orderId: conversion.orderId,
            transactionId: txnId,
            outcome,
            detail: describe(row, conversion, applied.reason),
          });
        }
      }
      cursor = result.nextCursor;
      if (!cursor) break;
    }

    const { results: ours } = await env.DB.prepare(
      `SELECT id, order_id, status FROM transactions
       WHERE network_id = ?1 AND converted_at_ms >= ?2 AND converted_at_ms < ?3
         AND status != 'rejected'
       LIMIT ?4`,
    )
      .bind(networkId, input.fromMs, input.toMs, MAX_UNKNOWN_SCAN)
      .all<{ id: string; order_id: string; status: string }>();
    for (const txn of ours) {
      if (seen.has(txn.id)) continue;
      counts.unknown_to_network++;
      items.push({
        orderId: txn.order_id,
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

function emptyCounts(): ReconciliationSummary["counts"] {
  return {
    reported: 0,
    matched: 0,
    created: 0,
    updated: 0,
    rejected: 0,
    untrusted: 0,
    report_behind: 0,
    ignored: 0,
    waiting_for_click: 0,
    unparseable: 0,
    unknown_to_network: 0,
  };
}

interface Projection {
  status: string;
  /** Null for a transaction recorded without a trustworthy user (bad or missing sub-ID). */
  user_id: string | null;
  reject_reason: string | null;
  sale_amount_minor: number;
  commission_minor: number;
}

async function projections(env: ApiEnv, ids: string[]): Promise<Map<string, Projection>> {
  const found = new Map<string, Projection>();
  for (let i = 0; i < ids.length; i += LOOKUP_CHUNK) {
    const chunk = ids.slice(i, i + LOOKUP_CHUNK);
    const { results } = await env.DB.prepare(
      `SELECT id, status, sale_amount_minor, commission_minor, user_id, reject_reason FROM transactions
       WHERE id IN (${chunk.map(() => "?").join(",")})`,
    )
      .bind(...chunk)
      .all<Projection & { id: string }>();
    for (const row of results) found.set(row.id, row);
  }
  return found;
}

/**
 * The network's state and ours agree. "pending" at the network also agrees with our
 * "confirmed": the return window may close before the network approves.
 */
function sameAsProjection(row: Projection, c: NormalizedConversion): boolean {
  // A wallet's rejection is final, except two: a row with no user was never judged by a
  // wallet (the report may carry the sub-ID the postback lacked), and a missing click may have
  // arrived since. Both go through the wallet path again.
  if (row.status === "rejected")
    return row.user_id !== null && row.reject_reason !== "click_not_found";
  const statusAgrees =
    (c.status === "cancelled" && row.status === "cancelled") ||
    (c.status === "approved" && row.status === "confirmed") ||
    (c.status === "pending" && (row.status === "pending" || row.status === "confirmed"));
  return (
    statusAgrees &&
    row.sale_amount_minor === c.saleAmountMinor &&
    row.commission_minor === c.commissionMinor
  );
}

function classify(
  applied: Awaited<ReturnType<typeof applyNormalizedConversion>>,
): ReconciliationOutcome {
  if (applied.kind === "untrusted") return "untrusted";
  switch (applied.outcome) {
    case "created":
      return "created";
    case "updated":
      return "updated";
    case "duplicate":
      // The wallet already holds this state; the projection had not caught up yet.
      return "matched";
    case "stale":
      return "report_behind";
    case "rejected":
      return "rejected";
    case "ignored":
      return "ignored";
    case "retry_later":
      return "waiting_for_click";
  }
}

function describe(row: Projection | undefined, c: NormalizedConversion, reason: string | null) {
  const theirs = `${c.status} ${c.saleAmountMinor}/${c.commissionMinor} ${c.currency}`;
  const ours = row ? `${row.status} ${row.sale_amount_minor}/${row.commission_minor}` : "none";
  return `network: ${theirs}; ours before: ${ours}${reason ? `; ${reason}` : ""}`;
}

async function finish(
  env: ApiEnv,
  runId: string,
  status: "completed" | "failed",
  counts: ReconciliationSummary["counts"],
  items: ReconciliationItem[],
  untrusted: D1PreparedStatement[],
  error: string | null,
): Promise<void> {
  const statements = [
    ...untrusted,
    ...items.map((item) =>
      env.DB.prepare(
        `INSERT INTO reconciliation_items (run_id, order_id, transaction_id, outcome, detail)
         VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (run_id, order_id) DO UPDATE SET
           outcome = excluded.outcome, detail = excluded.detail`,
      ).bind(runId, item.orderId, item.transactionId, item.outcome, item.detail),
    ),
    env.DB.prepare(
      `UPDATE reconciliation_runs SET status = ?2, counts = ?3, error = ?4, finished_at_ms = ?5
       WHERE id = ?1`,
    ).bind(runId, status, JSON.stringify(counts), error, Date.now()),
  ];
  // D1 batches are transactions; keep each one a bounded size.
  for (let i = 0; i < statements.length; i += 500) {
    await env.DB.batch(statements.slice(i, i + 500));
  }
}

/** How far back a scheduled reconciliation looks: the attribution window plus a margin. */
export const RECONCILE_LOOKBACK_DAYS = 35;
const MAX_NETWORKS_PER_RUN = 100;

/** Loads a network's adapter and settings; null when it has no report API configured. */
export async function reportSourceOf(
  env: ApiEnv,
  networkId: string,
): Promise<{ adapter: NetworkAdapter; settings: NetworkSettings } | null> {
  const network = await loadNetworkConfig(env.DB, networkId);
  if (!network?.active) return null;
  const adapter = adapterFor(network.postbackFormat);
  if (!adapter || typeof network.options.reportUrl !== "string") return null;
  return {
    adapter,
    settings: { networkId, postbackSecret: network.postbackSecret, options: network.options },
  };
}

/** The daily cron: every active network with a report API, over the lookback window. */
export async function runScheduledReconciliations(
  env: ApiEnv,
  fetcher: ReportFetch,
  nowMs: number,
): Promise<{ networks: number; unexplained: number; failed: number }> {
  const { results } = await env.DB.prepare(
    `SELECT id FROM networks WHERE active = 1 ORDER BY id LIMIT ?1`,
  )
    .bind(MAX_NETWORKS_PER_RUN)
    .all<{ id: string }>();
  const report = { networks: 0, unexplained: 0, failed: 0 };
  for (const { id } of results) {
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
      console.error("reconciliation failed", { networkId: id, error: String(error) });
    }
  }
  return report;
}

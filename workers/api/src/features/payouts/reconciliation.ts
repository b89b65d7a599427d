import type { DbRouterEnv } from "#shared/db/router";
import type { ApiEnv } from "#shared/env";
import { newId } from "#shared/ids";
import type { PayoutProcessor, ProcessorPayout, ReportResult } from "#shared/payouts/processor";
import { MS_PER_DAY } from "#shared/time/clock";
import { runInBatches } from "../../db/batch";
import { toIso } from "../../http/common-schemas";
import { startWalletAudits } from "./audit-fanout";
import {
  judge,
  MUST_BE_AT_PROCESSOR,
  missing,
  type PayoutDiscrepancy,
  theirView,
} from "./recon-compare";
import { discrepancyStatement, finishReconRun, startReconRun } from "./recon-store";
import { payoutsByIds, payoutsChangedIn, payoutsStillSince, type ReconPayout } from "./store";

export {
  compareStatuses,
  PAYOUT_DISCREPANCY_KINDS,
  type PayoutDiscrepancyKind,
} from "./recon-compare";

/**
 * The daily payout reconciliation (docs/payouts.md): the processor's report of the last few
 * days against our payouts, then one audit per wallet (buckets against the ledger) fanned
 * out to the WALLET_AUDITS queue. Every difference is kept in D1 `payout_discrepancies` for
 * an operator; nothing is changed automatically, because each kind needs a person to decide
 * which side is right before money moves.
 */

export const DEFAULT_PAYOUT_RECON_LOOKBACK_DAYS = 3;
/**
 * A payout on its way to the processor (queued, submitting, retrying) that has not moved for
 * this long has lost its dispatch message: its money is reserved with nothing to send it.
 */
const STALE_IN_FLIGHT_MS = 6 * 3_600_000;
const MAX_STALE_REPORTED = 1_000;
/** A payout changed more recently than this may be waiting for a webhook: not judged yet. */
const PAYOUT_SETTLE_MS = 3_600_000;
/** Rows per keyset page of our payouts in the window, per user database. */
const OURS_PAGE = 1_000;
/** D1 statements per batch (each batch is one transaction; keep it bounded). */
const WRITE_BATCH = 100;
/** Payouts absent from the report are looked up one by one, up to this many per run. */
const MAX_LOOKUPS = 100;
const LOOKUP_CONCURRENCY = 10;

export interface PayoutReconSummary {
  runId: string;
  fromMs: number;
  toMs: number;
  status: "completed" | "failed";
  error: string | null;
  /** Distinct payouts compared: ours in the window plus every one the report named. */
  checkedPayouts: number;
  /** Payout discrepancies this run recorded (wallet audits add theirs as they run). */
  discrepancies: number;
  walletsQueued: number;
}

export async function runPayoutReconciliation(
  env: Pick<ApiEnv, "DB" | "WALLET_AUDITS"> & DbRouterEnv,
  processor: PayoutProcessor,
  opts: { nowMs: number; lookbackDays?: number },
): Promise<PayoutReconSummary> {
  const lookbackDays = opts.lookbackDays ?? DEFAULT_PAYOUT_RECON_LOOKBACK_DAYS;
  const toMs = opts.nowMs;
  const fromMs = toMs - lookbackDays * MS_PER_DAY;
  const runId = newId("run");
  await startReconRun(env.DB, {
    id: runId,
    processorId: processor.id,
    fromMs,
    toMs,
    startedAtMs: Date.now(),
  });

  const summary: PayoutReconSummary = {
    runId,
    fromMs,
    toMs,
    status: "completed",
    error: null,
    checkedPayouts: 0,
    discrepancies: 0,
    walletsQueued: 0,
  };
  try {
    const found: PayoutDiscrepancy[] = [];
    const report = await readReport(processor, fromMs, toMs);
    if (report.kind === "unavailable") {
      summary.status = "failed";
      summary.error = `the processor's report could not be read: ${report.reason}`;
    } else {
      const compared = await comparePayouts(env, processor, report.payouts, {
        fromMs,
        toMs,
        nowMs: opts.nowMs,
      });
      summary.checkedPayouts = compared.checked;
      found.push(...compared.discrepancies);
    }
    // Payouts stranded before the processor do not depend on its report either.
    found.push(...(await staleInFlight(env, opts.nowMs)));
    summary.discrepancies = found.length;
    await recordDiscrepancies(env.DB, runId, found);
    // Wallet audits do not depend on the processor: they run even when its report failed.
    // Queued as a chain of page messages; wallets_queued grows as the pages go out.
    await startWalletAudits(env, runId);
  } catch (error) {
    summary.status = "failed";
    summary.error = summary.error ? `${summary.error}; ${String(error)}` : String(error);
  }
  await finishReconRun(env.DB, runId, {
    status: summary.status,
    checkedPayouts: summary.checkedPayouts,
    error: summary.error,
    finishedAtMs: Date.now(),
  });
  return summary;
}

/** Adapters report outages as results; one that throws anyway is treated the same way. */
async function readReport(
  processor: PayoutProcessor,
  fromMs: number,
  toMs: number,
): Promise<ReportResult> {
  try {
    return await processor.report(fromMs, toMs);
  } catch (error) {
    return { kind: "unavailable", reason: String(error) };
  }
}

/** Compares the report with our payouts; returns what differs. Reads D1, writes nothing. */
async function comparePayouts(
  env: DbRouterEnv,
  processor: PayoutProcessor,
  reported: readonly ProcessorPayout[],
  window: { fromMs: number; toMs: number; nowMs: number },
): Promise<{ checked: number; discrepancies: PayoutDiscrepancy[] }> {
  const ours = new Map<string, ReconPayout>();
  for (const row of await payoutsChangedIn(env, window, OURS_PAGE)) ours.set(row.id, row);
  // A report may list a payout more than once (one line per update): the latest line counts.
  const theirs = new Map<string, ProcessorPayout>();
  for (const p of reported) {
    const seen = theirs.get(p.payoutId);
    if (!seen || p.updatedAtMs >= seen.updatedAtMs) theirs.set(p.payoutId, p);
  }
  const named = [...theirs.keys()].filter((id) => !ours.has(id));
  for (const row of await payoutsByIds(env, named)) ours.set(row.id, row);

  const found = new Map<string, PayoutDiscrepancy>();
  const add = (d: PayoutDiscrepancy) => found.set(`${d.kind}\n${d.subject}`, d);
  const settledBefore = window.nowMs - PAYOUT_SETTLE_MS;

  for (const payout of theirs.values()) {
    const row = ours.get(payout.payoutId);
    if (!row) {
      add({
        kind: "unknown_to_us",
        subject: payout.payoutId,
        detail: { theirs: theirView(payout) },
      });
      continue;
    }
    for (const d of judge(row, payout, row.updatedAtMs <= settledBefore)) add(d);
  }

  // Ours that the processor must know but did not report: confirm with a lookup first (the
  // report lists what changed in the window; a payout it last touched earlier is not in it).
  const absent = [...ours.values()].filter(
    (row) =>
      !theirs.has(row.id) &&
      MUST_BE_AT_PROCESSOR.has(row.status) &&
      row.updatedAtMs <= settledBefore,
  );
  for (let i = 0; i < absent.length; i += LOOKUP_CONCURRENCY) {
    const slice = absent.slice(i, i + LOOKUP_CONCURRENCY);
    await Promise.all(
      slice.map(async (row, j) => {
        if (i + j >= MAX_LOOKUPS) {
          add(missing(row, "not looked up: too many absent payouts in one run"));
          return;
        }
        const lookup = await processor.lookup(row.id).catch((error: unknown) => ({
          kind: "unavailable" as const,
          reason: String(error),
        }));
        if (lookup.kind === "found") {
          for (const d of judge(row, lookup.payout, true)) add(d);
        } else if (lookup.kind === "not_found") {
          add(missing(row, "the processor does not know it"));
        } else {
          add(missing(row, `not confirmed: the lookup failed (${lookup.reason})`));
        }
      }),
    );
  }
  const checked = new Set([...ours.keys(), ...theirs.keys()]).size;
  return { checked, discrepancies: [...found.values()] };
}

async function recordDiscrepancies(
  db: D1Database,
  runId: string,
  discrepancies: readonly PayoutDiscrepancy[],
): Promise<void> {
  const nowMs = Date.now();
  await runInBatches(
    db,
    discrepancies.map((d) => discrepancyStatement(db, runId, d, nowMs)),
    WRITE_BATCH,
  );
}

/** Payouts queued, submitting or retrying that have not moved for STALE_IN_FLIGHT_MS. */
async function staleInFlight(env: DbRouterEnv, nowMs: number): Promise<PayoutDiscrepancy[]> {
  const rows = await payoutsStillSince(
    env,
    ["queued", "submitting", "retrying"],
    nowMs - STALE_IN_FLIGHT_MS,
    MAX_STALE_REPORTED,
  );
  return rows.map((r) => ({
    kind: "stale_in_flight",
    subject: r.id,
    detail: {
      status: r.status,
      attempts: r.attempts,
      unchangedSince: toIso(r.updatedAtMs),
    },
  }));
}

import type { ApiEnv } from "#shared/env";
import { newId } from "#shared/ids";
import type {
  PayoutProcessor,
  ProcessorPayout,
  ProcessorStatus,
  ReportResult,
} from "#shared/payouts/processor";
import {
  FINAL_PAYOUT_STATUSES,
  PAYOUT_STATUSES,
  type PayoutStatus,
  type WalletAuditMessage,
} from "#shared/payouts/types";
import { MS_PER_DAY } from "#shared/time/clock";
import { toIso } from "../http/common-schemas";

/**
 * The daily payout reconciliation (docs/payouts.md): the processor's report of the last few
 * days against our payouts, then one audit per wallet (buckets against the ledger) fanned
 * out to the WALLET_AUDITS queue. Every difference is kept in D1 `payout_discrepancies` for
 * an operator; nothing is changed automatically, because each kind needs a person to decide
 * which side is right before money moves.
 */

export const PAYOUT_DISCREPANCY_KINDS = [
  "missing_at_processor",
  "unknown_to_us",
  "status_mismatch",
  "amount_mismatch",
  "wallet_buckets_mismatch",
  "stale_in_flight",
] as const;
export type PayoutDiscrepancyKind = (typeof PAYOUT_DISCREPANCY_KINDS)[number];

export const DEFAULT_PAYOUT_RECON_LOOKBACK_DAYS = 3;
/**
 * A payout on its way to the processor (queued, submitting, retrying) that has not moved for
 * this long has lost its dispatch message: its money is reserved with nothing to send it.
 */
const STALE_IN_FLIGHT_MS = 6 * 3_600_000;
const MAX_STALE_REPORTED = 1_000;
/** A payout changed more recently than this may be waiting for a webhook: not judged yet. */
const PAYOUT_SETTLE_MS = 3_600_000;
/** Ids per `IN (...)` query: D1 allows 100 bound parameters. */
const LOOKUP_CHUNK = 90;
const OURS_PAGE = 1_000;
/** Payouts absent from the report are looked up one by one, up to this many per run. */
const MAX_LOOKUPS = 100;
const LOOKUP_CONCURRENCY = 10;
const AUDIT_PAGE = 500;
/** Queues take at most 100 messages per sendBatch. */
const SEND_BATCH = 100;
/** D1 statements per batch (each batch is one transaction; keep it bounded). */
const WRITE_BATCH = 100;

/** Statuses in which the processor must know the payout: it accepted it (or paid it). */
const MUST_BE_AT_PROCESSOR: ReadonlySet<string> = new Set<PayoutStatus>([
  "submitted",
  "processing",
  "paid",
]);
/** Statuses in which the payout is with the processor, as far as we know. */
const OURS_IN_FLIGHT_AT_PROCESSOR: ReadonlySet<string> = new Set<PayoutStatus>([
  "submitting",
  "retrying",
  "submitted",
  "processing",
]);

export type StatusVerdict = "match" | "mismatch" | "not_yet";

/**
 * Pure: whether our status and the processor's agree.
 *
 * - Both final: paid ↔ completed, failed or cancelled ↔ failed; anything else is a mismatch
 *   at once (money paid and credited back, or taken and never paid).
 * - Theirs final, ours not: we missed the outcome (a lost webhook). A mismatch once ours has
 *   been still for `PAYOUT_SETTLE_MS`; before that the webhook may be on its way.
 * - Theirs in flight (accepted, processing): agrees with ours in flight at the processor;
 *   ours final (paid on a report that has not caught up, or credited back while the processor
 *   may still pay), held, queued or stuck is a mismatch once ours has settled.
 * - A status of ours this code does not know is a mismatch.
 */
export function compareStatuses(
  ours: string,
  theirs: ProcessorStatus,
  oursSettled: boolean,
): StatusVerdict {
  if (!(PAYOUT_STATUSES as readonly string[]).includes(ours)) return "mismatch";
  const oursFinal = FINAL_PAYOUT_STATUSES.has(ours as PayoutStatus);
  const lateMismatch: StatusVerdict = oursSettled ? "mismatch" : "not_yet";
  switch (theirs) {
    case "completed":
      if (ours === "paid") return "match";
      return oursFinal ? "mismatch" : lateMismatch;
    case "failed":
      if (ours === "failed" || ours === "cancelled") return "match";
      return oursFinal ? "mismatch" : lateMismatch;
    case "accepted":
    case "processing":
      return OURS_IN_FLIGHT_AT_PROCESSOR.has(ours) ? "match" : lateMismatch;
  }
}

export interface PayoutDiscrepancy {
  kind: PayoutDiscrepancyKind;
  /** The payout id (the user id for wallet checks). */
  subject: string;
  detail: Record<string, unknown>;
}

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

interface OurPayout {
  id: string;
  status: string;
  currency: string | null;
  amount_minor: number | null;
  processor_ref: string | null;
  updated_at_ms: number;
}

const OUR_COLUMNS = "id, status, currency, amount_minor, processor_ref, updated_at_ms";

export async function runPayoutReconciliation(
  env: Pick<ApiEnv, "DB" | "WALLET_AUDITS">,
  processor: PayoutProcessor,
  opts: { nowMs: number; lookbackDays?: number },
): Promise<PayoutReconSummary> {
  const lookbackDays = opts.lookbackDays ?? DEFAULT_PAYOUT_RECON_LOOKBACK_DAYS;
  const toMs = opts.nowMs;
  const fromMs = toMs - lookbackDays * MS_PER_DAY;
  const runId = newId("run");
  await env.DB.prepare(
    `INSERT INTO payout_recon_runs (id, processor_id, from_ms, to_ms, status, started_at_ms)
     VALUES (?1, ?2, ?3, ?4, 'running', ?5)`,
  )
    .bind(runId, processor.id, fromMs, toMs, Date.now())
    .run();

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
      const compared = await comparePayouts(env.DB, processor, report.payouts, {
        fromMs,
        toMs,
        nowMs: opts.nowMs,
      });
      summary.checkedPayouts = compared.checked;
      found.push(...compared.discrepancies);
    }
    // Payouts stranded before the processor do not depend on its report either.
    found.push(...(await staleInFlight(env.DB, opts.nowMs)));
    summary.discrepancies = found.length;
    await recordDiscrepancies(env.DB, runId, found);
    // Wallet audits do not depend on the processor: they run even when its report failed.
    // Queued as a chain of page messages; wallets_queued grows as the pages go out.
    await startWalletAudits(env, runId);
  } catch (error) {
    summary.status = "failed";
    summary.error = summary.error ? `${summary.error}; ${String(error)}` : String(error);
  }
  await env.DB.prepare(
    `UPDATE payout_recon_runs SET status = ?2, checked_payouts = ?3,
       error = ?4, finished_at_ms = ?5 WHERE id = ?1`,
  )
    .bind(runId, summary.status, summary.checkedPayouts, summary.error, Date.now())
    .run();
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
  db: D1Database,
  processor: PayoutProcessor,
  reported: readonly ProcessorPayout[],
  window: { fromMs: number; toMs: number; nowMs: number },
): Promise<{ checked: number; discrepancies: PayoutDiscrepancy[] }> {
  const ours = await oursInWindow(db, window.fromMs, window.toMs);
  // A report may list a payout more than once (one line per update): the latest line counts.
  const theirs = new Map<string, ProcessorPayout>();
  for (const p of reported) {
    const seen = theirs.get(p.payoutId);
    if (!seen || p.updatedAtMs >= seen.updatedAtMs) theirs.set(p.payoutId, p);
  }
  const named = [...theirs.keys()].filter((id) => !ours.has(id));
  for (const row of await oursByIds(db, named)) ours.set(row.id, row);

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
    for (const d of judge(row, payout, row.updated_at_ms <= settledBefore)) add(d);
  }

  // Ours that the processor must know but did not report: confirm with a lookup first (the
  // report lists what changed in the window; a payout it last touched earlier is not in it).
  const absent = [...ours.values()].filter(
    (row) =>
      !theirs.has(row.id) &&
      MUST_BE_AT_PROCESSOR.has(row.status) &&
      row.updated_at_ms <= settledBefore,
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

/** Status and amount differences between our row and the processor's view of one payout. */
function judge(row: OurPayout, payout: ProcessorPayout, settled: boolean): PayoutDiscrepancy[] {
  const out: PayoutDiscrepancy[] = [];
  const detail = { ours: ourView(row), theirs: theirView(payout) };
  if (compareStatuses(row.status, payout.status, settled) === "mismatch") {
    out.push({ kind: "status_mismatch", subject: row.id, detail });
  }
  // A row whose amount has not reached D1 yet has nothing to compare.
  if (
    row.amount_minor !== null &&
    (row.amount_minor !== payout.amountMinor || row.currency !== payout.currency)
  ) {
    out.push({ kind: "amount_mismatch", subject: row.id, detail });
  }
  return out;
}

function missing(row: OurPayout, reason: string): PayoutDiscrepancy {
  return { kind: "missing_at_processor", subject: row.id, detail: { ours: ourView(row), reason } };
}

const ourView = (row: OurPayout) => ({
  status: row.status,
  amountMinor: row.amount_minor,
  currency: row.currency,
  processorRef: row.processor_ref,
  updatedAtMs: row.updated_at_ms,
});

const theirView = (p: ProcessorPayout) => ({
  status: p.status,
  amountMinor: p.amountMinor,
  currency: p.currency,
  processorRef: p.processorRef,
  failureCode: p.failureCode,
  updatedAtMs: p.updatedAtMs,
});

/**
 * Our payouts created or updated in [fromMs, toMs), keyset-paged on the updated index. A
 * payout is created before it is last updated, so `updated_at_ms >= fromMs` covers both.
 */
async function oursInWindow(
  db: D1Database,
  fromMs: number,
  toMs: number,
): Promise<Map<string, OurPayout>> {
  const rows = new Map<string, OurPayout>();
  let after = { updatedAtMs: fromMs - 1, id: "" };
  for (;;) {
    const { results } = await db
      .prepare(
        `SELECT ${OUR_COLUMNS} FROM payouts
         WHERE updated_at_ms >= ?1
           AND (updated_at_ms < ?2 OR (created_at_ms >= ?1 AND created_at_ms < ?2))
           AND (updated_at_ms > ?3 OR (updated_at_ms = ?3 AND id > ?4))
         ORDER BY updated_at_ms, id LIMIT ?5`,
      )
      .bind(fromMs, toMs, after.updatedAtMs, after.id, OURS_PAGE)
      .all<OurPayout>();
    for (const row of results) rows.set(row.id, row);
    const last = results.at(-1);
    if (!last || results.length < OURS_PAGE) return rows;
    after = { updatedAtMs: last.updated_at_ms, id: last.id };
  }
}

async function oursByIds(db: D1Database, ids: readonly string[]): Promise<OurPayout[]> {
  const rows: OurPayout[] = [];
  for (let i = 0; i < ids.length; i += LOOKUP_CHUNK) {
    const chunk = ids.slice(i, i + LOOKUP_CHUNK);
    const { results } = await db
      .prepare(
        `SELECT ${OUR_COLUMNS} FROM payouts WHERE id IN (${chunk.map(() => "?").join(", ")})`,
      )
      .bind(...chunk)
      .all<OurPayout>();
    rows.push(...results);
  }
  return rows;
}

async function recordDiscrepancies(
  db: D1Database,
  runId: string,
  discrepancies: readonly PayoutDiscrepancy[],
): Promise<void> {
  const nowMs = Date.now();
  const statements = discrepancies.map((d) => insertDiscrepancy(db, runId, d, nowMs));
  for (let i = 0; i < statements.length; i += WRITE_BATCH) {
    await db.batch(statements.slice(i, i + WRITE_BATCH));
  }
}

/** One discrepancy row; a repeat of the same (run, kind, subject) is ignored. */
export function insertDiscrepancy(
  db: D1Database,
  runId: string,
  d: PayoutDiscrepancy,
  nowMs: number,
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT OR IGNORE INTO payout_discrepancies (run_id, kind, subject, detail, created_at_ms)
       VALUES (?1, ?2, ?3, ?4, ?5)`,
    )
    .bind(runId, d.kind, d.subject, JSON.stringify(d.detail), nowMs);
}

/** Payouts queued, submitting or retrying that have not moved for STALE_IN_FLIGHT_MS. */
async function staleInFlight(db: D1Database, nowMs: number): Promise<PayoutDiscrepancy[]> {
  const { results } = await db
    .prepare(
      `SELECT id, status, attempts, updated_at_ms FROM payouts
       WHERE status IN ('queued', 'submitting', 'retrying') AND updated_at_ms < ?1
       ORDER BY updated_at_ms LIMIT ?2`,
    )
    .bind(nowMs - STALE_IN_FLIGHT_MS, MAX_STALE_REPORTED)
    .all<{ id: string; status: string; attempts: number; updated_at_ms: number }>();
  return results.map((r) => ({
    kind: "stale_in_flight",
    subject: r.id,
    detail: {
      status: r.status,
      attempts: r.attempts,
      unchangedSince: toIso(r.updated_at_ms),
    },
  }));
}

/**
 * Starts the wallet audits: the first page message. Each page (fanOutAuditPage, run by the audits consumer)
 * queues one audit per wallet with a balance projection, keyset-paged over wallet_balances'
 * primary key (every wallet that ever moved money has rows there), then the next page.
 */
async function startWalletAudits(
  env: Pick<ApiEnv, "DB" | "WALLET_AUDITS">,
  runId: string,
): Promise<void> {
  await env.DB.prepare(`UPDATE payout_recon_runs SET audit_cursor = '' WHERE id = ?1`)
    .bind(runId)
    .run();
  await env.WALLET_AUDITS.send({ kind: "wallet_audit_page", runId, afterUserId: "" });
}

/**
 * One page of the fan-out, safe under redelivery. The run's cursor says which page is next.
 * The page's audits are sent before the cursor moves (a crash resends them, which is harmless:
 * audits are idempotent), and the next page message after. A message for the page that last
 * moved the cursor (`audit_page_start`) is a retry or a duplicate: it sends only the next page
 * message, so a crash between the claim and that send never ends the chain, and a duplicate
 * chain dies at the next claim. Any other message is stale and does nothing.
 */
export async function fanOutAuditPage(
  env: Pick<ApiEnv, "DB" | "WALLET_AUDITS">,
  page: { runId: string; afterUserId: string },
): Promise<{ queued: number }> {
  const run = await env.DB.prepare(
    `SELECT audit_cursor, audit_page_start FROM payout_recon_runs WHERE id = ?1`,
  )
    .bind(page.runId)
    .first<{ audit_cursor: string | null; audit_page_start: string | null }>();
  if (!run || run.audit_cursor === null) return { queued: 0 };
  const next = (afterUserId: string) =>
    env.WALLET_AUDITS.send({ kind: "wallet_audit_page", runId: page.runId, afterUserId });

  if (run.audit_cursor !== page.afterUserId) {
    if (run.audit_page_start === page.afterUserId) await next(run.audit_cursor);
    return { queued: 0 };
  }
  const { results } = await env.DB.prepare(
    `SELECT DISTINCT user_id FROM wallet_balances WHERE user_id > ?1 ORDER BY user_id LIMIT ?2`,
  )
    .bind(page.afterUserId, AUDIT_PAGE)
    .all<{ user_id: string }>();
  for (let i = 0; i < results.length; i += SEND_BATCH) {
    await env.WALLET_AUDITS.sendBatch(
      results.slice(i, i + SEND_BATCH).map(({ user_id }) => ({
        body: { kind: "wallet_audit", runId: page.runId, userId: user_id } as WalletAuditMessage,
      })),
    );
  }
  const last = results.at(-1)?.user_id ?? page.afterUserId;
  const claim = await env.DB.prepare(
    `UPDATE payout_recon_runs
     SET audit_cursor = ?3, audit_page_start = ?2, wallets_queued = wallets_queued + ?4
     WHERE id = ?1 AND audit_cursor = ?2`,
  )
    .bind(page.runId, page.afterUserId, last, results.length)
    .run();
  if (claim.meta.changes > 0 && results.length === AUDIT_PAGE) await next(last);
  return { queued: results.length };
}

import type { PayoutStatus } from "#shared/payouts/types";
import type { StoredPayout } from "./decide-payout";

/**
 * SQL for the wallet's payouts, their log and the processor events already applied (schema
 * step 7). Plain reads and writes only: the decisions are in decide-payout.ts.
 */

type PayoutRow = {
  payout_id: string;
  currency: string;
  amount_minor: number;
  status: string;
  destination_id: string | null;
  destination_type: string | null;
  destination_masked: string | null;
  hold_reason: string | null;
  failure_code: string | null;
  attention: string | null;
  attempts: number;
  processor_id: string | null;
  processor_ref: string | null;
  last_error: string | null;
  created_at_ms: number;
  updated_at_ms: number;
  paid_at_ms: number | null;
  version: number;
};

const PAYOUT_COLUMNS = `payout_id, currency, amount_minor, status, destination_id, destination_type,
  destination_masked, hold_reason, failure_code, attention, attempts, processor_id, processor_ref,
  last_error, created_at_ms, updated_at_ms, paid_at_ms, version`;

function toPayout(row: PayoutRow): StoredPayout {
  return {
    payoutId: row.payout_id,
    currency: row.currency,
    amountMinor: row.amount_minor,
    status: row.status as PayoutStatus,
    destinationId: row.destination_id,
    destinationType: row.destination_type as StoredPayout["destinationType"],
    destinationMasked: row.destination_masked,
    holdReason: row.hold_reason,
    failureCode: row.failure_code,
    attention: row.attention,
    attempts: row.attempts,
    processorId: row.processor_id,
    processorRef: row.processor_ref,
    lastError: row.last_error,
    createdAtMs: row.created_at_ms,
    updatedAtMs: row.updated_at_ms,
    paidAtMs: row.paid_at_ms,
    version: row.version,
  };
}

export function findPayout(sql: SqlStorage, payoutId: string): StoredPayout | null {
  const row = sql
    .exec<PayoutRow>(`SELECT ${PAYOUT_COLUMNS} FROM payouts WHERE payout_id = ?`, payoutId)
    .toArray()[0];
  return row ? toPayout(row) : null;
}

export function payoutRequestHash(sql: SqlStorage, payoutId: string): string | null {
  return (
    sql
      .exec<{ request_hash: string | null }>(
        `SELECT request_hash FROM payouts WHERE payout_id = ?`,
        payoutId,
      )
      .toArray()[0]?.request_hash ?? null
  );
}

export function sealedDestinationOf(sql: SqlStorage, payoutId: string): string | null {
  return (
    sql
      .exec<{ sealed_destination: string | null }>(
        `SELECT sealed_destination FROM payouts WHERE payout_id = ?`,
        payoutId,
      )
      .toArray()[0]?.sealed_destination ?? null
  );
}

/** Newest first; keyset on (created_at_ms, payout_id). */
export function listPayouts(
  sql: SqlStorage,
  before: { createdAtMs: number; payoutId: string } | null,
  limit: number,
): StoredPayout[] {
  const rows = before
    ? sql.exec<PayoutRow>(
        `SELECT ${PAYOUT_COLUMNS} FROM payouts
         WHERE (created_at_ms, payout_id) < (?, ?)
         ORDER BY created_at_ms DESC, payout_id DESC LIMIT ?`,
        before.createdAtMs,
        before.payoutId,
        limit,
      )
    : sql.exec<PayoutRow>(
        `SELECT ${PAYOUT_COLUMNS} FROM payouts ORDER BY created_at_ms DESC, payout_id DESC LIMIT ?`,
        limit,
      );
  return rows.toArray().map(toPayout);
}

/** What the user has redeemed in a currency and not had credited back (for the KYC threshold). */
export function redeemedMinor(sql: SqlStorage, currency: string): number {
  return sql
    .exec<{ total: number }>(
      `SELECT COALESCE(SUM(amount_minor), 0) AS total FROM payouts
       WHERE currency = ? AND status NOT IN ('failed', 'cancelled')`,
      currency,
    )
    .one().total;
}

export function insertPayout(
  sql: SqlStorage,
  p: StoredPayout & { requestHash: string; sealedDestination: string | null },
): void {
  sql.exec(
    `INSERT INTO payouts (payout_id, currency, amount_minor, status, destination_id,
       destination_type, destination_masked, sealed_destination, request_hash, hold_reason,
       failure_code, attention, attempts, processor_id, processor_ref, last_error,
       created_at_ms, updated_at_ms, paid_at_ms, version)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    p.payoutId,
    p.currency,
    p.amountMinor,
    p.status,
    p.destinationId,
    p.destinationType,
    p.destinationMasked,
    p.sealedDestination,
    p.requestHash,
    p.holdReason,
    p.failureCode,
    p.attention,
    p.attempts,
    p.processorId,
    p.processorRef,
    p.lastError,
    p.createdAtMs,
    p.updatedAtMs,
    p.paidAtMs,
    p.version,
  );
}

type PayoutChange = Partial<
  Pick<
    StoredPayout,
    | "status"
    | "holdReason"
    | "failureCode"
    | "attention"
    | "attempts"
    | "processorId"
    | "processorRef"
    | "lastError"
    | "paidAtMs"
  >
>;

const CHANGE_COLUMNS: Record<keyof PayoutChange, string> = {
  status: "status",
  holdReason: "hold_reason",
  failureCode: "failure_code",
  attention: "attention",
  attempts: "attempts",
  processorId: "processor_id",
  processorRef: "processor_ref",
  lastError: "last_error",
  paidAtMs: "paid_at_ms",
};

/** Applies a change and bumps the version, so every change reaches the projection. */
export function updatePayout(
  sql: SqlStorage,
  payoutId: string,
  change: PayoutChange,
  nowMs: number,
): void {
  const keys = Object.keys(change) as Array<keyof PayoutChange>;
  const sets = keys.map((k) => `${CHANGE_COLUMNS[k]} = ?`);
  sql.exec(
    `UPDATE payouts SET ${[...sets, "updated_at_ms = ?", "version = version + 1"].join(", ")}
     WHERE payout_id = ?`,
    ...keys.map((k) => change[k] ?? null),
    nowMs,
    payoutId,
  );
}

export function logPayout(
  sql: SqlStorage,
  payoutId: string,
  event: string,
  detail: string | null,
  atMs: number,
): void {
  sql.exec(
    `INSERT INTO payout_log (payout_id, event, detail, at_ms) VALUES (?, ?, ?, ?)`,
    payoutId,
    event,
    detail,
    atMs,
  );
}

export function readPayoutLog(
  sql: SqlStorage,
  payoutId: string,
): Array<{ event: string; detail: string | null; atMs: number }> {
  return sql
    .exec<{ event: string; detail: string | null; at_ms: number }>(
      `SELECT event, detail, at_ms FROM payout_log WHERE payout_id = ? ORDER BY id LIMIT 200`,
      payoutId,
    )
    .toArray()
    .map((r) => ({ event: r.event, detail: r.detail, atMs: r.at_ms }));
}

/** Records a processor event id; false when it was seen before (a replay). */
export function rememberProcessorEvent(
  sql: SqlStorage,
  eventId: string,
  payoutId: string,
  atMs: number,
): boolean {
  return (
    sql.exec(
      `INSERT INTO processor_events (event_id, payout_id, at_ms) VALUES (?, ?, ?)
       ON CONFLICT (event_id) DO NOTHING`,
      eventId,
      payoutId,
      atMs,
    ).rowsWritten > 0
  );
}

/** Sealed destination snapshots of unfinished payouts, for key rotation. */
export function openSealedPayouts(
  sql: SqlStorage,
): Array<{ id: string; sealed: string; ref: string }> {
  return sql
    .exec<{ id: string; sealed: string; ref: string }>(
      `SELECT payout_id AS id, sealed_destination AS sealed, destination_id AS ref
       FROM payouts WHERE sealed_destination IS NOT NULL
         AND status NOT IN ('paid', 'failed', 'cancelled')`,
    )
    .toArray();
}

/** Replaces a payout's sealed snapshot unless it changed meanwhile; true when written. */
export function resealPayout(
  sql: SqlStorage,
  payoutId: string,
  sealedBefore: string,
  sealedAfter: string,
): boolean {
  return (
    sql.exec(
      `UPDATE payouts SET sealed_destination = ? WHERE payout_id = ? AND sealed_destination = ?`,
      sealedAfter,
      payoutId,
      sealedBefore,
    ).rowsWritten > 0
  );
}

/** What unfinished payouts hold reserved in a currency (the audit compares it). */
export function openPayoutsMinor(sql: SqlStorage, currency: string): number {
  return sql
    .exec<{ total: number }>(
      `SELECT COALESCE(SUM(amount_minor), 0) AS total FROM payouts
       WHERE currency = ? AND status NOT IN ('paid', 'failed', 'cancelled')`,
      currency,
    )
    .one().total;
}

/** Final statuses: no money or processor call is pending for these payouts. */
const FINAL_STATUSES_SQL = `('paid', 'failed', 'cancelled')`;

/** Payouts to a destination that are not final yet (they may still need its details). */
export function unfinishedPayoutsTo(sql: SqlStorage, destinationId: string): number {
  return sql
    .exec<{ n: number }>(
      `SELECT COUNT(*) AS n FROM payouts
       WHERE destination_id = ? AND status NOT IN ${FINAL_STATUSES_SQL}`,
      destinationId,
    )
    .one().n;
}

/** Drops the sealed snapshots final payouts kept of a destination being erased. */
export function eraseFinishedPayoutSnapshots(sql: SqlStorage, destinationId: string): void {
  sql.exec(
    `UPDATE payouts SET sealed_destination = NULL
     WHERE destination_id = ? AND status IN ${FINAL_STATUSES_SQL}`,
    destinationId,
  );
}

/** Held payouts with one of `holdReasons`, oldest first, at most `limit` (risk release). */
export function heldPayoutsFor(
  sql: SqlStorage,
  holdReasons: readonly string[],
  limit: number,
): StoredPayout[] {
  return sql
    .exec<PayoutRow>(
      `SELECT ${PAYOUT_COLUMNS} FROM payouts WHERE status = 'held'
         AND hold_reason IN (${holdReasons.map(() => "?").join(", ")})
       ORDER BY created_at_ms, payout_id LIMIT ?`,
      ...holdReasons,
      limit,
    )
    .toArray()
    .map(toPayout);
}

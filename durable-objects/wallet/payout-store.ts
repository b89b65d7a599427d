import type { DestinationType, PayoutStatus } from "#shared/payouts/types";
import type { StoredPayout } from "./payouts";

/**
 * SQL for the wallet's redemption state (schema step 7). Plain reads and writes only: the
 * decisions are in payouts.ts and ../../shared/payouts/policy.ts, the orchestration in
 * wallet-object.ts.
 */

export interface StoredDestination {
  destinationId: string;
  type: Exclude<DestinationType, "gift_card">;
  label: string | null;
  /** Sealed JSON of the details (shared/crypto/sealed.ts); never stored in the clear. */
  sealedDetails: string;
  masked: string;
  status: "active" | "needs_attention" | "removed";
  usableFromMs: number;
  createdAtMs: number;
  updatedAtMs: number;
}

type DestinationRow = {
  destination_id: string;
  type: string;
  label: string | null;
  sealed_details: string;
  masked: string;
  status: string;
  usable_from_ms: number;
  created_at_ms: number;
  updated_at_ms: number;
};

function toDestination(row: DestinationRow): StoredDestination {
  return {
    destinationId: row.destination_id,
    type: row.type as StoredDestination["type"],
    label: row.label,
    sealedDetails: row.sealed_details,
    masked: row.masked,
    status: row.status as StoredDestination["status"],
    usableFromMs: row.usable_from_ms,
    createdAtMs: row.created_at_ms,
    updatedAtMs: row.updated_at_ms,
  };
}

export function findDestination(sql: SqlStorage, destinationId: string): StoredDestination | null {
  const row = sql
    .exec<DestinationRow>(`SELECT * FROM destinations WHERE destination_id = ?`, destinationId)
    .toArray()[0];
  return row ? toDestination(row) : null;
}

export function listDestinations(sql: SqlStorage): StoredDestination[] {
  return sql
    .exec<DestinationRow>(
      `SELECT * FROM destinations WHERE status != 'removed' ORDER BY created_at_ms, destination_id`,
    )
    .toArray()
    .map(toDestination);
}

export function countLiveDestinations(sql: SqlStorage): number {
  return sql
    .exec<{ n: number }>(`SELECT COUNT(*) AS n FROM destinations WHERE status != 'removed'`)
    .one().n;
}

export function saveDestination(sql: SqlStorage, d: StoredDestination): void {
  sql.exec(
    `INSERT INTO destinations (destination_id, type, label, sealed_details, masked, status,
       usable_from_ms, created_at_ms, updated_at_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (destination_id) DO UPDATE SET type = excluded.type, label = excluded.label,
       sealed_details = excluded.sealed_details, masked = excluded.masked,
       status = excluded.status, usable_from_ms = excluded.usable_from_ms,
       updated_at_ms = excluded.updated_at_ms`,
    d.destinationId,
    d.type,
    d.label,
    d.sealedDetails,
    d.masked,
    d.status,
    d.usableFromMs,
    d.createdAtMs,
    d.updatedAtMs,
  );
}

export function setDestinationStatus(
  sql: SqlStorage,
  destinationId: string,
  status: StoredDestination["status"],
  nowMs: number,
): void {
  sql.exec(
    `UPDATE destinations SET status = ?, updated_at_ms = ? WHERE destination_id = ?`,
    status,
    nowMs,
    destinationId,
  );
}

// ---- payouts -------------------------------------------------------------------------------

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

// ---- step-up challenges and devices ----------------------------------------------------------

export interface StoredChallenge {
  challengeId: string;
  purpose: string;
  salt: string;
  codeHash: string;
  expiresAtMs: number;
  attempts: number;
  consumedBy: string | null;
}

export function findChallenge(sql: SqlStorage, challengeId: string): StoredChallenge | null {
  const row = sql
    .exec<{
      challenge_id: string;
      purpose: string;
      salt: string;
      code_hash: string;
      expires_at_ms: number;
      attempts: number;
      consumed_by: string | null;
    }>(`SELECT * FROM step_up_challenges WHERE challenge_id = ?`, challengeId)
    .toArray()[0];
  return row
    ? {
        challengeId: row.challenge_id,
        purpose: row.purpose,
        salt: row.salt,
        codeHash: row.code_hash,
        expiresAtMs: row.expires_at_ms,
        attempts: row.attempts,
        consumedBy: row.consumed_by,
      }
    : null;
}

export function insertChallenge(sql: SqlStorage, c: StoredChallenge, nowMs: number): void {
  // Expired challenges are of no use to anyone; they go when a new one is made.
  sql.exec(`DELETE FROM step_up_challenges WHERE expires_at_ms < ?`, nowMs - 86_400_000);
  sql.exec(
    `INSERT INTO step_up_challenges (challenge_id, purpose, salt, code_hash, expires_at_ms,
       attempts, consumed_by, created_at_ms) VALUES (?, ?, ?, ?, ?, 0, NULL, ?)`,
    c.challengeId,
    c.purpose,
    c.salt,
    c.codeHash,
    c.expiresAtMs,
    nowMs,
  );
}

/**
 * Codes issued in the last hour that were not used, whatever became of them: an expired or
 * locked code still counts, so guesses are limited per hour, not per code lifetime.
 */
export function countOpenChallenges(sql: SqlStorage, nowMs: number): number {
  return sql
    .exec<{ n: number }>(
      `SELECT COUNT(*) AS n FROM step_up_challenges
       WHERE consumed_by IS NULL AND created_at_ms > ?`,
      nowMs - 3_600_000,
    )
    .one().n;
}

export function recordDevice(sql: SqlStorage, deviceHash: string, atMs: number): void {
  sql.exec(
    `INSERT INTO devices (device_hash, first_seen_at_ms, last_seen_at_ms) VALUES (?, ?, ?)
     ON CONFLICT (device_hash) DO UPDATE SET
       first_seen_at_ms = MIN(first_seen_at_ms, excluded.first_seen_at_ms),
       last_seen_at_ms = MAX(last_seen_at_ms, excluded.last_seen_at_ms)`,
    deviceHash,
    atMs,
    atMs,
  );
}

export function deviceFirstSeen(sql: SqlStorage): number[] {
  return sql
    .exec<{ first_seen_at_ms: number }>(`SELECT first_seen_at_ms FROM devices`)
    .toArray()
    .map((r) => r.first_seen_at_ms);
}

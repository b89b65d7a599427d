import type { Reservation } from "./decide-reserve";
import type { HandOverCursor, HandOverReservation } from "./hand-over";

/**
 * SQL for one campaign's budget object: the budget row (running totals, id 1) and one
 * reservation per (user, transaction). Plain reads and writes; decisions are in
 * decide-reserve.ts, the flow in budget-object.ts.
 */

export type BudgetRow = {
  campaign_id: string;
  currency: string;
  budget_minor: number;
  desired_minor: number;
  granted_total_minor: number;
  released_total_minor: number;
  updated_at_ms: number;
};

/** Granted and not released: what the campaign is paying now, in minor units. */
export function outstandingOf(b: BudgetRow): number {
  return b.granted_total_minor - b.released_total_minor;
}

export function readBudgetRow(sql: SqlStorage): BudgetRow | null {
  return sql.exec<BudgetRow>(`SELECT * FROM budget WHERE id = 1`).toArray()[0] ?? null;
}

export function insertBudget(
  sql: SqlStorage,
  input: { campaignId: string; currency: string; budgetMinor: number },
  nowMs: number,
): void {
  sql.exec(
    `INSERT INTO budget (id, campaign_id, currency, budget_minor, desired_minor,
       granted_total_minor, released_total_minor, updated_at_ms)
     VALUES (1, ?, ?, ?, 0, 0, 0, ?)`,
    input.campaignId,
    input.currency,
    input.budgetMinor,
    nowMs,
  );
}

export function updateBudgetTerms(
  sql: SqlStorage,
  input: { currency: string; budgetMinor: number },
  nowMs: number,
): void {
  sql.exec(
    `UPDATE budget SET currency = ?, budget_minor = ?, updated_at_ms = ? WHERE id = 1`,
    input.currency,
    input.budgetMinor,
    nowMs,
  );
}

export function readReservation(
  sql: SqlStorage,
  userId: string,
  txnId: string,
): Reservation | null {
  const row = sql
    .exec<{ desired_minor: number; granted_minor: number; seq: number }>(
      `SELECT desired_minor, granted_minor, seq FROM reservations WHERE user_id = ? AND txn_id = ?`,
      userId,
      txnId,
    )
    .toArray()[0];
  return row
    ? { desiredMinor: row.desired_minor, grantedMinor: row.granted_minor, seq: row.seq }
    : null;
}

export function saveReservation(
  sql: SqlStorage,
  key: { txnId: string; userId: string },
  row: Reservation,
  nowMs: number,
): void {
  sql.exec(
    `INSERT INTO reservations (txn_id, user_id, desired_minor, granted_minor, seq,
       created_at_ms, updated_at_ms)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)
     ON CONFLICT (user_id, txn_id) DO UPDATE SET desired_minor = excluded.desired_minor,
       granted_minor = excluded.granted_minor, seq = excluded.seq,
       updated_at_ms = excluded.updated_at_ms`,
    key.txnId,
    key.userId,
    row.desiredMinor,
    row.grantedMinor,
    row.seq,
    nowMs,
  );
}

/** Moves the running totals by one reservation's change. */
export function addToTotals(
  sql: SqlStorage,
  change: { desiredDeltaMinor: number; grantedMinor: number; releasedMinor: number },
  nowMs: number,
): void {
  sql.exec(
    `UPDATE budget SET desired_minor = desired_minor + ?,
       granted_total_minor = granted_total_minor + ?,
       released_total_minor = released_total_minor + ?, updated_at_ms = ?
     WHERE id = 1`,
    change.desiredDeltaMinor,
    change.grantedMinor,
    change.releasedMinor,
    nowMs,
  );
}

/** Fully released reservations hold nothing, so they do not lock the currency. */
export function liveReservationCount(sql: SqlStorage): number {
  return sql
    .exec<{ n: number }>(`SELECT COUNT(*) AS n FROM reservations WHERE desired_minor > 0`)
    .one().n;
}

/** Live reservations, and how many were granted less than they asked for. */
export function reservationCounts(sql: SqlStorage): { n: number; partial: number } {
  return sql
    .exec<{ n: number; partial: number }>(
      `SELECT COUNT(*) AS n, COALESCE(SUM(granted_minor < desired_minor), 0) AS partial
       FROM reservations WHERE desired_minor > 0`,
    )
    .one();
}

/** What every reservation desires and holds, for the audit. */
export function reservationSums(sql: SqlStorage): { desired: number; granted: number } {
  return sql
    .exec<{ desired: number; granted: number }>(
      `SELECT COALESCE(SUM(desired_minor), 0) AS desired, COALESCE(SUM(granted_minor), 0) AS granted
       FROM reservations`,
    )
    .one();
}

/** When the budget was handed over to the generalised budget object; null while it was not. */
export function handedOverAtMs(sql: SqlStorage): number | null {
  return (
    sql
      .exec<{ at: number }>(`SELECT handed_over_at_ms AS at FROM hand_over WHERE id = 1`)
      .toArray()[0]?.at ?? null
  );
}

/** Marks the budget handed over; the first mark stays. */
export function markHandedOver(sql: SqlStorage, nowMs: number): void {
  sql.exec(`INSERT OR IGNORE INTO hand_over (id, handed_over_at_ms) VALUES (1, ?)`, nowMs);
}

/** Up to `limit` reservations after the cursor, by (user_id, txn_id), the primary key's order. */
export function reservationsPage(
  sql: SqlStorage,
  after: HandOverCursor | null,
  limit: number,
): HandOverReservation[] {
  const rows = sql
    .exec<{
      user_id: string;
      txn_id: string;
      desired_minor: number;
      granted_minor: number;
      seq: number;
      created_at_ms: number;
      updated_at_ms: number;
    }>(
      `SELECT user_id, txn_id, desired_minor, granted_minor, seq, created_at_ms, updated_at_ms
       FROM reservations WHERE ?1 IS NULL OR (user_id, txn_id) > (?1, ?2)
       ORDER BY user_id, txn_id LIMIT ?3`,
      after?.afterUserId ?? null,
      after?.afterTxnId ?? null,
      limit,
    )
    .toArray();
  return rows.map((r) => ({
    userId: r.user_id,
    txnId: r.txn_id,
    desiredMinor: r.desired_minor,
    grantedMinor: r.granted_minor,
    seq: r.seq,
    createdAtMs: r.created_at_ms,
    updatedAtMs: r.updated_at_ms,
  }));
}

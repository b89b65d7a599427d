import type { Held } from "../shared/decide-reserve";
import type { BudgetTerms } from "./decide-budget";
import type { LegacyImport } from "./legacy-import";

/**
 * SQL for one budget key's object: the budget row (terms and running totals, id 1) and one
 * reservation per (holder, reference). Plain reads and writes; the decision is in
 * decide-budget.ts, the flow in budget-object.ts.
 */

export type BudgetKeyRow = {
  budget_key: string;
  unit: string;
  limit_value: number;
  limit_version: number;
  over_limit: number;
  asked_total: number;
  granted_total: number;
  released_total: number;
  updated_at_ms: number;
};

/** Granted and not released: what the budget holds out now. */
export function outstandingOf(b: BudgetKeyRow): number {
  return b.granted_total - b.released_total;
}

export function readBudgetKeyRow(sql: SqlStorage): BudgetKeyRow | null {
  return sql.exec<BudgetKeyRow>(`SELECT * FROM budget WHERE id = 1`).toArray()[0] ?? null;
}

/**
 * The first request (or configure) creates the row with its unit and terms, totals at zero;
 * a legacy import brings its totals.
 */
export function insertBudgetKeyRow(
  sql: SqlStorage,
  input: { budgetKey: string; unit: string },
  terms: BudgetTerms,
  nowMs: number,
  totals: { asked: number; granted: number; released: number } = {
    asked: 0,
    granted: 0,
    released: 0,
  },
): void {
  sql.exec(
    `INSERT INTO budget (id, budget_key, unit, limit_value, limit_version, over_limit,
       asked_total, granted_total, released_total, updated_at_ms)
     VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    input.budgetKey,
    input.unit,
    terms.limit,
    terms.limitVersion,
    terms.overLimit,
    totals.asked,
    totals.granted,
    totals.released,
    nowMs,
  );
}

/** Sets the terms of an existing budget (configure); the totals stay. */
export function updateTerms(sql: SqlStorage, terms: BudgetTerms, nowMs: number): void {
  sql.exec(
    `UPDATE budget SET limit_value = ?, limit_version = ?, over_limit = ?, updated_at_ms = ?
     WHERE id = 1`,
    terms.limit,
    terms.limitVersion,
    terms.overLimit,
    nowMs,
  );
}

/** Writes a legacy campaign budget's import: the budget row and every reservation. */
export function insertImported(
  sql: SqlStorage,
  budgetKey: string,
  plan: LegacyImport,
  nowMs: number,
): void {
  insertBudgetKeyRow(sql, { budgetKey, unit: plan.unit }, plan.terms, nowMs, {
    asked: plan.askedTotal,
    granted: plan.grantedTotal,
    released: plan.releasedTotal,
  });
  for (const r of plan.reservations) {
    sql.exec(
      `INSERT INTO reservations (holder, reference, desired, granted, seq, created_at_ms,
         updated_at_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      r.holder,
      r.reference,
      r.desired,
      r.granted,
      r.seq,
      r.createdAtMs,
      r.updatedAtMs,
    );
  }
}

/**
 * Moves the terms and the running totals by one reservation's change, in one statement, so
 * the CHECK judges the new limit and the new totals together.
 */
export function applyChange(
  sql: SqlStorage,
  terms: BudgetTerms,
  change: { askedDelta: number; granted: number; released: number },
  nowMs: number,
): void {
  sql.exec(
    `UPDATE budget SET limit_value = ?, limit_version = ?, over_limit = ?,
       asked_total = asked_total + ?, granted_total = granted_total + ?,
       released_total = released_total + ?, updated_at_ms = ?
     WHERE id = 1`,
    terms.limit,
    terms.limitVersion,
    terms.overLimit,
    change.askedDelta,
    change.granted,
    change.released,
    nowMs,
  );
}

export function readHeld(sql: SqlStorage, holder: string, reference: string): Held | null {
  return (
    sql
      .exec<{ desired: number; granted: number; seq: number }>(
        `SELECT desired, granted, seq FROM reservations WHERE holder = ? AND reference = ?`,
        holder,
        reference,
      )
      .toArray()[0] ?? null
  );
}

export function saveHeld(
  sql: SqlStorage,
  key: { holder: string; reference: string },
  row: Held,
  nowMs: number,
): void {
  sql.exec(
    `INSERT INTO reservations (holder, reference, desired, granted, seq, created_at_ms,
       updated_at_ms)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)
     ON CONFLICT (holder, reference) DO UPDATE SET desired = excluded.desired,
       granted = excluded.granted, seq = excluded.seq, updated_at_ms = excluded.updated_at_ms`,
    key.holder,
    key.reference,
    row.desired,
    row.granted,
    row.seq,
    nowMs,
  );
}

/**
 * Rows asking for something, and how many were granted less than they asked for; a split
 * budget's allotments to its parts (holder `part:…`, parts.ts) are not rewards and not counted.
 */
export function reservationCounts(sql: SqlStorage): { n: number; partial: number } {
  return sql
    .exec<{ n: number; partial: number }>(
      `SELECT COUNT(*) AS n, COALESCE(SUM(granted < desired), 0) AS partial
       FROM reservations WHERE desired > 0 AND holder NOT LIKE 'part:%'`,
    )
    .one();
}

/** What every reservation asks for and holds, for the audit. */
export function reservationSums(sql: SqlStorage): { asked: number; granted: number } {
  return sql
    .exec<{ asked: number; granted: number }>(
      `SELECT COALESCE(SUM(desired), 0) AS asked, COALESCE(SUM(granted), 0) AS granted
       FROM reservations`,
    )
    .one();
}

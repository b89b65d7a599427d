import type { ScheduleKind } from "./schedule-kind";

/** SQL for the schedule table: one row per (kind, ref), indexed by due time. */

/**
 * The one writer of schedule rows: keeps one row per (kind, ref); an existing row moves to
 * `dueAtMs` unless `keepDue`.
 */
export function schedule(
  sql: SqlStorage,
  kind: ScheduleKind,
  ref: string,
  dueAtMs: number,
  keepDue = false,
): void {
  sql.exec(
    `INSERT INTO schedule (kind, ref, due_at_ms) VALUES (?, ?, ?)
     ON CONFLICT (kind, ref) DO ${keepDue ? "NOTHING" : "UPDATE SET due_at_ms = excluded.due_at_ms"}`,
    kind,
    ref,
    dueAtMs,
  );
}

export function unschedule(sql: SqlStorage, kind: ScheduleKind, ref: string): void {
  sql.exec(`DELETE FROM schedule WHERE kind = ? AND ref = ?`, kind, ref);
}

export function unscheduleKind(sql: SqlStorage, kind: ScheduleKind): void {
  sql.exec(`DELETE FROM schedule WHERE kind = ?`, kind);
}

export function hasScheduled(sql: SqlStorage, kind: ScheduleKind): boolean {
  return sql.exec(`SELECT 1 FROM schedule WHERE kind = ?`, kind).toArray().length > 0;
}

export function isDue(sql: SqlStorage, kind: ScheduleKind, asOfMs: number): boolean {
  return (
    sql.exec(`SELECT 1 FROM schedule WHERE kind = ? AND due_at_ms <= ?`, kind, asOfMs).toArray()
      .length > 0
  );
}

/** Whether any of `kinds` has a row due by `asOfMs`: one read where `isDue` per kind is several. */
export function anyDue(sql: SqlStorage, kinds: readonly ScheduleKind[], asOfMs: number): boolean {
  if (kinds.length === 0) return false;
  return (
    sql
      .exec(
        `SELECT 1 FROM schedule WHERE kind IN (${kinds.map(() => "?").join(", ")}) AND due_at_ms <= ? LIMIT 1`,
        ...kinds,
        asOfMs,
      )
      .toArray().length > 0
  );
}

/** Refs of `kind` due by `asOfMs`, oldest due first, at most `rows`. */
export function dueRefs(
  sql: SqlStorage,
  kind: ScheduleKind,
  asOfMs: number,
  rows: number,
): string[] {
  return sql
    .exec<{ ref: string }>(
      `SELECT ref FROM schedule WHERE kind = ? AND due_at_ms <= ? ORDER BY due_at_ms LIMIT ?`,
      kind,
      asOfMs,
      rows,
    )
    .toArray()
    .map((r) => r.ref);
}

export function postpone(sql: SqlStorage, kind: ScheduleKind, ref: string, dueAtMs: number): void {
  sql.exec(`UPDATE schedule SET due_at_ms = ? WHERE kind = ? AND ref = ?`, dueAtMs, kind, ref);
}

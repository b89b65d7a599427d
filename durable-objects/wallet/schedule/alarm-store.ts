/**
 * What the alarm is armed from, in one read: the earliest due schedule row and whether the
 * outbox still holds rows (a flush that failed). Every write ends by reading it.
 */
export function alarmInputs(sql: SqlStorage): {
  nextDueAtMs: number | null;
  outboxWaiting: boolean;
} {
  const row = sql
    .exec<{ due: number | null; waiting: number }>(
      `SELECT (SELECT MIN(due_at_ms) FROM schedule) AS due,
              EXISTS (SELECT 1 FROM outbox) AS waiting`,
    )
    .one();
  return { nextDueAtMs: row.due, outboxWaiting: row.waiting === 1 };
}

import { boundUserId } from "../core/meta-store";
import { insertOutbox } from "../outbox/outbox-store";
import { POINTS_SCHEDULE_KINDS } from "../schedule/schedule-kind";

/**
 * Tells D1 when this wallet's loyalty program next has work due (the earliest of its points
 * and tier schedule rows), so the points cron backstop can visit a wallet whose alarm was lost
 * (workers/api/src/features/loyalty/backstop.ts). Published only when the time changes, with a
 * rising `seq` kept in the wallet's meta table, inside the caller's transaction.
 */
export function publishLoyaltyDue(sql: SqlStorage): void {
  const dueAtMs = sql
    .exec<{ due: number | null }>(
      `SELECT MIN(due_at_ms) AS due FROM schedule WHERE kind IN (${POINTS_SCHEDULE_KINDS.map(() => "?").join(", ")})`,
      ...POINTS_SCHEDULE_KINDS,
    )
    .one().due;
  const row = sql
    .exec<{ value: string }>(`SELECT value FROM meta WHERE key = 'loyalty_due'`)
    .toArray()[0];
  const last = row ? (JSON.parse(row.value) as { dueAtMs: number | null; seq: number }) : null;
  if (last && last.dueAtMs === dueAtMs) return;
  if (!last && dueAtMs === null) return;
  const seq = (last?.seq ?? 0) + 1;
  sql.exec(
    `INSERT INTO meta (key, value) VALUES ('loyalty_due', ?)
     ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    JSON.stringify({ dueAtMs, seq }),
  );
  insertOutbox(sql, { kind: "loyalty_due", userId: boundUserId(sql), dueAtMs, seq });
}

import { type OutboxMessage, type OutboxRow, queueOf } from "./outbox-message";

/** SQL for the outbox: rows written in the same storage transaction as the change they report. */

/** The one writer of outbox rows. */
export function insertOutbox(sql: SqlStorage, message: OutboxMessage): void {
  sql.exec(
    `INSERT INTO outbox (body, queue) VALUES (?, ?)`,
    JSON.stringify(message),
    queueOf(message),
  );
}

export function readOutbox(sql: SqlStorage, rows: number): OutboxRow[] {
  return sql
    .exec<{ seq: number; body: string; queue: string }>(
      `SELECT seq, body, queue FROM outbox ORDER BY seq LIMIT ?`,
      rows,
    )
    .toArray();
}

export function deleteOutboxThrough(sql: SqlStorage, seq: number): void {
  sql.exec(`DELETE FROM outbox WHERE seq <= ?`, seq);
}

export function outboxWaiting(sql: SqlStorage): boolean {
  return sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM outbox`).one().n > 0;
}

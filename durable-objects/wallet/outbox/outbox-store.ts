import { type OutboxMessage, type OutboxRow, queueOf } from "./outbox-message";

/** SQL for the outbox: rows written in the same storage transaction as the change they report. */

/** One outbox row (a writer outside a `WalletTx`). */
export function insertOutbox(sql: SqlStorage, message: OutboxMessage): void {
  insertOutboxRows(sql, [message]);
}

/**
 * Rows per INSERT: two parameters each, within the 100 bound parameters a Durable Object's SQL
 * statement may carry.
 */
const ROWS_PER_INSERT = 50;

/**
 * Writes `messages` as outbox rows in their order (one multi-row INSERT per 50: the rows take
 * ascending seqs in VALUES order).
 */
export function insertOutboxRows(sql: SqlStorage, messages: readonly OutboxMessage[]): void {
  for (let start = 0; start < messages.length; start += ROWS_PER_INSERT) {
    const chunk = messages.slice(start, start + ROWS_PER_INSERT);
    const params: string[] = [];
    for (const message of chunk) params.push(JSON.stringify(message), queueOf(message));
    sql.exec(
      `INSERT INTO outbox (body, queue) VALUES ${chunk.map(() => "(?, ?)").join(", ")}`,
      ...params,
    );
  }
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

import { type OutboxMessage, type OutboxRow, queueOf } from "./outbox-message";

/** SQL for the outbox: rows written in the same storage transaction as the change they report. */

/** One outbox row (a writer outside a `WalletTx`). */
export function insertOutbox(sql: SqlStorage, message: OutboxMessage): void {
  insertOutboxRows(sql, [outboxRowOf(message)]);
}

/** A message as its outbox row's columns, fixed at the moment it is taken. */
export interface PendingOutboxRow {
  body: string;
  queue: string;
}

export function outboxRowOf(message: OutboxMessage): PendingOutboxRow {
  return { body: JSON.stringify(message), queue: queueOf(message) };
}

/**
 * Rows per INSERT: two parameters each, within the 100 bound parameters a Durable Object's SQL
 * statement may carry.
 */
const ROWS_PER_INSERT = 50;

/**
 * Writes `rows` as outbox rows in their order (one multi-row INSERT per 50: the rows take
 * ascending seqs in VALUES order).
 */
export function insertOutboxRows(sql: SqlStorage, rows: readonly PendingOutboxRow[]): void {
  for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
    const chunk = rows.slice(start, start + ROWS_PER_INSERT);
    const params: string[] = [];
    for (const row of chunk) params.push(row.body, row.queue);
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

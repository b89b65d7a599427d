import type { LedgerEventMessage } from "#shared/messages";
import { bundleLedgerEventJson } from "#shared/queues/ledger-bundle";
import { type OutboxMessage, type OutboxRow, queueOf } from "./outbox-message";

/** SQL for the outbox: rows written in the same storage transaction as the change they report. */

/** One outbox row (a writer outside a `WalletTx`). */
export function insertOutbox(sql: SqlStorage, message: OutboxMessage): void {
  insertOutboxRows(sql, [outboxRowOf(message)]);
}

/**
 * A message as its outbox row's columns, fixed at the moment it is taken; `ledgerUser` is the
 * user of a ledger event (what its row may be bundled by), null for every other queue.
 */
export interface PendingOutboxRow {
  body: string;
  queue: string;
  ledgerUser: string | null;
}

export function outboxRowOf(message: OutboxMessage): PendingOutboxRow {
  const queue = queueOf(message);
  // Every message `queueOf` sends to ledger_events is a ledger event, and each names its user.
  const ledgerUser = queue === "ledger_events" ? (message as LedgerEventMessage).userId : null;
  return { body: JSON.stringify(message), queue, ledgerUser };
}

/**
 * Pure: a unit of work's rows with each user's ledger events folded into one row (a
 * `ledger_bundle`, shared/queues/ledger-bundle.ts; more than one only past its byte budget),
 * placed where that user's first event was; every other row kept as it was, in order. The flush
 * already sends each user's events of a flush as one message, so the queue sees the same
 * messages; the outbox writes, reads and deletes one row where it did one per event
 * (docs/benchmarks.md "One outbox row per call's ledger events").
 *
 * @example
 * bundleOutboxRows([txn(u), notice(u), balances(u)])
 * // [{ queue: "ledger_events", body: '{"kind":"ledger_bundle","userId":"u","events":[txn,balances]}' }, notice]
 */
export function bundleOutboxRows(rows: readonly PendingOutboxRow[]): PendingOutboxRow[] {
  const eventsByUser = new Map<string, string[]>();
  for (const { ledgerUser, body } of rows) {
    if (ledgerUser !== null)
      eventsByUser.set(ledgerUser, [...(eventsByUser.get(ledgerUser) ?? []), body]);
  }
  const out: PendingOutboxRow[] = [];
  for (const row of rows) {
    const events = row.ledgerUser === null ? undefined : eventsByUser.get(row.ledgerUser);
    if (row.ledgerUser === null) out.push(row);
    else if (events !== undefined) {
      // The user's first event: all of their events go here; the later ones are skipped.
      eventsByUser.delete(row.ledgerUser);
      for (const body of bundleLedgerEventJson(row.ledgerUser, events))
        out.push({ body, queue: row.queue, ledgerUser: row.ledgerUser });
    }
  }
  return out;
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

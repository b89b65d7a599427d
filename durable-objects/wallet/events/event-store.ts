import type { FirstPartyEvent } from "#shared/events/event-schema";

/**
 * SQL for the wallet's event inbox (`events`, wallet schema step 14): every first-party event
 * the user's backend sent, kept under its id with the digest that makes a repeat a no-op and a
 * different body under the same id a conflict. `status`: `received` (waiting to be processed),
 * `waiting` (a refund or chargeback whose original has not arrived yet), `processed`.
 */

export type EventStatus = "received" | "waiting" | "processed";

/** An event's `data` as stored: flat fields (every event type's fields are scalars). */
export type EventData = Record<string, string | number | boolean | null>;

export interface StoredEvent {
  eventId: string;
  type: string;
  occurredAtMs: number;
  receivedAtMs: number;
  /** The event key it was signed with (who sent it). */
  keyName: string;
  /** `data` as stored: personal fields (e-mail, phone) are sealed elsewhere, never here. */
  data: EventData;
  status: EventStatus;
  outcome: EventOutcome | null;
  processedAtMs: number | null;
}

/** What processing made of an event (shown to operators). */
export interface EventOutcome {
  result: "processed" | "orphaned";
  detail?: string;
  /** The live rule set version the event was evaluated against; absent when none was live. */
  ruleSetVersion?: number;
  /** What it earned or took back (events/rewards.ts). */
  rewards?: EventReward[];
  /**
   * A signup with referral data: how it was attributed or why it is not a referral (a reason
   * code of referrals/reasons.ts).
   */
  referral?: string;
}

/** One reward of an event: points a rule gave, or what a refund or chargeback took back. */
export interface EventReward {
  ruleId: string | null;
  ruleVersion: number | null;
  kind: EventRewardKind;
  points?: number;
  /** Cashback paid, taken back or restored, in minor units of `currency`. */
  amountMinor?: number;
  currency?: string;
  /** What the rule asked for, when its budgets are still to answer or granted less. */
  asked?: number;
  detail?: string | undefined;
}

export const EVENT_REWARD_KINDS = [
  "points",
  "cashback",
  "awaiting_budget",
  "points_rollback",
  "points_restored",
  "cashback_rollback",
  "cashback_restored",
  "skipped",
] as const;
export type EventRewardKind = (typeof EVENT_REWARD_KINDS)[number];

/**
 * Replaces the reward of `ruleId` in `unit` an event's outcome recorded as awaiting its
 * budgets with what the budgets granted (the outcome is what operators read).
 */
export function settleEventReward(
  sql: SqlStorage,
  eventId: string,
  match: { ruleId: string; unit: string },
  settled: EventReward,
): void {
  const event = findEvent(sql, eventId);
  if (!event?.outcome?.rewards) return;
  const rewards = event.outcome.rewards.map((r) =>
    r.kind === "awaiting_budget" &&
    r.ruleId === match.ruleId &&
    (r.currency ?? "points") === match.unit
      ? settled
      : r,
  );
  sql.exec(
    `UPDATE events SET outcome_json = ? WHERE event_id = ?`,
    JSON.stringify({ ...event.outcome, rewards }),
    eventId,
  );
}

interface EventRow extends Record<string, SqlStorageValue> {
  event_id: string;
  type: string;
  digest: string;
  occurred_at_ms: number;
  received_at_ms: number;
  key_name: string;
  data_json: string;
  status: string;
  outcome_json: string | null;
  processed_at_ms: number | null;
}

const COLUMNS = `event_id, type, digest, occurred_at_ms, received_at_ms, key_name, data_json,
  status, outcome_json, processed_at_ms`;

function toStored(row: EventRow): StoredEvent {
  return {
    eventId: row.event_id,
    type: row.type,
    occurredAtMs: row.occurred_at_ms,
    receivedAtMs: row.received_at_ms,
    keyName: row.key_name,
    data: JSON.parse(row.data_json) as EventData,
    status: row.status as EventStatus,
    outcome: row.outcome_json ? (JSON.parse(row.outcome_json) as EventOutcome) : null,
    processedAtMs: row.processed_at_ms,
  };
}

export function findEventDigest(sql: SqlStorage, eventId: string): { digest: string } | null {
  const row = sql
    .exec<{ digest: string }>(`SELECT digest FROM events WHERE event_id = ?`, eventId)
    .toArray()[0];
  return row ?? null;
}

export function findEvent(sql: SqlStorage, eventId: string): StoredEvent | null {
  const row = sql
    .exec<EventRow>(`SELECT ${COLUMNS} FROM events WHERE event_id = ?`, eventId)
    .toArray()[0];
  return row ? toStored(row) : null;
}

export function insertEvent(
  sql: SqlStorage,
  event: FirstPartyEvent,
  stored: { digest: string; keyName: string; data: Record<string, unknown>; receivedAtMs: number },
): void {
  sql.exec(
    `INSERT INTO events (event_id, type, digest, occurred_at_ms, received_at_ms, key_name,
       data_json, status)
     VALUES (?, ?, ?, ?, ?, ?, ?, 'received')`,
    event.id,
    event.type,
    stored.digest,
    event.occurredAtMs,
    stored.receivedAtMs,
    stored.keyName,
    JSON.stringify(stored.data),
  );
}

/** Events not yet processed, oldest occurrence first, bounded. */
export function unprocessedEvents(sql: SqlStorage, limit: number): StoredEvent[] {
  return sql
    .exec<EventRow>(
      `SELECT ${COLUMNS} FROM events WHERE status != 'processed'
       ORDER BY occurred_at_ms, event_id LIMIT ?`,
      limit,
    )
    .toArray()
    .map(toStored);
}

/** Processed events that occurred at or after `fromMs`, oldest first (referral look-back). */
export function processedEventsSince(
  sql: SqlStorage,
  fromMs: number,
  limit: number,
): StoredEvent[] {
  return sql
    .exec<EventRow>(
      `SELECT ${COLUMNS} FROM events WHERE status = 'processed' AND occurred_at_ms >= ?
       ORDER BY occurred_at_ms, event_id LIMIT ?`,
      fromMs,
      limit,
    )
    .toArray()
    .map(toStored);
}

/**
 * The processed follow-ups (refunds, chargebacks, resolutions, confirmations) that name
 * `originalEventId`, in the order they were processed (a late referral qualification replays
 * them).
 */
export function processedFollowUpsOf(sql: SqlStorage, originalEventId: string): StoredEvent[] {
  return sql
    .exec<EventRow>(
      `SELECT ${COLUMNS} FROM events
       WHERE status = 'processed'
         AND type IN ('refund.completed', 'chargeback.created', 'chargeback.resolved',
                      'purchase.confirmed')
         AND json_extract(data_json, '$.originalEventId') = ?
       ORDER BY processed_at_ms, occurred_at_ms, event_id`,
      originalEventId,
    )
    .toArray()
    .map(toStored);
}

export function countUnprocessed(sql: SqlStorage): { received: number; waiting: number } {
  const rows = sql
    .exec<{ status: string; n: number }>(
      `SELECT status, COUNT(*) AS n FROM events WHERE status != 'processed' GROUP BY status`,
    )
    .toArray();
  const of = (status: string) => rows.find((r) => r.status === status)?.n ?? 0;
  return { received: of("received"), waiting: of("waiting") };
}

export function setEventStatus(
  sql: SqlStorage,
  eventId: string,
  status: EventStatus,
  outcome: EventOutcome | null,
  processedAtMs: number | null,
): void {
  sql.exec(
    `UPDATE events SET status = ?, outcome_json = ?, processed_at_ms = ? WHERE event_id = ?`,
    status,
    outcome ? JSON.stringify(outcome) : null,
    processedAtMs,
    eventId,
  );
}

/** Events of one type that occurred in [fromMs, beforeMs): "first of its kind this month". */
export function countOfTypeBetween(
  sql: SqlStorage,
  type: string,
  fromMs: number,
  beforeMs: number,
): number {
  return sql
    .exec<{ n: number }>(
      `SELECT COUNT(*) AS n FROM events
       WHERE type = ? AND occurred_at_ms >= ? AND occurred_at_ms < ?`,
      type,
      fromMs,
      beforeMs,
    )
    .one().n;
}

/** Newest first, keyset on (occurred_at_ms, event_id). */
export function listEvents(
  sql: SqlStorage,
  before: { occurredAtMs: number; eventId: string } | null,
  limit: number,
): StoredEvent[] {
  const rows = before
    ? sql.exec<EventRow>(
        `SELECT ${COLUMNS} FROM events
         WHERE (occurred_at_ms, event_id) < (?, ?)
         ORDER BY occurred_at_ms DESC, event_id DESC LIMIT ?`,
        before.occurredAtMs,
        before.eventId,
        limit,
      )
    : sql.exec<EventRow>(
        `SELECT ${COLUMNS} FROM events ORDER BY occurred_at_ms DESC, event_id DESC LIMIT ?`,
        limit,
      );
  return rows.toArray().map(toStored);
}

/** Sealed contact details from `user.signed_up` (e-mail, phone): one row per user. */
export function saveContact(sql: SqlStorage, sealed: string, maskedJson: string, atMs: number) {
  sql.exec(
    `INSERT INTO contact (id, sealed, masked_json, updated_at_ms) VALUES (1, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET sealed = excluded.sealed, masked_json = excluded.masked_json,
       updated_at_ms = excluded.updated_at_ms`,
    sealed,
    maskedJson,
    atMs,
  );
}

export function readContact(
  sql: SqlStorage,
): { sealed: string; masked: Record<string, string>; updatedAtMs: number } | null {
  const row = sql
    .exec<{ sealed: string; masked_json: string; updated_at_ms: number }>(
      `SELECT sealed, masked_json, updated_at_ms FROM contact WHERE id = 1`,
    )
    .toArray()[0];
  return row
    ? {
        sealed: row.sealed,
        masked: JSON.parse(row.masked_json) as Record<string, string>,
        updatedAtMs: row.updated_at_ms,
      }
    : null;
}

/**
 * When the user signed up, from the earliest `user.signed_up` processed (a re-sent or later
 * sign-up never makes an account younger). Kept in the object's meta table.
 */
export function setSignedUpAt(sql: SqlStorage, atMs: number): void {
  sql.exec(
    `INSERT INTO meta (key, value) VALUES ('signed_up_at_ms', ?)
     ON CONFLICT (key) DO UPDATE SET value = MIN(CAST(value AS INTEGER), CAST(excluded.value AS INTEGER))`,
    String(atMs),
  );
}

export function signedUpAtMs(sql: SqlStorage): number | null {
  const row = sql
    .exec<{ value: string }>(`SELECT value FROM meta WHERE key = 'signed_up_at_ms'`)
    .toArray()[0];
  return row ? Number(row.value) : null;
}

export interface ContactReveal {
  revealedBy: string;
  reason: string;
  atMs: number;
}

/** Every reveal of the contact details is kept: who, why, when (newest first when read). */
export function recordReveal(sql: SqlStorage, reveal: ContactReveal): void {
  sql.exec(
    `INSERT INTO contact_reveals (revealed_by, reason, at_ms) VALUES (?, ?, ?)`,
    reveal.revealedBy,
    reveal.reason,
    reveal.atMs,
  );
}

export function recentReveals(sql: SqlStorage, limit: number): ContactReveal[] {
  return sql
    .exec<{ revealed_by: string; reason: string; at_ms: number }>(
      `SELECT revealed_by, reason, at_ms FROM contact_reveals ORDER BY id DESC LIMIT ?`,
      limit,
    )
    .toArray()
    .map((r) => ({ revealedBy: r.revealed_by, reason: r.reason, atMs: r.at_ms }));
}

/**
 * What refunds already processed took of one original event, in minor units: a later refund
 * that completes the original takes everything left (events/rewards.ts).
 */
export function sumRefundedFor(sql: SqlStorage, originalEventId: string): number {
  return (
    sql
      .exec<{ total: number | null }>(
        `SELECT SUM(json_extract(data_json, '$.amountMinor')) AS total FROM events
       WHERE type = 'refund.completed' AND status = 'processed'
         AND json_extract(data_json, '$.originalEventId') = ?`,
        originalEventId,
      )
      .one().total ?? 0
  );
}

/**
 * The chargeback of one original event that is still open: the most recent processed one, when
 * no resolution of the event occurred after it was processed. Null when there is none.
 */
export function openChargebackFor(sql: SqlStorage, originalEventId: string): string | null {
  const row = sql
    .exec<{ event_id: string }>(
      `SELECT c.event_id FROM events c
       WHERE c.type = 'chargeback.created' AND c.status = 'processed'
         AND json_extract(c.data_json, '$.originalEventId') = ?
         AND NOT EXISTS (
           SELECT 1 FROM events r
           WHERE r.type = 'chargeback.resolved' AND r.status = 'processed'
             AND json_extract(r.data_json, '$.originalEventId') = ?
             AND r.occurred_at_ms >= c.occurred_at_ms)
       ORDER BY c.occurred_at_ms DESC, c.event_id DESC LIMIT 1`,
      originalEventId,
      originalEventId,
    )
    .toArray()[0];
  if (!row || row.event_id !== latestChargebackFor(sql, originalEventId)) return null;
  return row.event_id;
}

/** The most recent processed chargeback of one original event: whose rollback a win restores. */
export function latestChargebackFor(sql: SqlStorage, originalEventId: string): string | null {
  const row = sql
    .exec<{ event_id: string }>(
      `SELECT event_id FROM events
       WHERE type = 'chargeback.created' AND status = 'processed'
         AND json_extract(data_json, '$.originalEventId') = ?
       ORDER BY occurred_at_ms DESC, event_id DESC LIMIT 1`,
      originalEventId,
    )
    .toArray()[0];
  return row?.event_id ?? null;
}

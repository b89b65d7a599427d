import { and, desc, eq, inArray, lt } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { notificationDeliveries } from "#shared/db/schema";

/**
 * D1 `notification_deliveries`: one row per (event, channel, recipient), written in batches per
 * queue batch. A row in a final state (`sent`, `skipped`, `dead`) is never changed by the
 * router again, so a queue's redelivery sends nothing twice; only a replay moves `dead` back.
 */

export type DeliveryState = (typeof notificationDeliveries.$inferSelect)["state"];
export type DeliveryRow = typeof notificationDeliveries.$inferSelect;

/** The reason a held e-mail is recorded `deferred` with while its push is outstanding. */
export const AWAITING_PUSH_OPEN = "awaiting_push_open";

/** States a redelivered event leaves alone. */
export const FINAL_STATES: readonly DeliveryState[] = ["sent", "skipped", "dead"];
/** States the router may (re)decide and claim. */
const OPEN_STATES_SQL = `('pending','deferred','failed')`;

/** D1 binds at most 100 parameters a statement. */
const IDS_PER_READ = 90;

/** Identity of one delivery, as the router computes it. */
export interface DeliveryKey {
  id: string;
  eventId: string;
  userId: string;
  type: string;
  category: string;
  channel: string;
}

export async function readDeliveries(
  db: D1Database,
  ids: readonly string[],
): Promise<Map<string, DeliveryRow>> {
  const unique = [...new Set(ids)];
  const found = new Map<string, DeliveryRow>();
  for (let at = 0; at < unique.length; at += IDS_PER_READ) {
    const rows = await drizzle(db)
      .select()
      .from(notificationDeliveries)
      .where(inArray(notificationDeliveries.id, unique.slice(at, at + IDS_PER_READ)));
    for (const row of rows) found.set(row.id, row);
  }
  return found;
}

const INSERT_COLUMNS =
  "id, event_id, user_id, type, category, channel, state, attempts, reason, deliver_after_ms, lease_until_ms, created_at_ms, updated_at_ms";

/** A skip or a deferral, recorded unless the row is already final (or being sent). */
export function decisionStatement(
  db: D1Database,
  key: DeliveryKey,
  state: "skipped" | "deferred",
  reason: string,
  deliverAfterMs: number | null,
  nowMs: number,
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO notification_deliveries (${INSERT_COLUMNS})
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, ?8, ?9, NULL, ?10, ?10)
       ON CONFLICT(id) DO UPDATE SET state = excluded.state, reason = excluded.reason,
         deliver_after_ms = excluded.deliver_after_ms, updated_at_ms = excluded.updated_at_ms
       WHERE notification_deliveries.state IN ${OPEN_STATES_SQL}`,
    )
    .bind(
      key.id,
      key.eventId,
      key.userId,
      key.type,
      key.category,
      key.channel,
      state,
      reason,
      deliverAfterMs,
      nowMs,
    );
}

/**
 * Claims deliveries for sending, all in one D1 batch: a new row starts `sending`; an open one
 * (pending, deferred, failed) or a `sending` one whose lease ran out moves to `sending` with
 * one more attempt. Returns the claimed ids with their attempt count; a delivery another
 * consumer holds, or that is final, is not returned.
 */
export async function claimDeliveries(
  db: D1Database,
  keys: readonly DeliveryKey[],
  nowMs: number,
  leaseMs: number,
): Promise<Map<string, number>> {
  if (keys.length === 0) return new Map();
  const statements = keys.map((key) =>
    db
      .prepare(
        `INSERT INTO notification_deliveries (${INSERT_COLUMNS})
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'sending', 1, NULL, NULL, ?7, ?8, ?8)
         ON CONFLICT(id) DO UPDATE SET state = 'sending',
           attempts = notification_deliveries.attempts + 1, lease_until_ms = excluded.lease_until_ms,
           deliver_after_ms = NULL, updated_at_ms = excluded.updated_at_ms
         WHERE notification_deliveries.state IN ${OPEN_STATES_SQL}
            OR (notification_deliveries.state = 'sending' AND notification_deliveries.lease_until_ms < ?8)
         RETURNING id, attempts`,
      )
      .bind(
        key.id,
        key.eventId,
        key.userId,
        key.type,
        key.category,
        key.channel,
        nowMs + leaseMs,
        nowMs,
      ),
  );
  const results = await db.batch<{ id: string; attempts: number }>(statements);
  const claimed = new Map<string, number>();
  for (const result of results) {
    for (const row of result.results) claimed.set(row.id, row.attempts);
  }
  return claimed;
}

export type DeliveryOutcome =
  | {
      id: string;
      state: "sent";
      providerRef: string | null;
      /** The hand-over was the delivery receipt (the signed webhook's 2xx). */
      delivered?: boolean;
      /** The event, kept on a transactional push for its escalation to e-mail. */
      event?: string;
    }
  | { id: string; state: "failed" | "dead"; reason: string; event?: string };

/** What one send ended as, for the batch that records a queue batch's sends. */
export function outcomeStatement(
  db: D1Database,
  outcome: DeliveryOutcome,
  nowMs: number,
): D1PreparedStatement {
  if (outcome.state === "sent") {
    return db
      .prepare(
        `UPDATE notification_deliveries SET state = 'sent', provider_ref = ?2, reason = NULL,
           lease_until_ms = NULL, sent_at_ms = ?3, updated_at_ms = ?3,
           delivered_at_ms = CASE WHEN ?4 = 1 THEN COALESCE(delivered_at_ms, ?3) ELSE delivered_at_ms END,
           event = COALESCE(?5, event)
         WHERE id = ?1 AND state = 'sending'`,
      )
      .bind(
        outcome.id,
        outcome.providerRef,
        nowMs,
        outcome.delivered ? 1 : 0,
        outcome.event ?? null,
      );
  }
  return db
    .prepare(
      `UPDATE notification_deliveries SET state = ?2, reason = ?3, lease_until_ms = NULL,
         updated_at_ms = ?4, event = COALESCE(?5, event)
       WHERE id = ?1 AND state = 'sending'`,
    )
    .bind(outcome.id, outcome.state, outcome.reason, nowMs, outcome.event ?? null);
}

/** Every delivery of these events (for the dead-letter consumer). */
export async function deliveriesOfEvents(
  db: D1Database,
  eventIds: readonly string[],
): Promise<DeliveryRow[]> {
  const unique = [...new Set(eventIds)];
  const rows: DeliveryRow[] = [];
  for (let at = 0; at < unique.length; at += IDS_PER_READ) {
    rows.push(
      ...(await drizzle(db)
        .select()
        .from(notificationDeliveries)
        .where(inArray(notificationDeliveries.eventId, unique.slice(at, at + IDS_PER_READ)))),
    );
  }
  return rows;
}

/** A user's most recent deliveries, newest first (the console's user view). */
export async function listUserDeliveries(
  db: D1Database,
  userId: string,
  options: { limit: number; beforeMs?: number | undefined },
): Promise<DeliveryRow[]> {
  return drizzle(db)
    .select()
    .from(notificationDeliveries)
    .where(
      and(
        eq(notificationDeliveries.userId, userId),
        options.beforeMs === undefined
          ? undefined
          : lt(notificationDeliveries.createdAtMs, options.beforeMs),
      ),
    )
    .orderBy(desc(notificationDeliveries.createdAtMs), desc(notificationDeliveries.id))
    .limit(options.limit);
}

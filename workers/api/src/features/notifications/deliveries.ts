import { and, desc, eq, inArray, lt } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { type DbRouterEnv, userDb } from "#shared/db/router";
import { notificationDeliveries } from "#shared/db/schema";
import type { OnDb } from "../../db/batch";

/**
 * D1 `notification_deliveries`: one row per (event, channel, recipient), written in batches per
 * queue batch. A row in a final state (`sent`, `skipped`, `dead`) is never changed by the
 * router again, so a queue's redelivery sends nothing twice; only a replay moves `dead` back.
 *
 * A user table spread over the user databases (shared/db/placement.ts `ROUTED`): a delivery
 * lives in its user's database, so every function here takes the user (or rows that name it)
 * and reaches D1 through shared/db/router.ts. Its other stores: receipts.ts (receipts) and
 * escalation.ts (the sweep over every user database).
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

/** Ids grouped by the database of their user, duplicates dropped. */
function idsByDb(
  env: DbRouterEnv,
  items: readonly { id: string; userId: string }[],
): Map<D1Database, string[]> {
  const groups = new Map<D1Database, Set<string>>();
  for (const { id, userId } of items) {
    const db = userDb(env, userId);
    groups.set(db, (groups.get(db) ?? new Set()).add(id));
  }
  return new Map([...groups].map(([db, ids]) => [db, [...ids]]));
}

/** The stored deliveries of `keys`: one read per user database per 90 ids. */
export async function readDeliveries(
  env: DbRouterEnv,
  keys: readonly { id: string; userId: string }[],
): Promise<Map<string, DeliveryRow>> {
  const found = new Map<string, DeliveryRow>();
  await Promise.all(
    [...idsByDb(env, keys)].map(async ([db, ids]) => {
      for (let at = 0; at < ids.length; at += IDS_PER_READ) {
        const rows = await drizzle(db)
          .select()
          .from(notificationDeliveries)
          .where(inArray(notificationDeliveries.id, ids.slice(at, at + IDS_PER_READ)));
        for (const row of rows) found.set(row.id, row);
      }
    }),
  );
  return found;
}

const INSERT_COLUMNS =
  "id, event_id, user_id, type, category, channel, state, attempts, reason, deliver_after_ms, lease_until_ms, created_at_ms, updated_at_ms";

/** A skip or a deferral, recorded unless the row is already final (or being sent). */
export function decisionStatement(
  env: DbRouterEnv,
  key: DeliveryKey,
  state: "skipped" | "deferred",
  reason: string,
  deliverAfterMs: number | null,
  nowMs: number,
): OnDb {
  const db = userDb(env, key.userId);
  const statement = db
    .prepare(
      `INSERT INTO notification_deliveries (${INSERT_COLUMNS})
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, ?8, ?9, NULL, ?10, ?10)
       ON CONFLICT(id) DO UPDATE SET state = excluded.state, reason = excluded.reason,
         deliver_after_ms = excluded.deliver_after_ms, updated_at_ms = excluded.updated_at_ms
       WHERE notification_deliveries.state IN ${OPEN_STATES_SQL}`,
    )
    .bind(...keyBinds(key), state, reason, deliverAfterMs, nowMs);
  return { db, statement };
}

/**
 * Claims deliveries for sending, all in one D1 batch: a new row starts `sending`; an open one
 * (pending, deferred, failed) or a `sending` one whose lease ran out moves to `sending` with
 * one more attempt. Returns the claimed ids with their attempt count; a delivery another
 * consumer holds, or that is final, is not returned. One batch per user database.
 */
export async function claimDeliveries(
  env: DbRouterEnv,
  keys: readonly DeliveryKey[],
  nowMs: number,
  leaseMs: number,
): Promise<Map<string, number>> {
  if (keys.length === 0) return new Map();
  const perDb = new Map<D1Database, D1PreparedStatement[]>();
  for (const key of keys) {
    const db = userDb(env, key.userId);
    perDb.set(db, [...(perDb.get(db) ?? []), claimStatement(db, key, nowMs, leaseMs)]);
  }
  const results = (
    await Promise.all(
      [...perDb].map(([db, list]) => db.batch<{ id: string; attempts: number }>(list)),
    )
  ).flat();
  const claimed = new Map<string, number>();
  for (const result of results) {
    for (const row of result.results) claimed.set(row.id, row.attempts);
  }
  return claimed;
}

function claimStatement(
  db: D1Database,
  key: DeliveryKey,
  nowMs: number,
  leaseMs: number,
): D1PreparedStatement {
  return db
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
    .bind(...keyBinds(key), nowMs + leaseMs, nowMs);
}

/** A delivery's identifying columns, in INSERT_COLUMNS' order (?1–?6 of its inserts). */
function keyBinds(key: DeliveryKey) {
  return [key.id, key.eventId, key.userId, key.type, key.category, key.channel] as const;
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

/** What one send ended as, on its user's database, for the batch recording a queue batch's sends. */
export function outcomeStatement(
  env: DbRouterEnv,
  userId: string,
  outcome: DeliveryOutcome,
  nowMs: number,
): OnDb {
  const db = userDb(env, userId);
  return { db, statement: outcomeOn(db, outcome, nowMs) };
}

function outcomeOn(db: D1Database, outcome: DeliveryOutcome, nowMs: number): D1PreparedStatement {
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

/** Every delivery of these events (for the dead-letter consumer), each on its user's database. */
export async function deliveriesOfEvents(
  env: DbRouterEnv,
  events: readonly { id: string; userId: string }[],
): Promise<DeliveryRow[]> {
  const parts = await Promise.all(
    [...idsByDb(env, events)].map(async ([db, eventIds]) => {
      const rows: DeliveryRow[] = [];
      for (let at = 0; at < eventIds.length; at += IDS_PER_READ) {
        rows.push(
          ...(await drizzle(db)
            .select()
            .from(notificationDeliveries)
            .where(inArray(notificationDeliveries.eventId, eventIds.slice(at, at + IDS_PER_READ)))),
        );
      }
      return rows;
    }),
  );
  return parts.flat();
}

/** A delivery the queue gave up on becomes `dead` (unless it finished meanwhile). */
export function deadStatement(env: DbRouterEnv, row: DeliveryRow, nowMs: number): OnDb {
  const db = userDb(env, row.userId);
  const statement = db
    .prepare(
      `UPDATE notification_deliveries SET state = 'dead', lease_until_ms = NULL, updated_at_ms = ?2
       WHERE id = ?1 AND state IN ('pending','sending','failed')`,
    )
    .bind(row.id, nowMs);
  return { db, statement };
}

/**
 * A replayed dead letter's delivery goes back to `pending` (`reopen`), or, when its event
 * could not be queued, back to `dead` (`undo`). The dead letter's own mark is in the global
 * database (dead-letters.ts); this is the delivery's half, on its user's database.
 */
export async function replayDelivery(
  env: DbRouterEnv,
  delivery: { id: string; userId: string },
  step: "reopen" | "undo",
  nowMs: number,
): Promise<void> {
  const db = userDb(env, delivery.userId);
  await db
    .prepare(
      step === "reopen"
        ? `UPDATE notification_deliveries SET state = 'pending', reason = NULL,
             lease_until_ms = NULL, updated_at_ms = ?2
           WHERE id = ?1 AND state = 'dead'`
        : `UPDATE notification_deliveries SET state = 'dead', updated_at_ms = ?2
           WHERE id = ?1 AND state = 'pending'`,
    )
    .bind(delivery.id, nowMs)
    .run();
}

/** A user's most recent deliveries, newest first (the console's user view). */
export async function listUserDeliveries(
  env: DbRouterEnv,
  userId: string,
  options: { limit: number; beforeMs?: number | undefined },
): Promise<DeliveryRow[]> {
  return drizzle(userDb(env, userId))
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

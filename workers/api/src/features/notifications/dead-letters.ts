import { and, desc, eq, lt, or } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { notificationDeadLetters } from "#shared/db/schema";
import type { NotificationEventMessage } from "#shared/notify/message";

/**
 * D1 `notification_dead_letters`: deliveries that will not go out by themselves. At most one
 * open row per delivery (a partial unique index), so the DLQ consumer's redelivery adds none.
 */

export type DeadLetterRow = typeof notificationDeadLetters.$inferSelect;
export type DeadLetterStatus = DeadLetterRow["status"];

export interface DeadLetterInput {
  deliveryId: string;
  event: NotificationEventMessage;
  channel: string;
  error: string;
  attempts: number;
}

/** Records a dead letter; ignored while the delivery already has an open one. */
export function deadLetterStatement(
  db: D1Database,
  input: DeadLetterInput,
  nowMs: number,
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO notification_dead_letters
         (id, delivery_id, event_id, user_id, type, channel, event, error, attempts, status, created_at_ms)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'open', ?10)
       ON CONFLICT DO NOTHING`,
    )
    .bind(
      `ndl_${crypto.randomUUID().replaceAll("-", "")}`,
      input.deliveryId,
      input.event.id,
      input.event.userId,
      input.event.type,
      input.channel,
      JSON.stringify(input.event),
      input.error.slice(0, 500),
      input.attempts,
      nowMs,
    );
}

/** Dead letters, newest first, optionally of one status; keyset-paged on (created, id). */
export async function listDeadLetters(
  db: D1Database,
  filter: {
    status?: DeadLetterStatus | undefined;
    limit: number;
    before?: { createdAtMs: number; id: string } | undefined;
  },
): Promise<DeadLetterRow[]> {
  const t = notificationDeadLetters;
  return drizzle(db)
    .select()
    .from(t)
    .where(
      and(
        filter.status === undefined ? undefined : eq(t.status, filter.status),
        filter.before === undefined
          ? undefined
          : or(
              lt(t.createdAtMs, filter.before.createdAtMs),
              and(eq(t.createdAtMs, filter.before.createdAtMs), lt(t.id, filter.before.id)),
            ),
      ),
    )
    .orderBy(desc(t.createdAtMs), desc(t.id))
    .limit(filter.limit);
}

export async function deadLetterById(db: D1Database, id: string): Promise<DeadLetterRow | null> {
  const rows = await drizzle(db)
    .select()
    .from(notificationDeadLetters)
    .where(eq(notificationDeadLetters.id, id))
    .limit(1);
  return rows[0] ?? null;
}

/**
 * Marks an open dead letter replayed, atomically: of two concurrent replays exactly one gets
 * the row back; the other gets null. The winner then moves the delivery back to `pending` on
 * its user's database (deliveries.ts `replayDelivery`).
 */
export async function markReplayed(
  db: D1Database,
  id: string,
  by: string,
  nowMs: number,
): Promise<DeadLetterRow | null> {
  const marked = await db
    .prepare(
      `UPDATE notification_dead_letters SET status = 'replayed', replayed_at_ms = ?2, replayed_by = ?3
       WHERE id = ?1 AND status = 'open' RETURNING id`,
    )
    .bind(id, nowMs, by)
    .all();
  if (marked.results.length === 0) return null;
  return deadLetterById(db, id);
}

/** Undoes a replay whose event could not be queued, so the operator can try again. */
export async function unmarkReplayed(db: D1Database, row: DeadLetterRow): Promise<void> {
  await db
    .prepare(
      `UPDATE notification_dead_letters SET status = 'open', replayed_at_ms = NULL, replayed_by = NULL
       WHERE id = ?1 AND status = 'replayed'`,
    )
    .bind(row.id)
    .run();
}

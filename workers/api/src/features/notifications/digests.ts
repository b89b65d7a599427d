import type { NotificationType } from "#shared/notify/catalog";
import type { RenderedMessage } from "#shared/notify/channel";
import type { NotificationEventMessage, NotificationVarValue } from "#shared/notify/message";
import { renderTemplate } from "#shared/notify/render";
import type { NotificationSettings } from "#shared/notify/settings";
import { DEFAULT_TEMPLATES } from "#shared/notify/templates";

/**
 * Digests: a burst of one digestible type for one user (five credits in a minute) becomes one
 * message. The first event opens a digest and the caller schedules its flush `windowSeconds`
 * later (a delayed queue message); later events join the open digest; the flush closes it and
 * renders one message listing them all. Joining and closing are each one D1 transaction, so an
 * event joins either the digest being flushed (and is listed) or a new one, never neither.
 */

/** Pure: whether an event of this type is digested rather than sent on its own. */
export function isDigestible(settings: NotificationSettings, type: NotificationType): boolean {
  return settings.digest.types.includes(type);
}

export type DigestJoin =
  /** The event opened a digest: schedule flushDigest(digestId) at flushAtMs. */
  | { action: "opened"; digestId: string; flushAtMs: number }
  /** The event joined an open digest whose flush is already scheduled: nothing to send now. */
  | { action: "joined"; digestId: string; flushAtMs: number }
  /** A redelivery of an event already in a digest: nothing to do. */
  | { action: "duplicate" };

/** Joins an event to its user's open digest of its type, opening one when none is open. */
export async function joinDigest(
  db: D1Database,
  event: Pick<NotificationEventMessage, "id" | "userId" | "type" | "vars" | "occurredAtMs">,
  windowSeconds: number,
  nowMs: number,
): Promise<DigestJoin> {
  const proposedId = `dg_${crypto.randomUUID()}`;
  const flushAtMs = nowMs + windowSeconds * 1000;
  const [opened, , row] = await db.batch([
    // Open a digest, or count one more in the open one; neither for an event already listed.
    db
      .prepare(
        `INSERT INTO notification_digests
           (id, user_id, type, first_event_id, item_count, opened_at_ms, flush_at_ms)
         SELECT ?1, ?2, ?3, ?4, 1, ?5, ?6
         WHERE NOT EXISTS (SELECT 1 FROM notification_digest_items
                           WHERE user_id = ?2 AND type = ?3 AND event_id = ?4)
         ON CONFLICT (user_id, type) WHERE flushed_at_ms IS NULL
         DO UPDATE SET item_count = item_count + 1`,
      )
      .bind(proposedId, event.userId, event.type, event.id, nowMs, flushAtMs),
    db
      .prepare(
        `INSERT INTO notification_digest_items
           (user_id, type, event_id, digest_id, vars, occurred_at_ms)
         SELECT ?1, ?2, ?3, id, ?4, ?5 FROM notification_digests
         WHERE user_id = ?1 AND type = ?2 AND flushed_at_ms IS NULL
         ON CONFLICT (user_id, type, event_id) DO NOTHING`,
      )
      .bind(event.userId, event.type, event.id, JSON.stringify(event.vars), event.occurredAtMs),
    db
      .prepare(
        `SELECT d.id, d.flush_at_ms, d.first_event_id FROM notification_digest_items i
         JOIN notification_digests d ON d.id = i.digest_id
         WHERE i.user_id = ?1 AND i.type = ?2 AND i.event_id = ?3`,
      )
      .bind(event.userId, event.type, event.id),
  ]);
  const digest = row?.results[0] as
    | { id: string; flush_at_ms: number; first_event_id: string }
    | undefined;
  if (!digest || (opened?.meta.changes ?? 0) === 0) return { action: "duplicate" };
  return digest.id === proposedId
    ? { action: "opened", digestId: digest.id, flushAtMs: digest.flush_at_ms }
    : { action: "joined", digestId: digest.id, flushAtMs: digest.flush_at_ms };
}

export interface FlushedDigest {
  digestId: string;
  userId: string;
  type: NotificationType;
  /** The event that opened it: `${firstEventId}:digest` is the digest message's idempotency key. */
  firstEventId: string;
  items: Array<{
    eventId: string;
    vars: Record<string, NotificationVarValue>;
    occurredAtMs: number;
  }>;
}

/**
 * Closes a digest and returns what it lists, oldest first; null when it was flushed already
 * (a redelivered flush message), so a digest is sent at most once per flush.
 */
export async function flushDigest(
  db: D1Database,
  digestId: string,
  nowMs: number,
): Promise<FlushedDigest | null> {
  const [closed, items] = await db.batch([
    db
      .prepare(
        `UPDATE notification_digests SET flushed_at_ms = ?2
         WHERE id = ?1 AND flushed_at_ms IS NULL
         RETURNING user_id, type, first_event_id`,
      )
      .bind(digestId, nowMs),
    db
      .prepare(
        `SELECT event_id, vars, occurred_at_ms FROM notification_digest_items
         WHERE digest_id = ? ORDER BY occurred_at_ms, event_id`,
      )
      .bind(digestId),
  ]);
  return digestFromRows(digestId, closed, items);
}

/**
 * A digest already flushed, as flushDigest returned it (a flush message redelivered after its
 * send failed is sent again; deliveries already sent are not); null when it is still open.
 */
export async function readFlushedDigest(
  db: D1Database,
  digestId: string,
): Promise<FlushedDigest | null> {
  const [head, items] = await db.batch([
    db
      .prepare(
        `SELECT user_id, type, first_event_id FROM notification_digests
         WHERE id = ? AND flushed_at_ms IS NOT NULL`,
      )
      .bind(digestId),
    db
      .prepare(
        `SELECT event_id, vars, occurred_at_ms FROM notification_digest_items
         WHERE digest_id = ? ORDER BY occurred_at_ms, event_id`,
      )
      .bind(digestId),
  ]);
  return digestFromRows(digestId, head, items);
}

/** A digest from its head row and its items' rows, as one batch read them; null without a head. */
function digestFromRows(
  digestId: string,
  head: D1Result | undefined,
  items: D1Result | undefined,
): FlushedDigest | null {
  const row = head?.results[0] as
    | { user_id: string; type: NotificationType; first_event_id: string }
    | undefined;
  if (!row) return null;
  return {
    digestId,
    userId: row.user_id,
    type: row.type,
    firstEventId: row.first_event_id,
    items: (
      (items?.results ?? []) as Array<{ event_id: string; vars: string; occurred_at_ms: number }>
    ).map((r) => ({
      eventId: r.event_id,
      vars: JSON.parse(r.vars) as Record<string, NotificationVarValue>,
      occurredAtMs: r.occurred_at_ms,
    })),
  };
}

/**
 * Pure: one message listing a digest's events, each line rendered with the type's built-in
 * template body; one event renders as that event's own message.
 */
export function renderDigest(
  digest: Pick<FlushedDigest, "type" | "items">,
  locale: string,
  timeZone: string,
): RenderedMessage {
  const template = DEFAULT_TEMPLATES[digest.type];
  const lines = digest.items.map((item) =>
    renderTemplate(digest.type, template, item.vars, locale, timeZone),
  );
  if (lines.length === 1 && lines[0]) return lines[0];
  return {
    locale,
    title: `${template.title} (${lines.length})`,
    body: lines.map((line) => `• ${line.body}`).join("\n"),
  };
}

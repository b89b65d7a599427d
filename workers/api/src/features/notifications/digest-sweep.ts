import { type DbRouterEnv, eachUserDbFrom } from "#shared/db/router";
import {
  categoryOf,
  type NotificationCategory,
  type NotificationType,
} from "#shared/notify/catalog";
import type { NotificationEventMessage } from "#shared/notify/message";
import { queueFor, type RouterEnv } from "./router";

/** A digest this long past its flush time has lost its flush message: the sweep re-sends it. */
const SWEEP_GRACE_MS = 5 * 60_000;
const DIGESTS_PER_SWEEP = 500;
/** The ten-minute cron's beat: each sweep starts at the next user database. */
const SWEEP_TURN_MS = 10 * 60_000;

/**
 * The backstop for digests (docs/notifications.md): the event that opens a digest publishes a
 * delayed flush message, and if that send failed (the batch retried, the redelivered event
 * is then a duplicate join) the digest would stay open forever. Every ten minutes, digests
 * past their flush time by the grace get their flush message again. A second flush of one
 * digest is harmless: it carries the same id (`<first event>:digest`), `flushDigest` closes
 * the digest once, and the delivery ids keep every channel from sending twice.
 */
export async function sweepLostDigestFlushes(
  env: Pick<RouterEnv, "NOTIFY_TRANSACTIONAL" | "NOTIFY_PROMOTIONAL"> & DbRouterEnv,
  nowMs: number,
): Promise<{ resent: number }> {
  // Digests live in their user's database (shared/db/router.ts): each one in turn, within one
  // budget per sweep, starting one database further each sweep so a database that always
  // fills the budget cannot starve the rest.
  const due: DueDigest[] = [];
  for (const db of eachUserDbFrom(env, Math.floor(nowMs / SWEEP_TURN_MS))) {
    if (due.length >= DIGESTS_PER_SWEEP) break;
    const found = await db
      .prepare(
        `SELECT id, user_id, type, first_event_id, opened_at_ms FROM notification_digests
         WHERE flushed_at_ms IS NULL AND flush_at_ms <= ? ORDER BY flush_at_ms LIMIT ?`,
      )
      .bind(nowMs - SWEEP_GRACE_MS, DIGESTS_PER_SWEEP - due.length)
      .all<DueDigest>();
    due.push(...found.results);
  }
  const byQueue = new Map<NotificationCategory, NotificationEventMessage[]>();
  for (const row of due) {
    const category = categoryOf(row.type);
    const flush: NotificationEventMessage = {
      kind: "notification",
      id: `${row.first_event_id}:digest`,
      userId: row.user_id,
      type: row.type,
      vars: {},
      occurredAtMs: row.opened_at_ms,
      digestId: row.id,
    };
    const list = byQueue.get(category) ?? [];
    list.push(flush);
    byQueue.set(category, list);
  }
  for (const [category, flushes] of byQueue) {
    const queue = queueFor(env, category);
    for (let at = 0; at < flushes.length; at += 100) {
      await queue.sendBatch(flushes.slice(at, at + 100).map((body) => ({ body })));
    }
  }
  return { resent: due.length };
}

interface DueDigest {
  id: string;
  user_id: string;
  type: NotificationType;
  first_event_id: string;
  opened_at_ms: number;
}

import { and, desc, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { notificationOutbox } from "#shared/db/schema";
import { NOTIFICATION_TYPE_NAMES, type NotificationType } from "#shared/notify/catalog";
import { deliveryIdFor } from "#shared/notify/delivery-id";

/**
 * The notification outbox in D1: what the `outbox` channel keeps instead of calling the
 * operator's webhook (development and tests). A notice's body can hold a step-up code.
 */

export const NOTICE_KINDS = [
  "step_up_code",
  "payout_failed",
  "payout_paid",
  "payout_held",
  // Loyalty points about to expire (30, 7 and 1 days before; the wallet's points/points-due.ts).
  "points_expiring",
] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];

/**
 * Keeps one notice as the webhook channel's delivery of event `id` (the same delivery id the
 * notification pipeline gives it); the same id again is ignored (the channel's idempotency).
 */
export async function appendOutboxNotice(
  db: D1Database,
  notice: { id: string; userId: string; kind: NoticeKind; body: Record<string, unknown> },
  nowMs: number,
): Promise<void> {
  const deliveryId = await deliveryIdFor(notice.id, "webhook", { channel: "webhook" });
  await drizzle(db)
    .insert(notificationOutbox)
    .values({ ...notice, deliveryId, channel: "webhook", createdAtMs: nowMs })
    .onConflictDoNothing();
}

/** Every notification type: what the outbox's `kind` filter accepts. */
export const OUTBOX_KINDS = NOTIFICATION_TYPE_NAMES as [NotificationType, ...NotificationType[]];

/**
 * Notices, newest first. Conditions are added only when given, so the (user_id,
 * created_at_ms) index serves a per-user listing.
 */
export async function listOutboxNotices(
  db: D1Database,
  filter: { userId?: string | undefined; kind?: string | undefined; limit: number },
) {
  return drizzle(db)
    .select()
    .from(notificationOutbox)
    .where(
      and(
        filter.userId === undefined ? undefined : eq(notificationOutbox.userId, filter.userId),
        filter.kind === undefined ? undefined : eq(notificationOutbox.kind, filter.kind),
      ),
    )
    .orderBy(desc(notificationOutbox.createdAtMs), desc(notificationOutbox.id))
    .limit(filter.limit);
}

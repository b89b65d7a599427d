import { drizzle } from "drizzle-orm/d1";
import { notificationOutbox } from "#shared/db/schema";
import type { NotificationChannel } from "#shared/notify/catalog";
import type { ChannelAdapter, ChannelDelivery } from "#shared/notify/channel";

/**
 * The development outbox for any channel: the delivery is kept in D1 `notification_outbox`
 * (readable through `GET /admin/v1/dev/notifications`) instead of reaching anyone. The row's
 * `id` is the event id, `kind` the notification type and `body` the event's variables, so a
 * test reads a step-up `code` by the event id; the delivery id keeps a resend to one row.
 */
export function outboxAdapter(
  db: D1Database,
  channel: NotificationChannel,
  nowMs: () => number = Date.now,
): ChannelAdapter {
  return {
    channel,
    async send(delivery: ChannelDelivery) {
      await drizzle(db)
        .insert(notificationOutbox)
        .values({
          deliveryId: delivery.deliveryId,
          id: delivery.eventId,
          channel,
          userId: delivery.userId,
          kind: delivery.type,
          body: { ...(delivery.vars ?? {}) },
          message: { ...delivery.message },
          createdAtMs: nowMs(),
        })
        .onConflictDoNothing();
      return { providerRef: `outbox:${delivery.deliveryId}` };
    },
  };
}

import { drizzle } from "drizzle-orm/d1";
import { type DbRouterEnv, userDb } from "#shared/db/router";
import { notificationOutbox } from "#shared/db/schema";
import type { NotificationChannel } from "#shared/notify/catalog";
import type { ChannelAdapter, ChannelDelivery } from "#shared/notify/channel";

/**
 * The development outbox for any channel: the delivery is kept in D1 `notification_outbox`
 * (readable through `GET /admin/v1/dev/notifications`) instead of reaching anyone. The row's
 * `id` is the event id, `kind` the notification type and `body` the event's variables, so a
 * test reads a step-up `code` by the event id; the delivery id keeps a resend to one row.
 * The row goes to the recipient's user database (`notification_outbox` is spread,
 * shared/db/router.ts; operations/outbox-store.ts reads it).
 */
export function outboxAdapter(
  env: DbRouterEnv,
  channel: NotificationChannel,
  nowMs: () => number = Date.now,
): ChannelAdapter {
  return {
    channel,
    async send(delivery: ChannelDelivery) {
      await drizzle(userDb(env, delivery.userId))
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

import { randomBytes } from "node:crypto";
import { localD1 } from "#scripts/lib/local-d1";
import { deliveryIdFor } from "#shared/notify/delivery-id";
import type { NotificationEventMessage } from "#shared/notify/message";
import { runtimeInfo } from "./runtime-info";

/**
 * A dead-lettered `payout_paid` notice for `userId` on the webhook channel, written into the
 * runtime's D1 exactly as the notify dead-letter consumer writes it (the delivery `dead`, one
 * open dead letter with the event). Seeded, not produced: the browser runtime's webhook
 * channel is the dev outbox (NOTIFY_CHANNEL "outbox"), which never refuses a delivery, so no
 * real path dead-letters a notification there. The delivery id is the router's own, so a
 * replay finds this delivery again.
 *
 * @example
 * const { deadLetterId, eventId } = await seedDeadLetter("u-1");
 */
export async function seedDeadLetter(
  userId: string,
): Promise<{ deadLetterId: string; eventId: string; deliveryId: string }> {
  const eventId = `pay_${randomBytes(6).toString("hex")}:paid`;
  const event: NotificationEventMessage = {
    kind: "notification",
    id: eventId,
    userId,
    type: "payout_paid",
    vars: { amount: { amountMinor: 12_345, currency: "INR" }, destination: "UPI ••42" },
    occurredAtMs: Date.now(),
  };
  const deliveryId = await deliveryIdFor(eventId, "webhook", { channel: "webhook" });
  const deadLetterId = `ndl_${randomBytes(16).toString("hex")}`;
  const now = Date.now();
  const error = "the notification webhook answered 422";
  const q = (s: string) => `'${s.replaceAll("'", "''")}'`;
  const sql = `INSERT INTO notification_deliveries
      (id, event_id, user_id, type, category, channel, state, attempts, reason, created_at_ms, updated_at_ms)
    VALUES (${q(deliveryId)}, ${q(eventId)}, ${q(userId)}, 'payout_paid', 'transactional', 'webhook',
      'dead', 1, ${q(error)}, ${now}, ${now});
    INSERT INTO notification_dead_letters
      (id, delivery_id, event_id, user_id, type, channel, event, error, attempts, status, created_at_ms)
    VALUES (${q(deadLetterId)}, ${q(deliveryId)}, ${q(eventId)}, ${q(userId)}, 'payout_paid', 'webhook',
      ${q(JSON.stringify(event))}, ${q(error)}, 1, 'open', ${now});`;
  const result = localD1(["execute"], runtimeInfo().stateDir, { encoding: "utf8" }, [
    "--command",
    sql,
  ]);
  if (result.status !== 0) {
    throw new Error(`seeding the dead letter failed:\n${result.stdout}${result.stderr}`);
  }
  return { deadLetterId, eventId, deliveryId };
}

import { toHex } from "../crypto/encoding";
import { sha256 } from "../crypto/hmac";
import type { NotificationChannel } from "./catalog";
import type { Recipient } from "./channel";

/**
 * Pure: what tells two recipients of one channel apart (the webhook has one, the operator's
 * backend). Hashed into the delivery id and never stored in clear.
 */
export function recipientKey(recipient: Recipient): string {
  switch (recipient.channel) {
    case "webhook":
      return "operator";
    case "email":
      return recipient.address.trim().toLowerCase();
    case "sms":
      return recipient.phone.replace(/[^\d+]/g, "");
    case "push":
      return recipient.subscription.endpoint;
  }
}

/**
 * The delivery id: a stable hash of (event id, channel, recipient), the idempotency key every
 * channel gets. The same event delivered twice by the queue yields the same ids.
 */
export async function deliveryIdFor(
  eventId: string,
  channel: NotificationChannel,
  recipient: Recipient,
): Promise<string> {
  const digest = await sha256(`${eventId}\n${channel}\n${recipientKey(recipient)}`);
  return `dlv_${toHex(digest).slice(0, 40)}`;
}

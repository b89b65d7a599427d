import type { ApiEnv } from "#shared/env";
import type { NotificationChannel } from "#shared/notify/catalog";
import type { Recipient } from "#shared/notify/channel";

/**
 * Where a user's notifications go, per channel, looked up at send time (contact details never
 * travel on the queue). The webhook needs no address: the operator's backend knows its users.
 * E-mail, SMS and push have no contact store yet, so they have no recipients.
 */
export async function recipientsFor(
  _env: Pick<ApiEnv, "WALLET">,
  _userId: string,
  channels: readonly NotificationChannel[],
): Promise<Recipient[]> {
  return channels.includes("webhook") ? [{ channel: "webhook" }] : [];
}

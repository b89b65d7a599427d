import type { ApiEnv } from "#shared/env";
import type { NotificationChannel } from "#shared/notify/catalog";
import type { Recipient } from "#shared/notify/channel";
import { walletOf } from "../../wallet-client";

/**
 * Where one user's notification goes on the given channels, opened from their wallet at send
 * time (durable-objects/wallet/notify/notify-addresses.ts): the e-mail and phone the user set
 * for notifications (else the signup's), every Web Push subscription, and the operator's
 * webhook. Never queued, never logged: the caller hands each recipient to its adapter and
 * drops it.
 *
 * @example
 * const recipients = await recipientsFor(env, "usr_1", ["email", "push"]);
 */
export async function recipientsFor(
  env: Pick<ApiEnv, "WALLET">,
  userId: string,
  channels: readonly NotificationChannel[],
): Promise<Recipient[]> {
  if (channels.length === 0) return [];
  return walletOf(env, userId).notificationRecipients(userId, [...channels]);
}

/** A push service answered 404/410: the subscription is forgotten (the Web Push adapter's onGone). */
export async function forgetPushSubscription(
  env: Pick<ApiEnv, "WALLET">,
  userId: string,
  endpoint: string,
): Promise<void> {
  await walletOf(env, userId).forgetPushEndpoint(endpoint);
}

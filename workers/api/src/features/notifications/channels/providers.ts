import type { ApiEnv } from "#shared/env";
import type { ChannelAdapter } from "#shared/notify/channel";
import { forgetPushSubscription } from "../recipients";
import { type EmailSettings, emailAdapterFor } from "./email";
import type { ProviderFetcher } from "./provider-http";
import { type SmsSettings, smsAdapterFor } from "./sms";
import { type WebPushSettings, webPushAdapterFor } from "./web-push";

/** What the providers read: their settings, and the wallets (a gone push subscription). */
export type ProviderEnv = EmailSettings & SmsSettings & WebPushSettings & Pick<ApiEnv, "WALLET">;

/**
 * The real providers as the environment configures them (docs/notifications.md "Channels"):
 * e-mail (EMAIL_PROVIDER=resend), SMS (SMS_PROVIDER=twilio), Web Push (WEB_PUSH=vapid, a gone
 * subscription forgotten in the wallet). A channel set to "outbox" or unset is absent here: the
 * registry (channels/index.ts) gives it the dev outbox or leaves it off.
 */
export function providerAdaptersFor(
  env: ProviderEnv,
  options: { fetcher?: ProviderFetcher; nowMs?: () => number } = {},
): ChannelAdapter[] {
  const adapters = [
    emailAdapterFor(env, options),
    smsAdapterFor(env, options),
    webPushAdapterFor(env, {
      ...options,
      onGone: (userId, endpoint) => forgetPushSubscription(env, userId, endpoint),
    }),
  ];
  return adapters.filter((a): a is ChannelAdapter => a !== null);
}

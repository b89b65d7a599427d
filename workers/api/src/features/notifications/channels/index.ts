import type { ApiEnv } from "#shared/env";
import type { NotificationChannel } from "#shared/notify/catalog";
import type { ChannelAdapter } from "#shared/notify/channel";
import { outboxAdapter } from "./outbox";
import type { ProviderFetcher } from "./provider-http";
import { type ProviderEnv, providerAdaptersFor } from "./providers";
import { type WebhookFetcher, webhookAdapter } from "./webhook";

export type AdapterEnv = Pick<
  ApiEnv,
  | "DB"
  | "NOTIFY_CHANNEL"
  | "NOTIFY_WEBHOOK_URL"
  | "NOTIFY_WEBHOOK_SECRET"
  | "ALLOW_INSECURE_URLS"
  | "EMAIL_PROVIDER"
  | "SMS_PROVIDER"
  | "WEB_PUSH"
> &
  ProviderEnv;

export interface AdapterOptions {
  /** The webhook's transport; tests pass a fake. */
  webhookFetcher?: WebhookFetcher;
  /** The e-mail, SMS and push providers' transport; tests pass a fake. */
  providerFetcher?: ProviderFetcher;
  nowMs?: () => number;
}

/**
 * The channels the operator configured, each with its adapter; a channel whose setting is
 * unset (or names no adapter this build has) is off and is not in the map.
 *
 * - webhook ← NOTIFY_CHANNEL: "webhook" (the signed webhook) or "outbox"
 * - email ← EMAIL_PROVIDER: "resend" or "outbox"
 * - sms ← SMS_PROVIDER: "twilio" or "outbox"
 * - push ← WEB_PUSH: "vapid" or "outbox"
 */
export function adaptersFor(
  env: AdapterEnv,
  options: AdapterOptions = {},
): Map<NotificationChannel, ChannelAdapter> {
  const adapters = new Map<NotificationChannel, ChannelAdapter>();
  const outbox = (channel: NotificationChannel) => outboxAdapter(env, channel, options.nowMs);
  switch (env.NOTIFY_CHANNEL) {
    case "webhook":
      adapters.set(
        "webhook",
        webhookAdapter(env, {
          ...(options.webhookFetcher ? { fetcher: options.webhookFetcher } : {}),
          ...(options.nowMs ? { nowMs: options.nowMs } : {}),
        }),
      );
      break;
    case "outbox":
      adapters.set("webhook", outbox("webhook"));
      break;
  }
  if (env.EMAIL_PROVIDER === "outbox") adapters.set("email", outbox("email"));
  if (env.SMS_PROVIDER === "outbox") adapters.set("sms", outbox("sms"));
  if (env.WEB_PUSH === "outbox") adapters.set("push", outbox("push"));
  const providers = providerAdaptersFor(env, {
    ...(options.providerFetcher ? { fetcher: options.providerFetcher } : {}),
    ...(options.nowMs ? { nowMs: options.nowMs } : {}),
  });
  for (const adapter of providers) adapters.set(adapter.channel, adapter);
  return adapters;
}

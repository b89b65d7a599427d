import { fromBase64Url, utf8 } from "#shared/crypto/encoding";
import type { ApiEnv } from "#shared/env";
import type { NotificationCategory } from "#shared/notify/catalog";
import {
  type ChannelAdapter,
  type ChannelDelivery,
  ChannelError,
  type PushSubscriptionKeys,
} from "#shared/notify/channel";
import {
  callProvider,
  PROVIDER_TIMEOUT_MS,
  type ProviderFetcher,
  providerRefusal,
} from "./provider-http";
import {
  encryptPushPayload,
  isUncompressedPoint,
  MAX_PLAINTEXT_BYTES,
  type VapidKeys,
  vapidAuthorization,
} from "./web-push-crypto";

/**
 * The Web Push channel (RFC 8030 delivery, RFC 8291 encryption, RFC 8292 VAPID; see
 * web-push-crypto.ts). One POST per subscription to its push service's endpoint, the payload
 * encrypted for that subscription only. What the service worker receives is JSON:
 * `{ "id", "type", "title", "body", "url"? }` (docs/notifications.md "Channels").
 */

export type WebPushSettings = Pick<
  ApiEnv,
  "WEB_PUSH" | "VAPID_PUBLIC_KEY" | "VAPID_PRIVATE_KEY" | "VAPID_SUBJECT"
>;

export interface WebPushOptions {
  fetcher?: ProviderFetcher;
  nowMs?: () => number;
  /**
   * Called when the push service says the subscription is gone (404/410), before the
   * delivery fails for good: the caller forgets the subscription (recipients.ts).
   */
  onGone?: (userId: string, endpoint: string) => Promise<void>;
}

/**
 * How long a push service keeps an undelivered message (RFC 8030 §5.2), by category: a
 * security code is useless after its own expiry, news of money keeps two days, a promotion one.
 */
export const PUSH_TTL_SEC: Readonly<Record<NotificationCategory, number>> = {
  critical: 15 * 60,
  transactional: 2 * 24 * 3600,
  promotional: 24 * 3600,
};

/** RFC 8030 §5.3: critical messages wake the device, promotions wait for a good moment. */
export const PUSH_URGENCY: Readonly<Record<NotificationCategory, string>> = {
  critical: "high",
  transactional: "normal",
  promotional: "low",
};

/**
 * RFC 8030 §5.4 Topic: a newer message with the same topic replaces an undelivered older one.
 * Only where the newest is all that matters: the latest step-up code, the latest promotion.
 * Money messages have none, so a device that was offline sees every one of them.
 */
export function pushTopic(delivery: Pick<ChannelDelivery, "type" | "category">): string | null {
  if (delivery.type === "step_up_code") return "step-up-code";
  if (delivery.category === "promotional") return "promotion";
  return null;
}

/** The VAPID settings, or why they are not usable. */
export function vapidSettings(
  env: WebPushSettings,
): { ok: true; keys: VapidKeys; subject: string } | { ok: false; reason: string } {
  const publicKey = env.VAPID_PUBLIC_KEY ?? "";
  const privateKey = env.VAPID_PRIVATE_KEY ?? "";
  const subject = env.VAPID_SUBJECT ?? "";
  if (!isUncompressedPoint(fromBase64Url(publicKey))) {
    return { ok: false, reason: "VAPID_PUBLIC_KEY must be a base64url 65-byte P-256 point" };
  }
  if (fromBase64Url(privateKey)?.length !== 32) {
    return { ok: false, reason: "VAPID_PRIVATE_KEY must be a base64url 32-byte key" };
  }
  if (!/^(mailto:.+@.+|https:\/\/.+)$/.test(subject)) {
    return { ok: false, reason: "VAPID_SUBJECT must be a mailto: or https: contact" };
  }
  return { ok: true, keys: { publicKey, privateKey }, subject };
}

/**
 * The Web Push adapter when WEB_PUSH is "vapid"; null otherwise ("outbox": the registry's dev
 * outbox; unset: the channel is off). Throws ChannelError (not retryable) when "vapid" is
 * chosen but the keys are missing or malformed, so the misconfiguration is seen, not skipped.
 */
export function webPushAdapterFor(
  env: WebPushSettings,
  options: WebPushOptions = {},
): ChannelAdapter | null {
  if (env.WEB_PUSH !== "vapid") return null;
  const settings = vapidSettings(env);
  if (!settings.ok) {
    return {
      channel: "push",
      send: () => Promise.reject(new ChannelError(`web push: ${settings.reason}`, false)),
    };
  }
  return webPushAdapter(settings.keys, settings.subject, options);
}

/** The payload the service worker receives; the body is cut to fit one record. */
export function pushPayload(delivery: ChannelDelivery): Uint8Array {
  const { message } = delivery;
  const base = {
    id: delivery.deliveryId,
    type: delivery.type,
    title: message.title,
    body: message.body,
    ...(message.url ? { url: message.url } : {}),
    // The service worker posts {"event":"shown"} on show and {"event":"clicked"} on a click.
    ...(message.receiptUrl ? { receiptUrl: message.receiptUrl } : {}),
  };
  const encode = (body: string) => utf8.encode(JSON.stringify({ ...base, body }));
  const whole = encode(message.body);
  if (whole.length <= MAX_PLAINTEXT_BYTES) return whole;
  // The longest prefix of the body (whole code points) that fits with an ellipsis.
  const chars = Array.from(message.body);
  let fits = 0;
  let tooLong = chars.length;
  while (tooLong - fits > 1) {
    const mid = Math.floor((fits + tooLong) / 2);
    if (encode(`${chars.slice(0, mid).join("")}…`).length <= MAX_PLAINTEXT_BYTES) fits = mid;
    else tooLong = mid;
  }
  const encoded = encode(`${chars.slice(0, fits).join("")}…`);
  if (encoded.length > MAX_PLAINTEXT_BYTES) {
    throw new ChannelError("web push: the title and link alone exceed one record", false);
  }
  return encoded;
}

export function webPushAdapter(
  keys: VapidKeys,
  subject: string,
  options: WebPushOptions = {},
): ChannelAdapter {
  const fetcher = options.fetcher ?? ((request) => fetch(request));
  const nowMs = options.nowMs ?? Date.now;
  return {
    channel: "push",
    async send(delivery) {
      if (delivery.recipient.channel !== "push") {
        throw new ChannelError("web push: the recipient is not a push subscription", false);
      }
      const subscription: PushSubscriptionKeys = delivery.recipient.subscription;
      const p256dh = fromBase64Url(subscription.p256dh);
      const auth = fromBase64Url(subscription.auth);
      if (!isUncompressedPoint(p256dh) || auth?.length !== 16 || !isHttps(subscription.endpoint)) {
        await options.onGone?.(delivery.userId, subscription.endpoint);
        throw new ChannelError("web push: the subscription is malformed", false, true);
      }
      const body = await encryptPushPayload(pushPayload(delivery), p256dh, auth);
      const headers: Record<string, string> = {
        authorization: await vapidAuthorization(keys, subject, subscription.endpoint, nowMs()),
        "content-encoding": "aes128gcm",
        "content-type": "application/octet-stream",
        ttl: String(PUSH_TTL_SEC[delivery.category]),
        urgency: PUSH_URGENCY[delivery.category],
      };
      const topic = pushTopic(delivery);
      if (topic) headers.topic = topic;
      const response = await callProvider(
        fetcher,
        new Request(subscription.endpoint, {
          method: "POST",
          headers,
          body,
          signal: AbortSignal.timeout(PROVIDER_TIMEOUT_MS),
        }),
        "the push service",
      );
      await response.body?.cancel();
      if (response.status === 404 || response.status === 410) {
        await options.onGone?.(delivery.userId, subscription.endpoint);
        throw new ChannelError(
          `the push service answered ${response.status}: the subscription is gone`,
          false,
          true,
        );
      }
      const refusal = providerRefusal("the push service", response.status);
      if (refusal) throw refusal;
      const location = response.headers.get("location");
      return location ? { providerRef: location } : {};
    },
  };
}

function isHttps(endpoint: string): boolean {
  try {
    return new URL(endpoint).protocol === "https:";
  } catch {
    return false;
  }
}

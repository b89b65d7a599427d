import { toHex } from "#shared/crypto/encoding";
import { hmacSha256 } from "#shared/crypto/hmac";
import type { ApiEnv } from "#shared/env";
import { insecureUrlsAllowed, secretBearingUrl } from "#shared/http/secure-url";
import { type ChannelAdapter, type ChannelDelivery, ChannelError } from "#shared/notify/channel";

/** How the webhook reaches the operator: `fetch` in production, a fake in tests. */
export type WebhookFetcher = (request: Request) => Promise<Response>;

const WEBHOOK_TIMEOUT_MS = 10_000;

export const NOTIFY_SIGNATURE_HEADER = "X-Boomerang-Signature";

/**
 * The signature header value for a webhook body (this channel's and the operator alerts'):
 * `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`. The receiver recomputes
 * it over the exact bytes it received and rejects old timestamps, so a captured request cannot
 * be replayed later.
 */
export async function signNotification(
  secret: string,
  rawBody: string,
  timestampSec: number,
): Promise<string> {
  const mac = await hmacSha256(secret, `${timestampSec}.${rawBody}`);
  return `t=${timestampSec},v1=${toHex(mac)}`;
}

/**
 * The signed webhook to the operator's backend (NOTIFY_WEBHOOK_URL), which sends the message
 * its own way. Signed like postbacks (`X-Boomerang-Signature: t=…,v1=HMAC(secret, "t.body")`)
 * and carrying the delivery id as `Idempotency-Key`, so the receiver drops a resend.
 *
 * A 2xx is accepted; 408, 429 and 5xx or no answer are retried; any other 4xx means the
 * operator refused this delivery and it goes to the dead letters at once. The body (which can
 * hold a step-up code) is never part of an error.
 */
export function webhookAdapter(
  env: Pick<ApiEnv, "NOTIFY_WEBHOOK_URL" | "NOTIFY_WEBHOOK_SECRET" | "ALLOW_INSECURE_URLS">,
  options: { fetcher?: WebhookFetcher; nowMs?: () => number } = {},
): ChannelAdapter {
  const fetcher = options.fetcher ?? ((request: Request) => fetch(request));
  const nowMs = options.nowMs ?? Date.now;
  return {
    channel: "webhook",
    async send(delivery: ChannelDelivery) {
      const url = secretBearingUrl(env.NOTIFY_WEBHOOK_URL, insecureUrlsAllowed(env));
      const secret = env.NOTIFY_WEBHOOK_SECRET ?? "";
      if (!url.ok || secret.length === 0) {
        // Configuration is fixed by the operator, after which a retry succeeds.
        throw new ChannelError(
          "the webhook channel needs NOTIFY_WEBHOOK_URL (https) and NOTIFY_WEBHOOK_SECRET",
          true,
        );
      }
      const rawBody = JSON.stringify({
        id: delivery.eventId,
        deliveryId: delivery.deliveryId,
        userId: delivery.userId,
        kind: delivery.type,
        category: delivery.category,
        body: delivery.vars ?? {},
        message: delivery.message,
      });
      const signature = await signNotification(secret, rawBody, Math.floor(nowMs() / 1000));
      let response: Response;
      try {
        response = await fetcher(
          new Request(url.url, {
            method: "POST",
            headers: {
              "content-type": "application/json",
              [NOTIFY_SIGNATURE_HEADER]: signature,
              "Idempotency-Key": delivery.deliveryId,
            },
            body: rawBody,
            signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
          }),
        );
      } catch (error) {
        const name = error instanceof Error ? error.name : "unknown error";
        throw new ChannelError(`the notification webhook could not be reached: ${name}`, true);
      }
      await response.body?.cancel();
      if (response.status >= 200 && response.status <= 299) {
        return { providerRef: response.headers.get("x-request-id") ?? undefined };
      }
      const retryable =
        response.status >= 500 || response.status === 408 || response.status === 429;
      throw new ChannelError(`the notification webhook answered ${response.status}`, retryable);
    },
  };
}

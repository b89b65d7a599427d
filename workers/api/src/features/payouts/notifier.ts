import { toHex } from "#shared/crypto/encoding";
import { hmacSha256 } from "#shared/crypto/hmac";
import type { ApiEnv } from "#shared/env";
import { AppError } from "#shared/http/errors";
import { insecureUrlsAllowed, secretBearingUrl } from "#shared/http/secure-url";
import { appendOutboxNotice, type NoticeKind } from "../operations/index";

/**
 * How users hear from Boomerang: step-up codes and payout notices. The channel is chosen by
 * NOTIFY_CHANNEL:
 *
 * - `outbox`: kept in D1 `notification_outbox`, readable through
 *   `GET /admin/v1/dev/notifications` (development and tests).
 * - `webhook`: POSTed as JSON to the operator's NOTIFY_WEBHOOK_URL, which sends the SMS,
 *   e-mail or push. Signed like postbacks, so the operator can tell it came from Boomerang.
 *
 * A notice's body can hold a step-up code: it is never logged.
 */

export type { NoticeKind };

export interface UserNotice {
  /** Idempotency key: sending the same id again is a no-op (the webhook receiver dedups on it). */
  id: string;
  userId: string;
  kind: NoticeKind;
  body: Record<string, unknown>;
}

export interface UserNotifier {
  /** Throws when the notice could not be handed over, so a queue consumer retries it. */
  send(message: UserNotice): Promise<void>;
}

/** How the webhook channel reaches the operator: `fetch` in production, a fake in tests. */
export type NotifyFetcher = (request: Request) => Promise<Response>;

export const NOTIFY_SIGNATURE_HEADER = "X-Boomerang-Signature";
const WEBHOOK_TIMEOUT_MS = 10_000;

/**
 * The configured channel; throws `unavailable` when the channel or its settings are missing,
 * or when NOTIFY_WEBHOOK_URL is not https (a notice can carry a step-up code; plain http is
 * accepted only where ALLOW_INSECURE_URLS is "true", in development and tests).
 */
export function notifierFor(
  env: Pick<
    ApiEnv,
    "DB" | "NOTIFY_CHANNEL" | "NOTIFY_WEBHOOK_URL" | "NOTIFY_WEBHOOK_SECRET" | "ALLOW_INSECURE_URLS"
  >,
  options: { fetcher?: NotifyFetcher; nowMs?: () => number } = {},
): UserNotifier {
  switch (env.NOTIFY_CHANNEL) {
    case "outbox":
      return outboxNotifier(env.DB, options.nowMs ?? Date.now);
    case "webhook": {
      const url = secretBearingUrl(env.NOTIFY_WEBHOOK_URL, insecureUrlsAllowed(env));
      const secret = env.NOTIFY_WEBHOOK_SECRET ?? "";
      if (!url.ok || secret.length === 0) {
        throw new AppError(
          "unavailable",
          "user notifications are not configured: the webhook channel needs NOTIFY_WEBHOOK_URL (https) and NOTIFY_WEBHOOK_SECRET",
        );
      }
      return webhookNotifier(
        url.url,
        secret,
        options.fetcher ?? ((request) => fetch(request)),
        options.nowMs ?? Date.now,
      );
    }
    default:
      throw new AppError(
        "unavailable",
        `user notifications are not configured: NOTIFY_CHANNEL must be "webhook" or "outbox"`,
      );
  }
}

function outboxNotifier(db: D1Database, nowMs: () => number): UserNotifier {
  return {
    async send(notice) {
      await appendOutboxNotice(db, notice, nowMs());
    },
  };
}

function webhookNotifier(
  url: string,
  secret: string,
  fetcher: NotifyFetcher,
  nowMs: () => number,
): UserNotifier {
  return {
    async send(notice) {
      const rawBody = JSON.stringify({
        id: notice.id,
        userId: notice.userId,
        kind: notice.kind,
        body: notice.body,
      });
      const signature = await signNotification(secret, rawBody, Math.floor(nowMs() / 1000));
      let response: Response;
      try {
        response = await fetcher(
          new Request(url, {
            method: "POST",
            headers: {
              "content-type": "application/json",
              [NOTIFY_SIGNATURE_HEADER]: signature,
              "Idempotency-Key": notice.id,
            },
            body: rawBody,
            signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
          }),
        );
      } catch (error) {
        // The error names the transport failure only; the body is never part of it.
        throw new AppError(
          "unavailable",
          `the notification webhook could not be reached: ${errorName(error)}`,
        );
      }
      // Drain the body so the connection can be reused; its content is not needed.
      await response.body?.cancel();
      if (response.status < 200 || response.status > 299) {
        throw new AppError(
          "unavailable",
          `the notification webhook answered ${response.status} for notice ${notice.id}`,
        );
      }
    },
  };
}

/**
 * The signature header value for a webhook body:
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

function errorName(error: unknown): string {
  if (error instanceof Error) return error.name === "Error" ? error.message : error.name;
  return "unknown error";
}

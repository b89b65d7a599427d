import type { ApiEnv } from "#shared/env";
import { type ChannelAdapter, type ChannelDelivery, ChannelError } from "#shared/notify/channel";
import {
  callProvider,
  PROVIDER_TIMEOUT_MS,
  type ProviderFetcher,
  providerRefusal,
} from "./provider-http";

/**
 * SMS through Twilio's Messages API
 * (https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource):
 * a form POST to `/2010-04-01/Accounts/{AccountSid}/Messages.json` with basic auth
 * (account SID : auth token), `To`, `From` (or `MessagingServiceSid` for an `MG…` sender) and
 * `Body`. Twilio takes no idempotency key on this call: the pipeline records each delivery
 * before and after sending, so a delivery sent is not sent again.
 */

export const TWILIO_API = "https://api.twilio.com/2010-04-01";
/** One SMS is 160 GSM-7 characters; a concatenated message of up to ten parts is plenty. */
export const MAX_SMS_CHARS = 1600;

export type SmsSettings = Pick<
  ApiEnv,
  "SMS_PROVIDER" | "TWILIO_ACCOUNT_SID" | "TWILIO_AUTH_TOKEN" | "SMS_FROM" | "NOTIFY_LINK_BASE_URL"
>;

/** Where Twilio posts status callbacks (docs/notifications.md "Receipts"). */
export const TWILIO_RECEIPT_PATH = "/v1/notifications/receipts/twilio";

export interface SmsOptions {
  fetcher?: ProviderFetcher;
}

/**
 * The SMS adapter when SMS_PROVIDER is "twilio"; null otherwise ("outbox": the registry's dev
 * outbox; unset: the channel is off). "twilio" without its credentials or sender fails every
 * send (not retryable).
 */
export function smsAdapterFor(env: SmsSettings, options: SmsOptions = {}): ChannelAdapter | null {
  if (env.SMS_PROVIDER !== "twilio") return null;
  const sid = env.TWILIO_ACCOUNT_SID ?? "";
  const token = env.TWILIO_AUTH_TOKEN ?? "";
  const from = env.SMS_FROM ?? "";
  if (!/^AC\w+$/.test(sid) || token.length === 0 || from.length === 0) {
    return {
      channel: "sms",
      send: () =>
        Promise.reject(
          new ChannelError(
            "sms: twilio needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and SMS_FROM",
            false,
          ),
        ),
    };
  }
  const statusCallback = env.NOTIFY_LINK_BASE_URL
    ? new URL(TWILIO_RECEIPT_PATH, env.NOTIFY_LINK_BASE_URL).toString()
    : undefined;
  return twilioAdapter(
    sid,
    token,
    from,
    options.fetcher ?? ((request) => fetch(request)),
    statusCallback,
  );
}

/** The text of an SMS: the body and its link; no title. Cut to MAX_SMS_CHARS. */
export function smsText(delivery: ChannelDelivery): string {
  const { message } = delivery;
  const text = message.url ? `${message.body} ${message.url}` : message.body;
  const chars = Array.from(text);
  return chars.length <= MAX_SMS_CHARS ? text : `${chars.slice(0, MAX_SMS_CHARS - 1).join("")}…`;
}

export function twilioAdapter(
  accountSid: string,
  authToken: string,
  from: string,
  fetcher: ProviderFetcher,
  /** Twilio's status callback (delivered, undelivered, failed), when the base URL is known. */
  statusCallback?: string,
): ChannelAdapter {
  const url = `${TWILIO_API}/Accounts/${encodeURIComponent(accountSid)}/Messages.json`;
  const authorization = `Basic ${btoa(`${accountSid}:${authToken}`)}`;
  return {
    channel: "sms",
    async send(delivery) {
      if (delivery.recipient.channel !== "sms") {
        throw new ChannelError("sms: the recipient is not a phone number", false);
      }
      const form = new URLSearchParams({ To: delivery.recipient.phone });
      if (/^MG\w+$/.test(from)) form.set("MessagingServiceSid", from);
      else form.set("From", from);
      form.set("Body", smsText(delivery));
      if (statusCallback) form.set("StatusCallback", statusCallback);
      const response = await callProvider(
        fetcher,
        new Request(url, {
          method: "POST",
          headers: {
            authorization,
            "content-type": "application/x-www-form-urlencoded",
          },
          body: form.toString(),
          signal: AbortSignal.timeout(PROVIDER_TIMEOUT_MS),
        }),
        "twilio",
      );
      const refusal = providerRefusal("twilio", response.status);
      if (refusal) {
        await response.body?.cancel();
        throw refusal;
      }
      const answer = (await response.json().catch(() => null)) as { sid?: unknown } | null;
      return typeof answer?.sid === "string" ? { providerRef: answer.sid } : {};
    },
  };
}

import type { ApiEnv } from "#shared/env";
import { type ChannelAdapter, type ChannelDelivery, ChannelError } from "#shared/notify/channel";
import {
  callProvider,
  PROVIDER_TIMEOUT_MS,
  type ProviderFetcher,
  providerRefusal,
} from "./provider-http";

/**
 * E-mail through Resend's HTTP API (https://resend.com/docs/api-reference/emails/send-email):
 * one POST per delivery, the delivery id as the `Idempotency-Key` (Resend keeps it 24 h, so a
 * retried delivery is not sent twice), plain text, and `List-Unsubscribe` headers when the
 * message carries a signed opt-out link. Another provider is one more adapter of this shape.
 */

export const RESEND_EMAILS_URL = "https://api.resend.com/emails";

export type EmailSettings = Pick<ApiEnv, "EMAIL_PROVIDER" | "EMAIL_API_KEY" | "EMAIL_FROM">;

export interface EmailOptions {
  fetcher?: ProviderFetcher;
}

/**
 * The e-mail adapter when EMAIL_PROVIDER is "resend"; null otherwise ("outbox": the registry's
 * dev outbox; unset: the channel is off). "resend" without its key or sender fails every send
 * (not retryable), so the misconfiguration shows in the dead letters.
 */
export function emailAdapterFor(
  env: EmailSettings,
  options: EmailOptions = {},
): ChannelAdapter | null {
  if (env.EMAIL_PROVIDER !== "resend") return null;
  const apiKey = env.EMAIL_API_KEY ?? "";
  const from = env.EMAIL_FROM ?? "";
  if (apiKey.length === 0 || !from.includes("@")) {
    return {
      channel: "email",
      send: () =>
        Promise.reject(
          new ChannelError("e-mail: resend needs EMAIL_API_KEY and EMAIL_FROM", false),
        ),
    };
  }
  return resendAdapter(apiKey, from, options.fetcher ?? ((request) => fetch(request)));
}

/** The plain-text body: the message, its link, and the opt-out link at the foot. */
export function emailText(delivery: ChannelDelivery): string {
  const { message } = delivery;
  const parts = [message.body];
  if (message.url) parts.push(message.url);
  if (message.unsubscribeUrl) parts.push(`Unsubscribe: ${message.unsubscribeUrl}`);
  return parts.join("\n\n");
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/**
 * The HTML part, only when the operator tracks opens (`message.openPixelUrl`): the plain text
 * in paragraphs, links as anchors, and the signed 1×1 pixel at the end.
 */
export function emailHtml(delivery: ChannelDelivery): string | undefined {
  const { message } = delivery;
  if (!message.openPixelUrl) return undefined;
  const paragraphs = message.body
    .split(/\n{2,}/)
    .map((p) => `<p>${escapeHtml(p).replace(/\n/g, "<br>")}</p>`);
  if (message.url) {
    paragraphs.push(`<p><a href="${escapeHtml(message.url)}">${escapeHtml(message.url)}</a></p>`);
  }
  if (message.unsubscribeUrl) {
    paragraphs.push(`<p><a href="${escapeHtml(message.unsubscribeUrl)}">Unsubscribe</a></p>`);
  }
  const pixel = `<img src="${escapeHtml(message.openPixelUrl)}" width="1" height="1" alt="" style="display:block;border:0">`;
  return `<!doctype html><html><body>${paragraphs.join("")}${pixel}</body></html>`;
}

export function resendAdapter(
  apiKey: string,
  from: string,
  fetcher: ProviderFetcher,
): ChannelAdapter {
  return {
    channel: "email",
    async send(delivery) {
      if (delivery.recipient.channel !== "email") {
        throw new ChannelError("e-mail: the recipient is not an e-mail address", false);
      }
      const { message } = delivery;
      const headers: Record<string, string> = {};
      if (message.unsubscribeUrl) {
        headers["List-Unsubscribe"] = `<${message.unsubscribeUrl}>`;
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click";
      }
      const body = {
        from,
        to: [delivery.recipient.address],
        subject: message.title,
        text: emailText(delivery),
        ...(emailHtml(delivery) ? { html: emailHtml(delivery) } : {}),
        ...(Object.keys(headers).length > 0 ? { headers } : {}),
      };
      const response = await callProvider(
        fetcher,
        new Request(RESEND_EMAILS_URL, {
          method: "POST",
          headers: {
            authorization: `Bearer ${apiKey}`,
            "content-type": "application/json",
            "idempotency-key": delivery.deliveryId,
          },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(PROVIDER_TIMEOUT_MS),
        }),
        "resend",
      );
      const refusal = providerRefusal("resend", response.status);
      if (refusal) {
        await response.body?.cancel();
        throw refusal;
      }
      const answer = (await response.json().catch(() => null)) as { id?: unknown } | null;
      return typeof answer?.id === "string" ? { providerRef: answer.id } : {};
    },
  };
}

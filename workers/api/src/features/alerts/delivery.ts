import { insecureUrlsAllowed, secretBearingUrl } from "#shared/http/secure-url";
import type { ChannelAdapter } from "#shared/notify/channel";
import { deliveryIdFor } from "#shared/notify/delivery-id";
import {
  NOTIFY_SIGNATURE_HEADER,
  outboxAdapter,
  type ProviderEnv,
  providerAdaptersFor,
  signNotification,
} from "../notifications/index";
import type { AlertContact } from "./settings";
import type { AlertRow } from "./store";

/**
 * How an alert reaches an operator: a signed webhook (HMAC-SHA256 over "<t>.<body>", the
 * notification webhook's scheme and header) and e-mail through the notification pipeline's
 * e-mail adapter (Resend when EMAIL_PROVIDER is "resend", the dev outbox otherwise). Each message
 * carries the idempotency key `alert:<id>:<stage>` (the e-mail: its delivery id), so a receiver
 * that sees a rerun's retry of a failed stage dedups on it.
 */

export type AlertStage = "primary" | "escalation" | "resolution";
export type AlertChannel = "webhook" | "email";
export type AlertFetcher = (request: Request) => Promise<Response>;

const WEBHOOK_TIMEOUT_MS = 10_000;

export interface DeliveryContext {
  db: D1Database;
  env: { ALLOW_INSECURE_URLS?: string | undefined };
  webhookSecret: string | null;
  fetcher: AlertFetcher;
  /** The e-mail channel's adapter (emailAdapterOf). */
  email: ChannelAdapter;
  nowMs: number;
}

/** What the e-mail channel reads: the providers' settings (EMAIL_PROVIDER and its key). */
export type AlertEmailEnv = ProviderEnv & { DB: D1Database };

/**
 * The e-mail adapter alerts use: the provider the notification pipeline's registry builds
 * (channels/providers.ts, Resend when EMAIL_PROVIDER is "resend"), else the dev outbox, which
 * keeps the message in `notification_outbox` (kind `operator_alert`).
 */
export function emailAdapterOf(
  env: AlertEmailEnv,
  options: { fetcher?: AlertFetcher; nowMs: number },
): ChannelAdapter {
  const provider = providerAdaptersFor(env, {
    ...(options.fetcher ? { fetcher: options.fetcher } : {}),
  }).find((a) => a.channel === "email");
  return provider ?? outboxAdapter(env, "email", () => options.nowMs);
}

export type DeliveryOutcome = { ok: true } | { ok: false; error: string };

/** The channels a contact can be reached on. */
export function channelsOf(contact: AlertContact): AlertChannel[] {
  const out: AlertChannel[] = [];
  if (contact.webhookUrl) out.push("webhook");
  if (contact.email) out.push("email");
  return out;
}

/** The JSON an alert message carries (webhook body; the e-mail's facts). No PII: counts only. */
export function alertPayload(alert: AlertRow, stage: AlertStage, contact: AlertContact) {
  return {
    id: `alert:${alert.id}:${stage}`,
    kind: "operator_alert",
    stage,
    contact: contact.name,
    alert: {
      id: alert.id,
      rule: alert.rule,
      subject: alert.subject,
      severity: alert.severity,
      state: alert.state,
      summary: alert.summary,
      detail: alert.detail,
      occurrences: alert.occurrences,
      openedAt: new Date(alert.openedAtMs).toISOString(),
      resolvedAt: alert.resolvedAtMs === null ? null : new Date(alert.resolvedAtMs).toISOString(),
      resolvedBy: alert.resolvedBy,
    },
  };
}

export async function deliver(
  ctx: DeliveryContext,
  alert: AlertRow,
  stage: AlertStage,
  channel: AlertChannel,
  contact: AlertContact,
): Promise<DeliveryOutcome> {
  const payload = alertPayload(alert, stage, contact);
  if (channel === "email") return sendEmail(ctx, alert, stage, contact, payload);
  const url = secretBearingUrl(contact.webhookUrl, insecureUrlsAllowed(ctx.env));
  if (!url.ok) return { ok: false, error: `webhook URL ${url.reason}` };
  if (!ctx.webhookSecret) return { ok: false, error: "no webhook signing secret is set" };
  const rawBody = JSON.stringify(payload);
  const signature = await signNotification(
    ctx.webhookSecret,
    rawBody,
    Math.floor(ctx.nowMs / 1000),
  );
  try {
    const response = await ctx.fetcher(
      new Request(url.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          [NOTIFY_SIGNATURE_HEADER]: signature,
          "Idempotency-Key": payload.id,
        },
        body: rawBody,
        signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
      }),
    );
    await response.body?.cancel();
    if (response.status < 200 || response.status > 299) {
      return { ok: false, error: `webhook answered ${response.status}` };
    }
    return { ok: true };
  } catch (error) {
    return {
      ok: false,
      error: `webhook unreachable: ${error instanceof Error ? error.name : "unknown error"}`,
    };
  }
}

/** One alert e-mail through the adapter; a provider's refusal is a failed row, retried next run. */
async function sendEmail(
  ctx: DeliveryContext,
  alert: AlertRow,
  stage: AlertStage,
  contact: AlertContact,
  payload: ReturnType<typeof alertPayload>,
): Promise<DeliveryOutcome> {
  if (!contact.email) return { ok: false, error: "the contact has no e-mail address" };
  const prefix =
    stage === "escalation" ? "[escalated] " : stage === "resolution" ? "[resolved] " : "";
  const resolved =
    stage === "resolution"
      ? `\nResolved ${payload.alert.resolvedBy === "auto" ? "by itself (the condition cleared)" : `by ${payload.alert.resolvedBy}`} at ${payload.alert.resolvedAt}.`
      : "";
  const recipient = { channel: "email" as const, address: contact.email };
  try {
    await ctx.email.send({
      // Stable per (alert, stage, address): Resend's Idempotency-Key, the outbox row's key.
      deliveryId: await deliveryIdFor(`${payload.id}:email`, "email", recipient),
      eventId: `${payload.id}:email`,
      userId: "operator-alerts",
      type: "operator_alert",
      category: "critical",
      message: {
        locale: "en",
        title: `${prefix}[${alert.severity}] ${alert.summary}`.slice(0, 200),
        body: `${alert.summary}\nRule: ${alert.rule}, subject: ${alert.subject}, seen ${alert.occurrences} time(s) since ${payload.alert.openedAt}.${resolved}\nConsole: /console/alerts?state=${alert.state}`,
      },
      recipient,
      vars: {
        to: contact.email,
        stage,
        alertId: alert.id,
        rule: alert.rule,
        subject: alert.subject,
        severity: alert.severity,
        summary: alert.summary,
        occurrences: alert.occurrences,
      },
    });
    return { ok: true };
  } catch (error) {
    return {
      ok: false,
      error: `e-mail: ${error instanceof Error ? error.message : "unknown error"}`,
    };
  }
}

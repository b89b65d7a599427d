import { insecureUrlsAllowed, secretBearingUrl } from "#shared/http/secure-url";
import { NOTIFY_SIGNATURE_HEADER, signNotification } from "../notifications/index";
import { appendOutboxNotice } from "../operations/index";
import type { AlertContact } from "./settings";
import type { AlertRow } from "./store";

/**
 * How an alert reaches an operator: a signed webhook (HMAC-SHA256 over "<t>.<body>", the
 * notification webhook's scheme and header) and e-mail, through the dev outbox until an e-mail adapter is
 * wired. Each message carries the idempotency key `alert:<id>:<stage>`, so a receiver that sees
 * a rerun's retry of a failed stage dedups on it.
 */

export type AlertStage = "primary" | "escalation";
export type AlertChannel = "webhook" | "email";
export type AlertFetcher = (request: Request) => Promise<Response>;

const WEBHOOK_TIMEOUT_MS = 10_000;

export interface DeliveryContext {
  db: D1Database;
  env: { ALLOW_INSECURE_URLS?: string | undefined };
  webhookSecret: string | null;
  fetcher: AlertFetcher;
  nowMs: number;
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
  if (channel === "email") {
    const escalated = stage === "escalation" ? "[escalated] " : "";
    await appendOutboxNotice(
      ctx.db,
      {
        id: `${payload.id}:email`,
        userId: "operator-alerts",
        kind: "operator_alert",
        body: {
          to: contact.email,
          subject: `${escalated}[${alert.severity}] ${alert.summary}`.slice(0, 200),
          text: `${alert.summary}\nRule: ${alert.rule}, subject: ${alert.subject}, seen ${alert.occurrences} time(s) since ${payload.alert.openedAt}.\nConsole: /console/alerts?state=open`,
          alert: payload.alert,
        },
      },
      ctx.nowMs,
    );
    return { ok: true };
  }
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

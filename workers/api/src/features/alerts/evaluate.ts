import { eq, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { operatorAlerts } from "#shared/db/schema";
import {
  type AlertChannel,
  type AlertEmailEnv,
  type AlertFetcher,
  type AlertStage,
  channelsOf,
  deliver,
  emailAdapterOf,
} from "./delivery";
import { dedupKeyOf, evaluateRules, type Firing } from "./rules";
import type { AlertContact, AlertSettings } from "./settings";
import { readSignals } from "./signals";
import {
  type AlertRow,
  backlogStatements,
  type DeliveryRow,
  deliveriesOf,
  liveAlerts,
  readAlertSettings,
  recordDelivery,
  resolvedSince,
} from "./store";

/**
 * One evaluation (the ten-minute cron): read the signals, run the rules, then in one D1 batch open
 * an alert per new firing, count a repeat on a live one, and resolve (`auto`) the live alerts
 * whose condition cleared; then send what is due: the primary contact's message for each open
 * alert, the second contact's, once, for an alert left unacknowledged past the delay, and the
 * primary contact's "resolved", once, for an alert they were told of that has been resolved.
 * Bounded: at most MAX_LIVE alerts handled and MAX_SENDS messages per run.
 */

const MAX_FIRINGS = 200;
const MAX_LIVE = 500;
const MAX_SENDS = 50;
const MINUTE_MS = 60_000;
/** How long after its resolution an alert's "resolved" message is still sent (a failed one retried). */
const RESOLUTION_NOTICE_MS = 24 * 60 * MINUTE_MS;
const MAX_RESOLVED = 100;

export interface AlertRunReport {
  [key: string]: number;
  firing: number;
  opened: number;
  repeated: number;
  resolved: number;
  sent: number;
  failed: number;
}

export interface PlannedDelivery {
  alert: AlertRow;
  stage: AlertStage;
  channel: AlertChannel;
  contact: AlertContact;
}

/**
 * What to send now, given the live and lately resolved alerts and what was already sent. Pure:
 * a (alert, stage, channel) already `sent` is never planned again, so reruns do not repeat a
 * message; an acknowledged alert is neither sent nor escalated; a resolved one is announced to
 * the primary contact, on the channels that told them of it, once.
 *
 * @example
 * planDeliveries(alerts, deliveries, settings, Date.now());
 */
export function planDeliveries(
  alerts: readonly AlertRow[],
  deliveries: readonly Pick<DeliveryRow, "alertId" | "stage" | "channel" | "status">[],
  settings: AlertSettings,
  nowMs: number,
): PlannedDelivery[] {
  const sent = new Set(
    deliveries
      .filter((d) => d.status === "sent")
      .map((d) => `${d.alertId}|${d.stage}|${d.channel}`),
  );
  const out: PlannedDelivery[] = [];
  const plan = (alert: AlertRow, stage: AlertStage, contact: AlertContact | null) => {
    if (!contact) return;
    for (const channel of channelsOf(contact)) {
      if (!sent.has(`${alert.id}|${stage}|${channel}`))
        out.push({ alert, stage, channel, contact });
    }
  };
  for (const alert of alerts) {
    if (alert.state === "resolved") {
      const told = settings.primary
        ? channelsOf(settings.primary).filter((ch) => sent.has(`${alert.id}|primary|${ch}`))
        : [];
      for (const channel of told) {
        if (settings.primary && !sent.has(`${alert.id}|resolution|${channel}`)) {
          out.push({ alert, stage: "resolution", channel, contact: settings.primary });
        }
      }
      continue;
    }
    if (alert.state !== "open") continue;
    plan(alert, "primary", settings.primary);
    if (nowMs - alert.openedAtMs >= settings.escalateAfterMinutes * MINUTE_MS) {
      plan(alert, "escalation", settings.secondary);
    }
  }
  return out;
}

/** The D1 statements that apply one run's firings to the live alerts. */
function applyStatements(
  db: D1Database,
  firings: readonly Firing[],
  live: readonly AlertRow[],
  nowMs: number,
) {
  const orm = drizzle(db);
  const liveByKey = new Map(live.map((a) => [a.dedupKey, a]));
  const firingKeys = new Set(firings.map(dedupKeyOf));
  const statements = [];
  let opened = 0;
  let repeated = 0;
  let resolved = 0;
  for (const f of firings) {
    const key = dedupKeyOf(f);
    const existing = liveByKey.get(key);
    if (existing) {
      repeated++;
      statements.push(
        orm
          .update(operatorAlerts)
          .set({
            occurrences: sql`${operatorAlerts.occurrences} + 1`,
            lastSeenAtMs: nowMs,
            summary: f.summary,
            detail: f.detail,
            severity: f.severity,
            updatedAtMs: nowMs,
          })
          .where(eq(operatorAlerts.id, existing.id)),
      );
    } else {
      opened++;
      // The partial unique index on live dedup keys makes a concurrent run's insert a no-op.
      statements.push(
        orm
          .insert(operatorAlerts)
          .values({
            id: crypto.randomUUID(),
            rule: f.rule,
            subject: f.subject,
            dedupKey: key,
            severity: f.severity,
            state: "open",
            summary: f.summary,
            detail: f.detail,
            occurrences: 1,
            openedAtMs: nowMs,
            lastSeenAtMs: nowMs,
            updatedAtMs: nowMs,
          })
          .onConflictDoNothing(),
      );
    }
  }
  for (const a of live) {
    if (firingKeys.has(a.dedupKey)) continue;
    resolved++;
    statements.push(
      orm
        .update(operatorAlerts)
        .set({ state: "resolved", resolvedAtMs: nowMs, resolvedBy: "auto", updatedAtMs: nowMs })
        .where(eq(operatorAlerts.id, a.id)),
    );
  }
  return { statements, opened, repeated, resolved };
}

/**
 * One evaluation run at `nowMs`.
 *
 * @example
 * await runAlerts(env, Date.now(), { fetcher: secretBearingFetcher(env) });
 */
export async function runAlerts(
  env: AlertEmailEnv & { ALLOW_INSECURE_URLS?: string | undefined },
  nowMs: number,
  options: {
    /** The webhook's transport. */
    fetcher?: AlertFetcher;
    /** The e-mail provider's transport (tests pass a fake Resend). */
    emailFetcher?: AlertFetcher;
  } = {},
): Promise<AlertRunReport> {
  const { settings, webhookSecret } = await readAlertSettings(env.DB);
  const snapshot = await readSignals(env, nowMs, settings.thresholds);
  const firings = evaluateRules(snapshot, settings.thresholds).slice(0, MAX_FIRINGS);
  const live = await liveAlerts(env.DB, MAX_LIVE);
  const applied = applyStatements(env.DB, firings, live, nowMs);
  const [first, ...rest] = [
    ...applied.statements,
    ...backlogStatements(env.DB, snapshot.deadLetters, nowMs),
  ];
  if (first) await drizzle(env.DB).batch([first, ...rest]);

  const nowLive = await liveAlerts(env.DB, MAX_LIVE);
  const resolved = await resolvedSince(env.DB, nowMs - RESOLUTION_NOTICE_MS, MAX_RESOLVED);
  const candidates = [...nowLive.filter((a) => a.state === "open"), ...resolved];
  const sent = await deliveriesOf(
    env.DB,
    candidates.map((a) => a.id),
  );
  const due = planDeliveries(candidates, sent, settings, nowMs).slice(0, MAX_SENDS);
  const ctx = {
    db: env.DB,
    env,
    webhookSecret,
    fetcher: options.fetcher ?? ((request: Request) => fetch(request)),
    email: emailAdapterOf(env, {
      nowMs,
      ...(options.emailFetcher ? { fetcher: options.emailFetcher } : {}),
    }),
    nowMs,
  };
  let ok = 0;
  let failed = 0;
  for (const d of due) {
    const outcome = await deliver(ctx, d.alert, d.stage, d.channel, d.contact);
    await recordDelivery(
      env.DB,
      { alertId: d.alert.id, stage: d.stage, channel: d.channel },
      outcome,
      nowMs,
    );
    if (outcome.ok) ok++;
    else failed++;
  }
  return {
    firing: firings.length,
    opened: applied.opened,
    repeated: applied.repeated,
    resolved: applied.resolved,
    sent: ok,
    failed,
  };
}

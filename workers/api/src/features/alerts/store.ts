import { and, desc, eq, gte, inArray, lt, ne, or } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import {
  operatorAlertBacklogs,
  operatorAlertDeliveries,
  operatorAlertSettings,
  operatorAlerts,
} from "#shared/db/schema";
import { type AlertSettings, withAlertDefaults } from "./settings";

/** D1 access of the alerts: settings, alerts and their deliveries. */

export type AlertRow = typeof operatorAlerts.$inferSelect;
export type AlertState = AlertRow["state"];
export type DeliveryRow = typeof operatorAlertDeliveries.$inferSelect;

const SETTINGS_ID = "default";

export async function readAlertSettings(
  db: D1Database,
): Promise<{ settings: AlertSettings; webhookSecret: string | null; updatedAtMs: number | null }> {
  const row = await drizzle(db)
    .select()
    .from(operatorAlertSettings)
    .where(eq(operatorAlertSettings.id, SETTINGS_ID))
    .get();
  return {
    settings: withAlertDefaults(row?.settings as Partial<AlertSettings> | undefined),
    webhookSecret: row?.webhookSecret ?? null,
    updatedAtMs: row?.updatedAtMs ?? null,
  };
}

/** Saves the settings; `webhookSecret` undefined keeps the stored one, null removes it. */
export async function writeAlertSettings(
  db: D1Database,
  settings: AlertSettings,
  webhookSecret: string | null | undefined,
  nowMs: number,
): Promise<void> {
  const values = {
    id: SETTINGS_ID,
    settings: settings as unknown as Record<string, unknown>,
    updatedAtMs: nowMs,
    ...(webhookSecret === undefined ? {} : { webhookSecret }),
  };
  await drizzle(db)
    .insert(operatorAlertSettings)
    .values(values)
    .onConflictDoUpdate({
      target: operatorAlertSettings.id,
      set: {
        settings: values.settings,
        updatedAtMs: nowMs,
        ...(webhookSecret === undefined ? {} : { webhookSecret }),
      },
    });
}

/** Alerts not resolved (open and acknowledged), at most `limit`, oldest first. */
export async function liveAlerts(db: D1Database, limit: number): Promise<AlertRow[]> {
  return drizzle(db)
    .select()
    .from(operatorAlerts)
    .where(ne(operatorAlerts.state, "resolved"))
    .orderBy(operatorAlerts.openedAtMs, operatorAlerts.id)
    .limit(limit);
}

/**
 * Alerts resolved at or after `sinceMs`, newest first, at most `limit`
 * (operator_alerts_resolved_idx): newest first so alerts already told of their resolution
 * cannot fill the window and hold back the ones just resolved.
 */
export async function resolvedSince(
  db: D1Database,
  sinceMs: number,
  limit: number,
): Promise<AlertRow[]> {
  return drizzle(db)
    .select()
    .from(operatorAlerts)
    .where(and(eq(operatorAlerts.state, "resolved"), gte(operatorAlerts.resolvedAtMs, sinceMs)))
    .orderBy(desc(operatorAlerts.resolvedAtMs))
    .limit(limit);
}

export async function getAlert(db: D1Database, id: string): Promise<AlertRow | undefined> {
  return drizzle(db).select().from(operatorAlerts).where(eq(operatorAlerts.id, id)).get();
}

/** Alerts newest first, keyset-paged on (opened_at_ms, id), optionally of some states. */
export async function listAlerts(
  db: D1Database,
  filter: {
    states?: readonly AlertState[];
    before?: { openedAtMs: number; id: string } | undefined;
    limit: number;
  },
): Promise<AlertRow[]> {
  const b = filter.before;
  return drizzle(db)
    .select()
    .from(operatorAlerts)
    .where(
      and(
        filter.states && filter.states.length > 0
          ? inArray(operatorAlerts.state, [...filter.states])
          : undefined,
        b
          ? or(
              lt(operatorAlerts.openedAtMs, b.openedAtMs),
              and(eq(operatorAlerts.openedAtMs, b.openedAtMs), lt(operatorAlerts.id, b.id)),
            )
          : undefined,
      ),
    )
    .orderBy(desc(operatorAlerts.openedAtMs), desc(operatorAlerts.id))
    .limit(filter.limit);
}

/** D1 binds at most 100 parameters a statement: ids are read in chunks below that. */
const IDS_PER_READ = 90;

export async function deliveriesOf(db: D1Database, alertIds: readonly string[]) {
  const out: DeliveryRow[] = [];
  for (let i = 0; i < alertIds.length; i += IDS_PER_READ) {
    const ids = alertIds.slice(i, i + IDS_PER_READ);
    out.push(
      ...(await drizzle(db)
        .select()
        .from(operatorAlertDeliveries)
        .where(inArray(operatorAlertDeliveries.alertId, ids))),
    );
  }
  return out;
}

/** Records a delivery attempt's outcome; a `sent` row is final. */
export async function recordDelivery(
  db: D1Database,
  d: { alertId: string; stage: DeliveryRow["stage"]; channel: DeliveryRow["channel"] },
  outcome: { ok: true } | { ok: false; error: string },
  nowMs: number,
): Promise<void> {
  const status = outcome.ok ? "sent" : "failed";
  const lastError = outcome.ok ? null : outcome.error.slice(0, 200);
  await db
    .prepare(
      `INSERT INTO operator_alert_deliveries (alert_id, stage, channel, status, attempts, last_error, updated_at_ms)
       VALUES (?, ?, ?, ?, 1, ?, ?)
       ON CONFLICT (alert_id, stage, channel) DO UPDATE SET
         status = excluded.status, attempts = attempts + 1,
         last_error = excluded.last_error, updated_at_ms = excluded.updated_at_ms
       WHERE operator_alert_deliveries.status != 'sent'`,
    )
    .bind(d.alertId, d.stage, d.channel, status, lastError, nowMs)
    .run();
}

/**
 * Moves a live alert to `acknowledged` or `resolved` as `by`; null when it is no longer in a
 * state that allows it (already resolved, or acknowledging an acknowledged one).
 */
export async function transitionAlert(
  db: D1Database,
  id: string,
  to: "acknowledged" | "resolved",
  by: string,
  note: string | null,
  nowMs: number,
): Promise<AlertRow | null> {
  const from: AlertState[] = to === "acknowledged" ? ["open"] : ["open", "acknowledged"];
  const rows = await drizzle(db)
    .update(operatorAlerts)
    .set(
      to === "acknowledged"
        ? {
            state: to,
            acknowledgedAtMs: nowMs,
            acknowledgedBy: by,
            updatedAtMs: nowMs,
            ...(note ? { note } : {}),
          }
        : {
            state: to,
            resolvedAtMs: nowMs,
            resolvedBy: by,
            updatedAtMs: nowMs,
            ...(note ? { note } : {}),
          },
    )
    .where(and(eq(operatorAlerts.id, id), inArray(operatorAlerts.state, from)))
    .returning();
  return rows[0] ?? null;
}

/**
 * This run's backlog per dead-letter store, kept for the next run's growth comparison
 * (rules.ts deadLetterRule); part of the evaluation's write batch.
 */
export function backlogStatements(
  db: D1Database,
  deadLetters: ReadonlyArray<{ source: string; count: number }>,
  nowMs: number,
) {
  const orm = drizzle(db);
  return deadLetters.map((d) =>
    orm
      .insert(operatorAlertBacklogs)
      .values({ source: d.source, count: d.count, observedAtMs: nowMs })
      .onConflictDoUpdate({
        target: operatorAlertBacklogs.source,
        set: { count: d.count, observedAtMs: nowMs },
      }),
  );
}

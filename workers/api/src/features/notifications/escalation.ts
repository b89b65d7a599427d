import { type DbRouterEnv, eachUserDbFrom, globalDb } from "#shared/db/router";
import type { NotificationEventMessage } from "#shared/notify/message";
import { createLogger } from "#shared/observability/logger";
import type { RouterEnv } from "./router";
import { readNotificationSettings } from "./settings-store";

const log = createLogger({ worker: "api", feature: "notifications" });

const ESCALATIONS_PER_SWEEP = 500;
/** The ten-minute cron's beat: each sweep starts at the next user database. */
const SWEEP_TURN_MS = 10 * 60_000;

/**
 * Escalation of an unopened transactional push to e-mail (docs/notifications.md "Receipts").
 * While the operator's `escalateUnopenedPushAfterHours` is set, the router holds the e-mail
 * of a transactional event that goes to a push subscription (`deferred` /
 * `awaiting_push_open`) and keeps the event on the push delivery. Every ten minutes this sweep
 * takes push deliveries of transactional events (never promotional, never critical) first
 * tried at least N hours ago (now, once escalation is turned off), neither opened (nor any other push of their event) nor escalated:
 *
 * 1. claims them in one D1 batch, each with `UPDATE … SET escalated_at_ms WHERE
 *    escalated_at_ms IS NULL AND opened_at_ms IS NULL`, so two sweeps (or one run twice)
 *    never both claim a delivery;
 * 2. publishes each claimed event once on the transactional queue with `escalation: true`:
 *    the router sends it by e-mail only, through the normal decision, caps and delivery path.
 *    The e-mail's delivery id is that of (event, email, recipient), the one held, so it goes
 *    out once whatever the copies (two push subscriptions of one event, a redelivery);
 * 3. a publish that fails releases its claims for the next sweep.
 */
export async function sweepUnopenedPushes(
  env: Pick<RouterEnv, "DB" | "NOTIFY_TRANSACTIONAL"> & DbRouterEnv,
  nowMs: number,
): Promise<{ escalated: number }> {
  const { settings } = await readNotificationSettings(globalDb(env));
  // Escalation turned off releases what it held at once: an e-mail held while it was on must
  // not wait for a push open that may never come (only pushes that carry their event, i.e.
  // sent while escalation was on, are taken).
  const hours = settings.escalateUnopenedPushAfterHours ?? 0;
  // Deliveries are spread by user (shared/db/router.ts): each user database in turn, within
  // one budget per sweep, starting one database further each sweep so a database that always
  // fills the budget cannot starve the rest. All deliveries of one event are one user's, so
  // the "another push of the event was opened" test stays inside one database.
  let escalated = 0;
  let budget = ESCALATIONS_PER_SWEEP;
  for (const db of eachUserDbFrom(env, Math.floor(nowMs / SWEEP_TURN_MS))) {
    if (budget <= 0) break;
    const run = await sweepDatabase(env, db, nowMs - hours * 3_600_000, budget, nowMs);
    budget -= run.claimed;
    escalated += run.escalated;
  }
  return { escalated };
}

async function sweepDatabase(
  env: Pick<RouterEnv, "NOTIFY_TRANSACTIONAL">,
  db: D1Database,
  dueBeforeMs: number,
  limit: number,
  nowMs: number,
): Promise<{ claimed: number; escalated: number }> {
  const due = await db
    .prepare(
      `SELECT d.id FROM notification_deliveries d
       WHERE d.channel = 'push' AND d.category = 'transactional' AND d.opened_at_ms IS NULL
         AND d.escalated_at_ms IS NULL AND d.created_at_ms <= ?1
         AND d.state IN ('sent', 'dead') AND d.event IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM notification_deliveries o
                         WHERE o.event_id = d.event_id AND o.channel = 'push'
                           AND o.opened_at_ms IS NOT NULL)
       ORDER BY d.created_at_ms LIMIT ?2`,
    )
    .bind(dueBeforeMs, limit)
    .all<{ id: string }>();
  if (due.results.length === 0) return { claimed: 0, escalated: 0 };

  const claims = await db.batch<{ id: string; event_id: string; event: string }>(
    due.results.map(({ id }) =>
      db
        .prepare(
          `UPDATE notification_deliveries SET escalated_at_ms = ?2, updated_at_ms = ?2
           WHERE id = ?1 AND escalated_at_ms IS NULL AND opened_at_ms IS NULL
           RETURNING id, event_id, event`,
        )
        .bind(id, nowMs),
    ),
  );
  const claimed = claims.flatMap((result) => result.results);
  const events = new Map<string, NotificationEventMessage>();
  for (const row of claimed) {
    if (events.has(row.event_id)) continue;
    const event = JSON.parse(row.event) as NotificationEventMessage;
    events.set(row.event_id, { ...event, escalation: true });
  }
  const bodies = [...events.values()];
  try {
    for (let at = 0; at < bodies.length; at += 100) {
      await env.NOTIFY_TRANSACTIONAL.sendBatch(
        bodies.slice(at, at + 100).map((body) => ({ body })),
      );
    }
  } catch (error) {
    // Not published: the claims are released so the next sweep tries again. (A partly
    // published run releases all: the e-mail's delivery id keeps a second copy from sending.)
    log.error("notification.escalation_not_published", {
      events: bodies.length,
      error: error instanceof Error ? error.name : "unknown",
    });
    try {
      await db.batch(
        claimed.map((row) =>
          db
            .prepare(
              `UPDATE notification_deliveries SET escalated_at_ms = NULL
               WHERE id = ?1 AND escalated_at_ms = ?2`,
            )
            .bind(row.id, nowMs),
        ),
      );
    } catch (releaseError) {
      log.error("notification.escalation_claims_not_released", {
        deliveries: claimed.length,
        error: releaseError instanceof Error ? releaseError.name : "unknown",
      });
    }
    return { claimed: claimed.length, escalated: 0 };
  }
  return { claimed: claimed.length, escalated: bodies.length };
}

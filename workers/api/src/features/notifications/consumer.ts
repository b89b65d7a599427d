import { type DbRouterEnv, globalDb } from "#shared/db/router";
import type { UserNoticeMessage } from "#shared/messages";
import type { NotificationEventMessage, NotificationVarValue } from "#shared/notify/message";
import { createLogger, errorFields } from "#shared/observability/logger";
import { exponentialBackoff } from "#shared/retry/backoff";
import { batchPerDb, groupByDb, type OnDb } from "../../db/batch";
import { deadLetterStatement } from "./dead-letters";
import { deadStatement, deliveriesOfEvents } from "./deliveries";
import {
  type EventOutcome,
  NOTIFY_BACKOFF,
  type RouterEnv,
  type RouterOptions,
  routeEvents,
} from "./router";

/** Deliveries the queue gave up on; the others were sent, skipped or deferred already. */
const UNFINISHED: readonly string[] = ["pending", "sending", "failed"];

const log = createLogger({ worker: "api", feature: "notifications" });

/** What the notify queues (and the old notices queue) carry. */
export type NotifyQueueMessage = NotificationEventMessage | UserNoticeMessage;

/**
 * Pure: an old wallet notice (the notices queue, before every producer published notification
 * events) as the notification event it stands for: same id, kind → type, body → vars. Messages
 * in flight at deploy go through the same router and are not lost.
 */
export function noticeAsEvent(message: UserNoticeMessage, nowMs: number): NotificationEventMessage {
  return {
    kind: "notification",
    id: message.notice.id,
    userId: message.userId,
    type: message.notice.kind,
    vars: message.notice.body as Record<string, NotificationVarValue>,
    occurredAtMs: nowMs,
  };
}

function eventOf(body: NotifyQueueMessage, nowMs: number): NotificationEventMessage {
  return body.kind === "notice" ? noticeAsEvent(body, nowMs) : body;
}

/**
 * The consumer of boomerang-notify-transactional, boomerang-notify-promotional and the old
 * boomerang-notices: routes the whole batch at once and acks or retries each message as the
 * router says. A router failure (D1 unreachable) retries every message with the backoff.
 */
export async function consumeNotifications(
  batch: MessageBatch<NotifyQueueMessage>,
  env: RouterEnv,
  options: RouterOptions & { atMs?: number } = {},
): Promise<void> {
  const nowMs = options.atMs ?? Date.now();
  const inbound = batch.messages.map((m) => ({
    event: eventOf(m.body, nowMs),
    attempts: m.attempts,
  }));
  let outcomes: EventOutcome[];
  try {
    outcomes = await routeEvents(env, inbound, nowMs, options);
  } catch (error) {
    log.error("notification.batch_failed", { queue: batch.queue, ...errorFields(error) });
    for (const message of batch.messages) {
      message.retry({ delaySeconds: exponentialBackoff(message.attempts, NOTIFY_BACKOFF) });
    }
    return;
  }
  batch.messages.forEach((message, i) => {
    const outcome = outcomes[i];
    if (outcome?.action === "retry") message.retry({ delaySeconds: outcome.delaySeconds });
    else message.ack();
  });
}

/**
 * The consumer of the notify dead-letter queues: an event whose retries ran out. Each of its
 * deliveries that did not finish becomes `dead` with a dead letter an operator can replay; an
 * event that never got as far as a delivery row is dead-lettered whole (`channel` "all").
 */
export async function consumeNotificationDeadLetters(
  batch: MessageBatch<NotifyQueueMessage>,
  env: Pick<RouterEnv, "DB"> & DbRouterEnv,
  nowMs: number = Date.now(),
): Promise<void> {
  const events = batch.messages.map((m) => eventOf(m.body, nowMs));
  const known = await deliveriesOfEvents(env, events);
  const letters: D1PreparedStatement[] = [];
  const dead: OnDb[] = [];
  events.forEach((event, i) => {
    const attempts = batch.messages[i]?.attempts ?? 0;
    const ofEvent = known.filter((r) => r.eventId === event.id);
    const rows = ofEvent.filter((r) => UNFINISHED.includes(r.state));
    for (const row of rows) {
      dead.push(deadStatement(env, row, nowMs));
      letters.push(
        deadLetterStatement(
          globalDb(env),
          {
            deliveryId: row.id,
            event,
            channel: row.channel,
            error: row.reason ?? "retries exhausted",
            attempts: Math.max(row.attempts, attempts),
          },
          nowMs,
        ),
      );
    }
    if (ofEvent.length === 0) {
      letters.push(
        deadLetterStatement(
          globalDb(env),
          {
            deliveryId: `event:${event.id}`,
            event,
            channel: "all",
            error: "retries exhausted before any delivery was recorded",
            attempts,
          },
          nowMs,
        ),
      );
    }
  });
  // The dead letters (global) commit before their deliveries turn `dead` (user databases): a
  // delivery is never dead without the letter that replays it. A failure in between retries
  // the batch; a letter is recorded once per delivery (dead-letters.ts).
  await batchPerDb(groupByDb(dead), globalDb(env), letters);
  log.warn("notification.dead_lettered", { queue: batch.queue, events: events.length });
  for (const message of batch.messages) message.ack();
}

import type { DbRouterEnv } from "#shared/db/router";
import type { ApiEnv } from "#shared/env";
import {
  FANOUT_PAGE,
  FANOUT_SEND_BATCH,
  type PromoFanoutMessage,
  promoEventId,
} from "#shared/notify/fanout";
import type { NotificationEventMessage } from "#shared/notify/message";
import { createLogger, errorFields } from "#shared/observability/logger";
import { audiencePage } from "./segments-store";
import { claimStep, findSend, finishStep, type PromoSendRow } from "./store";

const log = createLogger({ worker: "api", feature: "promotions" });

/** The longest delay a queue message may carry (Cloudflare Queues: 12 hours). */
export const MAX_DELAY_SEC = 12 * 60 * 60;

export type FanoutQueues = Pick<ApiEnv, "DB" | "NOTIFY_PROMOTIONAL" | "NOTIFY_FANOUT"> &
  DbRouterEnv;

export interface FanoutOptions {
  /** Members per step (FANOUT_PAGE); tests use small pages. */
  pageSize?: number;
  nowMs?: () => number;
}

/**
 * The NOTIFY_FANOUT consumer: each message is one step of one send. A step whose turn it is
 * reads the next page of members after the send's cursor (keyset, one D1 query that also reads
 * each member's promotional opt-in), sends one `promotion` event per opted-in member to
 * NOTIFY_PROMOTIONAL (sendBatch, 100 a call, id `<sendId>:<userId>`), records the cursor and
 * counts, and enqueues the next step. A redelivered step finds the send past it and sends
 * nothing; a cancelled send stops at its next step. A failure retries the message, which takes
 * its step back (its lease names it) and sends that page again under the same event ids.
 */
export async function consumePromoFanout(
  batch: MessageBatch<PromoFanoutMessage>,
  env: FanoutQueues,
  options: FanoutOptions = {},
): Promise<void> {
  for (const message of batch.messages) {
    try {
      await runStep(env, message.body, message.id, message.attempts, options);
      message.ack();
    } catch (error) {
      log.error("promotions.step_failed", {
        sendId: message.body.sendId,
        step: message.body.step,
        ...errorFields(error),
      });
      message.retry({ delaySeconds: Math.min(60, 2 ** message.attempts) });
    }
  }
}

/** What one step did, for its log line and the tests. */
export type StepOutcome =
  | "sent"
  | "completed"
  | "deferred"
  | "not_its_turn"
  | "ended"
  | "unknown_send";

export async function runStep(
  env: FanoutQueues,
  body: PromoFanoutMessage,
  owner: string,
  attempts: number,
  options: FanoutOptions = {},
): Promise<StepOutcome> {
  const now = options.nowMs ?? Date.now;
  const pageSize = options.pageSize ?? FANOUT_PAGE;
  const send = await findSend(env.DB, body.sendId);
  if (!send) return "unknown_send";
  if (send.status === "completed" || send.status === "cancelled") return "ended";
  if (send.step !== body.step) {
    // A retry of a step that finished but whose next step may not have been enqueued (the
    // enqueue failed after the record): enqueue it again; its own claim keeps it single.
    if (send.step === body.step + 1 && attempts > 1) await enqueueStep(env, send.id, send.step, 0);
    return "not_its_turn";
  }
  const nowMs = now();
  if (send.sendAtMs > nowMs) {
    // Not yet: wait on the queue (at most 12 hours a hop) rather than on a cron.
    const waitSec = Math.ceil((send.sendAtMs - nowMs) / 1000);
    await enqueueStep(env, send.id, body.step, Math.min(waitSec, MAX_DELAY_SEC));
    return "deferred";
  }
  const claimed = await claimStep(env.DB, send.id, body.step, owner, nowMs);
  if (!claimed) return "not_its_turn";
  const page = await audiencePage(env, claimed.segment, claimed.cursor, pageSize);
  const events = page
    .filter((m) => m.optedIn)
    .map((m) => ({ body: promotionEvent(claimed, m.userId, claimed.startedAtMs ?? nowMs) }));
  for (let at = 0; at < events.length; at += FANOUT_SEND_BATCH) {
    await env.NOTIFY_PROMOTIONAL.sendBatch(events.slice(at, at + FANOUT_SEND_BATCH));
  }
  const last = page.length < pageSize;
  const finished = await finishStep(
    env.DB,
    send.id,
    body.step,
    owner,
    {
      cursor: page.at(-1)?.userId ?? claimed.cursor,
      enqueued: events.length,
      skipped: page.length - events.length,
      last,
    },
    now(),
  );
  if (!finished) return "not_its_turn";
  if (finished.status === "sending") await enqueueStep(env, send.id, finished.step, 0);
  log.info("promotions.step", {
    sendId: send.id,
    step: body.step,
    read: page.length,
    enqueued: events.length,
    status: finished.status,
  });
  return finished.status === "sending" ? "sent" : "completed";
}

/** Pure: the `promotion` event one member gets from a send. */
export function promotionEvent(
  send: Pick<PromoSendRow, "id" | "headline" | "body" | "url">,
  userId: string,
  nowMs: number,
): NotificationEventMessage {
  return {
    kind: "notification",
    id: promoEventId(send.id, userId),
    userId,
    type: "promotion",
    vars: { headline: send.headline, body: send.body, url: send.url },
    occurredAtMs: nowMs,
    campaignId: send.id,
  };
}

export async function enqueueStep(
  env: Pick<ApiEnv, "NOTIFY_FANOUT">,
  sendId: string,
  step: number,
  delaySeconds: number,
): Promise<void> {
  await env.NOTIFY_FANOUT.send(
    { kind: "promo_step", sendId, step },
    delaySeconds > 0 ? { delaySeconds } : undefined,
  );
}

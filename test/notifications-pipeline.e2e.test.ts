import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { ChannelError } from "#shared/notify/channel";
import type { NotificationEventMessage } from "#shared/notify/message";
import { DEFAULT_PREFERENCES } from "#shared/notify/preferences";
import { signNotification } from "#workers/api/src/features/notifications/channels/webhook";
import {
  consumeNotifications,
  type NotifyQueueMessage,
  writePreferences,
} from "#workers/api/src/features/notifications/index";
import apiWorker from "#workers/api/src/index";
import { ADMIN_HEADERS, api, eventually, uniqueUser } from "./helpers";

/**
 * The notification pipeline through the real worker: the notify queues' consumer, D1
 * deliveries, the dev outbox, the dead-letter consumer and the admin replay.
 */

const WEBHOOK_ENV = {
  NOTIFY_CHANNEL: "webhook",
  NOTIFY_WEBHOOK_URL: "https://operator.test/notify",
  NOTIFY_WEBHOOK_SECRET: "test-notify-webhook-secret-0123456789",
};

function eventFor(userId: string, overrides: Partial<NotificationEventMessage> = {}) {
  return {
    kind: "notification",
    id: `pay_${userId}:paid`,
    userId,
    type: "payout_paid",
    vars: { amount: { amountMinor: 12_345, currency: "INR" }, destination: "UPI ••42" },
    occurredAtMs: Date.now(),
    ...overrides,
  } satisfies NotificationEventMessage;
}

function batchOf(queue: string, bodies: NotifyQueueMessage[], attempts = 1) {
  return createMessageBatch<NotifyQueueMessage>(
    queue,
    bodies.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts, body })),
  );
}

async function outboxRows(eventId: string) {
  const found = await env.DB.prepare(
    `SELECT id, delivery_id, channel, kind, body, message FROM notification_outbox WHERE id = ?1`,
  )
    .bind(eventId)
    .all<{
      id: string;
      delivery_id: string;
      channel: string;
      kind: string;
      body: string;
      message: string;
    }>();
  return found.results;
}

async function deliveriesOf(eventId: string) {
  const found = await env.DB.prepare(
    `SELECT id, channel, state, attempts, reason FROM notification_deliveries WHERE event_id = ?1`,
  )
    .bind(eventId)
    .all<{ id: string; channel: string; state: string; attempts: number; reason: string | null }>();
  return found.results;
}

async function deadLettersOf(eventId: string) {
  const found = await env.DB.prepare(
    `SELECT id, delivery_id, channel, status, error, attempts FROM notification_dead_letters WHERE event_id = ?1`,
  )
    .bind(eventId)
    .all<{
      id: string;
      delivery_id: string;
      channel: string;
      status: string;
      error: string;
      attempts: number;
    }>();
  return found.results;
}

describe("notification pipeline", () => {
  it("an event on the transactional queue reaches the outbox once, even delivered twice", async () => {
    const event = eventFor(uniqueUser("notify-once"));
    await env.NOTIFY_TRANSACTIONAL.send(event);
    await env.NOTIFY_TRANSACTIONAL.send(event);
    const rows = await eventually(async () => {
      const found = await outboxRows(event.id);
      return found.length > 0 ? found : null;
    });
    // Both copies delivered by the worker's own consumer; then the batch again, by hand.
    await eventually(async () => (await deliveriesOf(event.id))[0]?.state === "sent");
    const ctx = createExecutionContext();
    const batch = batchOf("boomerang-notify-transactional", [event, event], 2);
    await apiWorker.queue(batch, env, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks.sort()).toEqual(["m0", "m1"]);

    expect(await outboxRows(event.id)).toHaveLength(1);
    expect(rows[0]?.channel).toBe("webhook");
    expect(rows[0]?.kind).toBe("payout_paid");
    expect(JSON.parse(rows[0]?.body ?? "{}")).toEqual(event.vars);
    expect(JSON.parse(rows[0]?.message ?? "{}")).toMatchObject({
      title: "Payout sent",
      body: "₹123.45 was paid to UPI ••42.",
    });
    const deliveries = await deliveriesOf(event.id);
    expect(deliveries).toEqual([
      { id: rows[0]?.delivery_id, channel: "webhook", state: "sent", attempts: 1, reason: null },
    ]);
  });

  it("an old wallet notice on the notices queue is routed as the event it stands for", async () => {
    const userId = uniqueUser("notify-notice");
    const id = `payout_failed:${userId}`;
    await env.NOTICES.send({
      kind: "notice",
      userId,
      notice: { id, kind: "payout_failed", body: { reason: "bank down" } },
    });
    const rows = await eventually(async () => {
      const found = await outboxRows(id);
      return found.length > 0 ? found : null;
    });
    expect(rows.map((r) => [r.kind, JSON.parse(r.body)])).toEqual([
      ["payout_failed", { reason: "bank down" }],
    ]);
  });

  it("a channel the user turned off is recorded skipped with its reason, and nothing is sent", async () => {
    const userId = uniqueUser("notify-skip");
    await writePreferences(
      env,
      userId,
      {
        ...DEFAULT_PREFERENCES,
        channels: {
          ...DEFAULT_PREFERENCES.channels,
          transactional: { ...DEFAULT_PREFERENCES.channels.transactional, webhook: false },
        },
      },
      Date.now(),
    );
    const event = eventFor(userId);
    const batch = batchOf("boomerang-notify-transactional", [event]);
    await consumeNotifications(batch, env);
    expect(await deliveriesOf(event.id)).toEqual([
      expect.objectContaining({ channel: "webhook", state: "skipped", reason: "channel_off" }),
    ]);
    expect(await outboxRows(event.id)).toEqual([]);
  });

  it("a deferred delivery is published again with a delay and decided again on arrival", async () => {
    const event = eventFor(uniqueUser("notify-defer"));
    const nowMs = Date.now();
    const republished: Array<{ body: NotificationEventMessage; delaySeconds?: number }> = [];
    const capturing = {
      ...env,
      NOTIFY_TRANSACTIONAL: {
        send: async () => {},
        sendBatch: async (
          messages: Iterable<{ body: NotificationEventMessage; delaySeconds?: number }>,
        ) => {
          republished.push(...messages);
        },
      },
    } as unknown as typeof env;
    const first = batchOf("boomerang-notify-transactional", [event]);
    await consumeNotifications(first, capturing, {
      atMs: nowMs,
      decide: () => ({ action: "defer", untilMs: nowMs + 90_500, reason: "quiet_hours" }),
    });
    expect(await deliveriesOf(event.id)).toEqual([
      expect.objectContaining({ state: "deferred", reason: "quiet_hours", attempts: 0 }),
    ]);
    expect(republished).toEqual([{ body: event, delaySeconds: 91 }]);
    expect(await outboxRows(event.id)).toEqual([]);

    // A deferral past 12 hours is capped at what a queue message may carry.
    const far = eventFor(uniqueUser("notify-defer-far"));
    await consumeNotifications(batchOf("boomerang-notify-transactional", [far]), capturing, {
      atMs: nowMs,
      decide: () => ({ action: "defer", untilMs: nowMs + 20 * 3_600_000, reason: "send_window" }),
    });
    expect(republished[1]?.delaySeconds).toBe(43_200);

    // On arrival the decision is made again: now it sends.
    const again = batchOf("boomerang-notify-transactional", [republished[0]?.body as never]);
    await consumeNotifications(again, env);
    expect(await outboxRows(event.id)).toHaveLength(1);
    expect(await deliveriesOf(event.id)).toEqual([
      expect.objectContaining({ state: "sent", attempts: 1 }),
    ]);
  });

  it("a failing webhook is retried with backoff, then dead-lettered; a replay delivers it exactly once", async () => {
    const event = eventFor(uniqueUser("notify-fail"));
    const requests: Request[] = [];
    const down = async (request: Request) => {
      requests.push(request.clone());
      return new Response("down", { status: 503 });
    };
    const webhookEnv = { ...env, ...WEBHOOK_ENV } as typeof env;
    const delays: number[] = [];
    for (const attempts of [1, 2, 3]) {
      const batch = batchOf("boomerang-notify-transactional", [event], attempts);
      const message = batch.messages[0] as Message<NotifyQueueMessage>;
      const retry = vi.spyOn(message, "retry");
      const ack = vi.spyOn(message, "ack");
      await consumeNotifications(batch, webhookEnv, { webhookFetcher: down });
      expect(ack).not.toHaveBeenCalled();
      delays.push(retry.mock.calls[0]?.[0]?.delaySeconds ?? -1);
    }
    expect(delays).toEqual([30, 60, 120]);
    const [delivery] = await deliveriesOf(event.id);
    expect(delivery).toMatchObject({ state: "failed", attempts: 3 });
    expect(delivery?.reason).toBe("the notification webhook answered 503");

    // Every attempt was signed over its body and carried the delivery id as Idempotency-Key.
    expect(requests).toHaveLength(3);
    const sample = requests[0] as Request;
    expect(sample.headers.get("Idempotency-Key")).toBe(delivery?.id);
    const rawBody = await sample.text();
    const signature = sample.headers.get("X-Boomerang-Signature") ?? "";
    const t = Number(/t=(\d+)/.exec(signature)?.[1]);
    expect(signature).toBe(await signNotification(WEBHOOK_ENV.NOTIFY_WEBHOOK_SECRET, rawBody, t));
    expect(JSON.parse(rawBody)).toMatchObject({ id: event.id, deliveryId: delivery?.id });

    // The queue gives up: the dead-letter consumer records it, twice delivered or not.
    for (const _ of [1, 2]) {
      const dlq = batchOf("boomerang-notify-transactional-dlq", [event], 11);
      const ctx = createExecutionContext();
      await apiWorker.queue(dlq, env, ctx);
      expect((await getQueueResult(dlq, ctx)).explicitAcks).toEqual(["m0"]);
    }
    const letters = await deadLettersOf(event.id);
    expect(letters).toEqual([
      expect.objectContaining({
        delivery_id: delivery?.id,
        channel: "webhook",
        status: "open",
        error: "the notification webhook answered 503",
        attempts: 11,
      }),
    ]);
    expect((await deliveriesOf(event.id))[0]?.state).toBe("dead");

    // The admin list shows it.
    const listed = (await (
      await api("/admin/v1/notifications/dead-letters?status=open&limit=200", {
        headers: ADMIN_HEADERS,
      })
    ).json()) as { items: Array<{ id: string }> };
    expect(listed.items.map((i) => i.id)).toContain(letters[0]?.id);

    // Two concurrent replays: one is queued, the other is refused.
    const replay = () =>
      api(`/admin/v1/notifications/dead-letters/${letters[0]?.id}/retry`, {
        method: "POST",
        headers: ADMIN_HEADERS,
      });
    const answers = await Promise.all([replay(), replay()]);
    expect(answers.map((a) => a.status).sort()).toEqual([202, 409]);
    const refused = answers.find((a) => a.status === 409) as Response;
    expect(refused.headers.get("content-type")).toContain("application/problem+json");

    // The test runtime's channel is the outbox: the replayed event arrives there once.
    const rows = await eventually(async () => {
      const found = await outboxRows(event.id);
      return found.length > 0 ? found : null;
    });
    expect(rows.map((r) => r.delivery_id)).toEqual([delivery?.id]);
    await eventually(async () => (await deliveriesOf(event.id))[0]?.state === "sent");
    expect((await deadLettersOf(event.id))[0]?.status).toBe("replayed");
    expect((await replay()).status).toBe(409);
    expect(await outboxRows(event.id)).toHaveLength(1);
  });

  it("a webhook that refuses the delivery dead-letters it at once", async () => {
    const event = eventFor(uniqueUser("notify-refused"));
    const batch = batchOf("boomerang-notify-transactional", [event]);
    const ctx = createExecutionContext();
    await consumeNotifications(batch, { ...env, ...WEBHOOK_ENV } as typeof env, {
      webhookFetcher: async () => new Response("no such user", { status: 422 }),
    });
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(["m0"]);
    expect(await deliveriesOf(event.id)).toEqual([
      expect.objectContaining({ state: "dead", attempts: 1 }),
    ]);
    expect(await deadLettersOf(event.id)).toEqual([
      expect.objectContaining({ status: "open", error: "the notification webhook answered 422" }),
    ]);
  });

  it("a step-up code never reaches the logs or a delivery's or dead letter's stored error", async () => {
    const code = "731902";
    const stepUpEvent = (label: string) =>
      eventFor(uniqueUser(label), {
        id: `stp_${crypto.randomUUID().replaceAll("-", "")}`,
        type: "step_up_code",
        vars: { code, expiresAt: Date.now() + 600_000 },
      });
    // One channel error quotes the request body (refused: dead at once); another, a plain
    // error, carries the code (retried).
    const refused = stepUpEvent("notify-secret-refused");
    const broken = stepUpEvent("notify-secret-broken");
    const adapters = new Map([
      [
        "webhook" as const,
        {
          channel: "webhook" as const,
          send: async (delivery: { eventId: string }) => {
            if (delivery.eventId === refused.id) {
              throw new ChannelError(`provider refused body {"code":"${code}"}`, false);
            }
            throw new Error(`socket closed while sending "Your code is ${code}"`);
          },
        },
      ],
    ]);
    const logged: string[] = [];
    const spies = (["log", "warn", "error"] as const).map((level) =>
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        logged.push(args.map(String).join(" "));
      }),
    );
    try {
      const batch = batchOf("boomerang-notify-transactional", [refused, broken]);
      await consumeNotifications(batch, env, { adapters });
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    expect(await deliveriesOf(refused.id)).toEqual([
      expect.objectContaining({
        state: "dead",
        reason: 'provider refused body {"code":"[redacted]"}',
      }),
    ]);
    expect(await deliveriesOf(broken.id)).toEqual([
      expect.objectContaining({
        state: "failed",
        reason: 'socket closed while sending "Your code is [redacted]"',
      }),
    ]);
    const letters = await deadLettersOf(refused.id);
    expect(letters.map((l) => l.error)).toEqual(['provider refused body {"code":"[redacted]"}']);
    expect(logged.length).toBeGreaterThan(0);
    for (const line of logged) expect(line).not.toContain(code);
  });

  it("a user's deliveries are listed for the console", async () => {
    const event = eventFor(uniqueUser("notify-list"));
    await consumeNotifications(batchOf("boomerang-notify-transactional", [event]), env);
    const response = await api(`/admin/v1/users/${event.userId}/notification-deliveries`, {
      headers: ADMIN_HEADERS,
    });
    expect(response.status).toBe(200);
    const { items } = (await response.json()) as { items: Array<Record<string, unknown>> };
    expect(items).toEqual([
      expect.objectContaining({ eventId: event.id, channel: "webhook", state: "sent" }),
    ]);
  });
});

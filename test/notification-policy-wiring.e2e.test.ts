import { createMessageBatch } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { NotificationEventMessage } from "#shared/notify/message";
import { DEFAULT_PREFERENCES, type NotificationPreferences } from "#shared/notify/preferences";
import { DEFAULT_NOTIFICATION_SETTINGS, type NotificationSettings } from "#shared/notify/settings";
import { verifyUnsubscribeToken } from "#shared/notify/unsubscribe";
import { sweepLostDigestFlushes } from "#workers/api/src/features/notifications/digest-sweep";
import { joinDigest } from "#workers/api/src/features/notifications/digests";
import {
  consumeNotifications,
  type NotifyQueueMessage,
  writePreferences,
} from "#workers/api/src/features/notifications/index";
import { writeNotificationSettings } from "#workers/api/src/features/notifications/settings-store";
import { eventually, uniqueUser } from "./helpers";

/**
 * The operator's notification settings wired into the router: preferences over the operator's
 * defaults, the send window, quiet hours, frequency caps, digests and unsubscribe links,
 * through the notify consumer, D1 deliveries and the dev outbox.
 */

/** 2026-01-15 23:30 UTC: inside 22:00–08:00 quiet hours in UTC. */
const LATE = Date.UTC(2026, 0, 15, 23, 30);
/** 2026-01-15 12:00 UTC: inside the default 09:00–21:00 send window. */
const NOON = Date.UTC(2026, 0, 15, 12, 0);

async function settle(settings: Partial<NotificationSettings>) {
  await writeNotificationSettings(env.DB, { ...DEFAULT_NOTIFICATION_SETTINGS, ...settings }, NOON);
}

async function optIn(userId: string, overrides: Partial<NotificationPreferences> = {}) {
  await writePreferences(
    env,
    userId,
    { ...DEFAULT_PREFERENCES, promotionalOptIn: true, timeZone: "UTC", ...overrides },
    NOON,
  );
}

function promotion(userId: string, n: number, atMs = NOON): NotificationEventMessage {
  return {
    kind: "notification",
    id: `promo_${n}:${userId}`,
    userId,
    type: "promotion",
    vars: { headline: `Sale ${n}`, body: "Double cashback today", url: "https://shop.test/sale" },
    occurredAtMs: atMs,
  };
}

function batchOf(queue: string, bodies: NotifyQueueMessage[]) {
  return createMessageBatch<NotifyQueueMessage>(
    queue,
    bodies.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: 1, body })),
  );
}

async function deliveriesOfUser(userId: string) {
  const found = await env.DB.prepare(
    `SELECT event_id, channel, state, reason, deliver_after_ms FROM notification_deliveries
     WHERE user_id = ?1 ORDER BY event_id`,
  )
    .bind(userId)
    .all<{
      event_id: string;
      channel: string;
      state: string;
      reason: string | null;
      deliver_after_ms: number | null;
    }>();
  return found.results;
}

async function outboxOfUser(userId: string) {
  const found = await env.DB.prepare(
    `SELECT o.id, o.kind, o.message FROM notification_outbox o
     JOIN notification_deliveries d ON d.id = o.delivery_id
     WHERE d.user_id = ?1 ORDER BY o.id`,
  )
    .bind(userId)
    .all<{ id: string; kind: string; message: string }>();
  return found.results;
}

function capturing() {
  const republished: Array<{ body: NotificationEventMessage; delaySeconds?: number }> = [];
  const queue = {
    send: async (body: NotificationEventMessage, options?: { delaySeconds?: number }) => {
      republished.push({ body, delaySeconds: options?.delaySeconds });
    },
    sendBatch: async (
      messages: Iterable<{ body: NotificationEventMessage; delaySeconds?: number }>,
    ) => {
      republished.push(...messages);
    },
  };
  const routed = { ...env, NOTIFY_PROMOTIONAL: queue, NOTIFY_TRANSACTIONAL: queue };
  return { republished, env: routed as unknown as typeof env };
}

describe("notification policy in the router", () => {
  it("a promotion in the user's quiet hours is deferred to the first allowed instant", async () => {
    await settle({ sendWindow: { startMinute: 9 * 60, endMinute: 21 * 60 } });
    const userId = uniqueUser("wire-quiet");
    await optIn(userId, { quietHours: { startMinute: 22 * 60, endMinute: 8 * 60 } });
    const event = promotion(userId, 1, LATE);
    const { republished, env: routed } = capturing();
    await consumeNotifications(batchOf("boomerang-notify-promotional", [event]), routed, {
      atMs: LATE,
    });
    // Quiet hours end at 08:00, the send window opens at 09:00: the next allowed instant.
    const nine = Date.UTC(2026, 0, 16, 9, 0);
    expect(await deliveriesOfUser(userId)).toEqual([
      expect.objectContaining({ state: "deferred", reason: "quiet_hours", deliver_after_ms: nine }),
    ]);
    expect(republished).toEqual([{ body: event, delaySeconds: (nine - LATE) / 1000 }]);
    expect(await outboxOfUser(userId)).toEqual([]);
  });

  it("a user without preferences gets the operator's default zone: the send window is read there", async () => {
    // 12:00 UTC is 21:00 in Tokyo: outside a 09:00–21:00 window there.
    await settle({
      defaultTimeZone: "Asia/Tokyo",
      sendWindow: { startMinute: 540, endMinute: 1260 },
    });
    const userId = uniqueUser("wire-default-zone");
    await writePreferences(
      env,
      userId,
      { ...DEFAULT_PREFERENCES, timeZone: "Asia/Tokyo", promotionalOptIn: true },
      NOON,
    );
    const { env: routed } = capturing();
    await consumeNotifications(
      batchOf("boomerang-notify-promotional", [promotion(userId, 1)]),
      routed,
      {
        atMs: NOON,
      },
    );
    expect(await deliveriesOfUser(userId)).toEqual([
      expect.objectContaining({
        state: "deferred",
        reason: "send_window",
        deliver_after_ms: Date.UTC(2026, 0, 16, 0, 0),
      }),
    ]);
    await settle({});
  });

  it("a cap of 2 a day: three promotions in one batch send two and skip one as capped", async () => {
    await settle({ sendWindow: null });
    const userId = uniqueUser("wire-cap-batch");
    await optIn(userId);
    const events = [1, 2, 3].map((n) => promotion(userId, n));
    await consumeNotifications(batchOf("boomerang-notify-promotional", events), env, {
      atMs: NOON,
    });
    const rows = await deliveriesOfUser(userId);
    expect(rows.map((r) => r.state).sort()).toEqual(["sent", "sent", "skipped"]);
    expect(rows.find((r) => r.state === "skipped")?.reason).toBe("capped");
    expect(await outboxOfUser(userId)).toHaveLength(2);

    // Redelivered, the batch changes nothing: the sent ones keep their slots.
    await consumeNotifications(batchOf("boomerang-notify-promotional", events), env, {
      atMs: NOON + 1_000,
    });
    expect(await outboxOfUser(userId)).toHaveLength(2);
  });

  it("a cap of 2 a day holds across batches and on the real queue; critical is never capped", async () => {
    await settle({ sendWindow: null });
    const userId = uniqueUser("wire-cap-queue");
    await optIn(userId);
    for (const n of [1, 2, 3]) {
      await consumeNotifications(
        batchOf("boomerang-notify-promotional", [promotion(userId, n)]),
        env,
        {
          atMs: NOON + n,
        },
      );
    }
    expect(await deliveriesOfUser(userId)).toEqual([
      expect.objectContaining({ event_id: `promo_1:${userId}`, state: "sent" }),
      expect.objectContaining({ event_id: `promo_2:${userId}`, state: "sent" }),
      expect.objectContaining({
        event_id: `promo_3:${userId}`,
        state: "skipped",
        reason: "capped",
      }),
    ]);

    const queued = uniqueUser("wire-cap-real");
    await optIn(queued, { quietHours: null });
    // The real queue and consumer: whatever the batches, two of three go.
    const nowEvents = [1, 2, 3].map((n) => promotion(queued, n, Date.now()));
    await env.NOTIFY_PROMOTIONAL.sendBatch(nowEvents.map((body) => ({ body })));
    const rows = await eventually(async () => {
      const found = await deliveriesOfUser(queued);
      return found.length === 3 && found.every((r) => r.state !== "pending") ? found : null;
    });
    expect(rows.map((r) => r.state).sort()).toEqual(["sent", "sent", "skipped"]);

    const critical = [1, 2, 3, 4].map((n) => ({
      kind: "notification" as const,
      id: `stepup_${n}:${userId}`,
      userId,
      type: "step_up_code" as const,
      vars: { code: "123456" },
      occurredAtMs: NOON,
    }));
    await consumeNotifications(batchOf("boomerang-notify-transactional", critical), env, {
      atMs: NOON,
    });
    const sentCritical = (await deliveriesOfUser(userId)).filter((r) =>
      r.event_id.startsWith("stepup_"),
    );
    expect(sentCritical.map((r) => r.state)).toEqual(["sent", "sent", "sent", "sent"]);
  });

  it("a promotional message carries a signed one-click unsubscribe link", async () => {
    await settle({ sendWindow: null });
    const userId = uniqueUser("wire-unsub");
    await optIn(userId);
    await consumeNotifications(
      batchOf("boomerang-notify-promotional", [promotion(userId, 1)]),
      env,
      {
        atMs: NOON,
      },
    );
    const [row] = await outboxOfUser(userId);
    const message = JSON.parse(row?.message ?? "{}") as { unsubscribeUrl?: string };
    const url = new URL(message.unsubscribeUrl ?? "https://missing.test/");
    expect(url.origin + url.pathname).toBe("https://api.test/v1/notifications/unsubscribe");
    const check = await verifyUnsubscribeToken(
      env.NOTIFY_LINK_KEY as string,
      url.searchParams.get("token") ?? "",
      NOON,
    );
    expect(check).toEqual({ ok: true, claims: expect.objectContaining({ userId }) });
  });

  it("five cashback_earned in a burst become one message listing five; critical is never digested", async () => {
    await settle({
      digest: { windowSeconds: 1, types: ["cashback_earned", "step_up_code" as never] },
    });
    const userId = uniqueUser("wire-digest");
    const now = Date.now();
    const earned = [1, 2, 3, 4, 5].map((n) => ({
      kind: "notification" as const,
      id: `txn_${n}_${userId}:earned`,
      userId,
      type: "cashback_earned" as const,
      vars: {
        merchantName: `Shop ${n}`,
        cashback: { amountMinor: 100 * n, currency: "INR" },
        orderId: `ord_${n}`,
      },
      occurredAtMs: now + n,
    }));
    await env.NOTIFY_TRANSACTIONAL.sendBatch(earned.map((body) => ({ body })));
    const rows = await eventually(async () => {
      const found = await outboxOfUser(userId);
      return found.length > 0 ? found : null;
    });
    expect(rows).toHaveLength(1);
    expect(rows[0]?.id).toMatch(/^txn_\d_.*:earned:digest$/);
    const message = JSON.parse(rows[0]?.message ?? "{}") as { title: string; body: string };
    expect(message.body.split("\n")).toHaveLength(5);
    for (const n of [1, 2, 3, 4, 5]) expect(message.body).toContain(`Shop ${n}`);
    // Redelivered, the events are duplicates of the flushed digest: still one message.
    await consumeNotifications(batchOf("boomerang-notify-transactional", earned), env);
    expect(await outboxOfUser(userId)).toHaveLength(1);

    const code = {
      kind: "notification" as const,
      id: `stepup_digest:${userId}`,
      userId,
      type: "step_up_code" as const,
      vars: { code: "123456", expiresAt: now + 600_000 },
      occurredAtMs: now,
    };
    await consumeNotifications(batchOf("boomerang-notify-transactional", [code]), env);
    expect(await outboxOfUser(userId)).toHaveLength(2);
    await settle({});
  });

  it("a digest whose flush message was lost is flushed by the ten-minute sweep, once", async () => {
    const userId = uniqueUser("wire-digest-sweep");
    const now = Date.now();
    const earned = [1, 2].map((n) => ({
      kind: "notification" as const,
      id: `txn_sweep_${n}_${userId}:earned`,
      userId,
      type: "cashback_earned" as const,
      vars: {
        merchantName: `Sweep shop ${n}`,
        cashback: { amountMinor: 100 * n, currency: "INR" },
        orderId: `ord_sweep_${n}`,
      },
      occurredAtMs: now + n,
    }));
    // Joined as the router joins them, but the flush message is never sent (lost).
    for (const event of earned) await joinDigest(env, event, 60, now);
    // Not yet past its flush time and the grace: the sweep leaves it.
    expect(await sweepLostDigestFlushes(env, now + 60_000)).toEqual({ resent: 0 });
    const swept = await sweepLostDigestFlushes(env, now + 10 * 60_000);
    expect(swept.resent).toBeGreaterThanOrEqual(1);
    const rows = await eventually(async () => {
      const found = await outboxOfUser(userId);
      return found.length > 0 ? found : null;
    });
    expect(rows).toHaveLength(1);
    const message = JSON.parse(rows[0]?.message ?? "{}") as { body: string };
    expect(message.body).toContain("Sweep shop 1");
    expect(message.body).toContain("Sweep shop 2");
    // Flushed now: a later sweep finds nothing of this user's to re-send, and nothing more arrives.
    await sweepLostDigestFlushes(env, now + 20 * 60_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await outboxOfUser(userId)).toHaveLength(1);
  });
});

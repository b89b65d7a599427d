import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NotificationChannel } from "#shared/notify/catalog";
import type { ChannelAdapter, ChannelDelivery } from "#shared/notify/channel";
import type { NotificationEventMessage } from "#shared/notify/message";
import { DEFAULT_PREFERENCES } from "#shared/notify/preferences";
import { DEFAULT_NOTIFICATION_SETTINGS, type NotificationSettings } from "#shared/notify/settings";
import { routeEvents, writePreferences } from "#workers/api/src/features/notifications/index";
import { writeNotificationSettings } from "#workers/api/src/features/notifications/settings-store";
import { countingD1 } from "./counting-d1";
import { seedCatalog, uniqueUser } from "./helpers";

/**
 * The router's caps, digests and merchant names cost a bounded number of D1 calls per queue
 * batch, whatever its size (docs/notifications.md "The pipeline"): every cap claim of a batch
 * is one D1 batch, every digest join and flush one D1 batch, the merchants' display names one
 * read. A counting wrapper around the real D1 binding records each round trip; a per-event
 * loop of claims or joins would show as one call per event.
 */

/** 2026-01-15 12:00 UTC: inside any send window. */
const NOON = Date.UTC(2026, 0, 15, 12, 0);
const USERS = 20;

const CAP_SQL = /notification_cap_claims/;
const DIGEST_SQL = /notification_digest/;
const MERCHANT_SQL = /FROM merchants/;

async function settle(settings: Partial<NotificationSettings>) {
  await writeNotificationSettings(env.DB, { ...DEFAULT_NOTIFICATION_SETTINGS, ...settings }, NOON);
}

/** The webhook channel, recording what it is handed. */
function recordingAdapters() {
  const sent: ChannelDelivery[] = [];
  const adapter: ChannelAdapter = {
    channel: "webhook",
    send: async (delivery) => {
      sent.push(delivery);
      return { providerRef: delivery.deliveryId };
    },
  };
  return { sent, adapters: new Map<NotificationChannel, ChannelAdapter>([["webhook", adapter]]) };
}

/** The env with a counting D1 and queues that keep what the router publishes. */
function countingEnv() {
  const d1 = countingD1(env.DB);
  const published: Array<{ body: NotificationEventMessage; delaySeconds?: number }> = [];
  const queue = {
    send: async (body: NotificationEventMessage, options?: { delaySeconds?: number }) => {
      published.push({ body, delaySeconds: options?.delaySeconds });
    },
    sendBatch: async (
      messages: Iterable<{ body: NotificationEventMessage; delaySeconds?: number }>,
    ) => {
      published.push(...messages);
    },
  };
  const routed = { ...env, DB: d1.db, NOTIFY_PROMOTIONAL: queue, NOTIFY_TRANSACTIONAL: queue };
  return { d1, published, env: routed as unknown as typeof env };
}

const inbound = (events: NotificationEventMessage[]) =>
  events.map((event) => ({ event, attempts: 1 }));

beforeAll(async () => {
  await seedCatalog(); // merchant `test-shop`, displayed "Test Shop"
});
afterAll(async () => {
  await settle({});
});

describe("the router's caps and digests: one D1 batch per queue batch", () => {
  it("80 events of 20 users: every cap claim in one D1 call, two promotions a day each, critical uncapped", async () => {
    await settle({
      sendWindow: null,
      caps: { ...DEFAULT_NOTIFICATION_SETTINGS.caps, promotional: { perDay: 2, perWeek: 5 } },
    });
    const users = Array.from({ length: USERS }, (_, i) => uniqueUser(`batch-cap-${i}`));
    for (const userId of users) {
      await writePreferences(
        env,
        userId,
        { ...DEFAULT_PREFERENCES, promotionalOptIn: true, timeZone: "UTC", quietHours: null },
        NOON,
      );
    }
    const events: NotificationEventMessage[] = users.flatMap((userId) => [
      ...[1, 2, 3].map((n) => ({
        kind: "notification" as const,
        id: `batch_promo_${n}:${userId}`,
        userId,
        type: "promotion" as const,
        vars: { headline: `Sale ${n}`, body: "Double cashback", url: "https://shop.test/sale" },
        occurredAtMs: NOON,
      })),
      {
        kind: "notification" as const,
        id: `batch_stepup:${userId}`,
        userId,
        type: "step_up_code" as const,
        vars: { code: "123456", expiresAt: NOON + 600_000 },
        occurredAtMs: NOON,
      },
    ]);
    const routed = countingEnv();
    const { sent, adapters } = recordingAdapters();
    const outcomes = await routeEvents(routed.env, inbound(events), NOON, { adapters });

    expect(outcomes.every((o) => o.action === "ack")).toBe(true);
    expect(routed.d1.callsTouching(CAP_SQL)).toHaveLength(1);
    // Each claim is its own statement in that one call, plus the read-back.
    expect(routed.d1.callsTouching(CAP_SQL)[0]?.filter((sql) => CAP_SQL.test(sql))).toHaveLength(
      USERS * 3 + 1,
    );
    for (const userId of users) {
      const mine = sent.filter((d) => d.userId === userId);
      expect(mine.filter((d) => d.type === "promotion")).toHaveLength(2);
      expect(mine.filter((d) => d.type === "step_up_code")).toHaveLength(1);
    }
    const capped = await env.DB.prepare(
      `SELECT COUNT(*) AS n FROM notification_deliveries
       WHERE reason = 'capped' AND event_id LIKE 'batch_promo_%'`,
    ).first<{ n: number }>();
    expect(capped?.n).toBe(USERS);

    // Redelivered whole, the batch sends nothing more, still in one cap call (slots kept).
    const again = countingEnv();
    const second = recordingAdapters();
    await routeEvents(again.env, inbound(events), NOON + 1_000, { adapters: second.adapters });
    expect(second.sent).toHaveLength(0);
    expect(again.d1.callsTouching(CAP_SQL).length).toBeLessThanOrEqual(1);
  });

  it("40 cashback_earned of 20 users: every join in one D1 call, every flush in one, merchants named in one read", async () => {
    await settle({ digest: { windowSeconds: 60, types: ["cashback_earned"] } });
    const users = Array.from({ length: USERS }, (_, i) => uniqueUser(`batch-digest-${i}`));
    const events: NotificationEventMessage[] = users.flatMap((userId) =>
      [1, 2].map((n) => ({
        kind: "notification" as const,
        id: `txn_batch_${n}_${userId}:earned`,
        userId,
        type: "cashback_earned" as const,
        vars: {
          // A catalog id (named from D1) and an id the catalog does not know (kept).
          merchantName: n === 1 ? "test-shop" : "gone-network",
          cashback: { amountMinor: 100 * n, currency: "INR" },
          orderId: `ord_${n}`,
        },
        occurredAtMs: NOON + n,
      })),
    );
    const joined = countingEnv();
    const first = recordingAdapters();
    await routeEvents(joined.env, inbound(events), NOON, { adapters: first.adapters });

    expect(first.sent).toHaveLength(0);
    expect(joined.d1.callsTouching(DIGEST_SQL)).toHaveLength(1);
    expect(joined.d1.callsTouching(MERCHANT_SQL)).toHaveLength(1);
    // One digest opened per user: its flush message, 60 s out.
    const flushes = joined.published.map((p) => p.body);
    expect(flushes).toHaveLength(USERS);
    expect(new Set(flushes.map((f) => f.userId))).toEqual(new Set(users));
    expect(joined.published.every((p) => p.delaySeconds === 60)).toBe(true);

    const flushed = countingEnv();
    const second = recordingAdapters();
    await routeEvents(flushed.env, inbound(flushes), NOON + 60_000, {
      adapters: second.adapters,
    });
    expect(flushed.d1.callsTouching(DIGEST_SQL)).toHaveLength(1);
    expect(second.sent).toHaveLength(USERS);
    for (const delivery of second.sent) {
      const lines = delivery.message.body.split("\n");
      expect(lines).toHaveLength(2);
      expect(lines[0]).toContain("Test Shop");
      expect(lines[1]).toContain("gone-network");
      expect(delivery.message.body).not.toContain("test-shop");
    }
  });

  it("a cashback event sent on its own names its merchant; without cashback events no catalog read", async () => {
    await settle({ digest: { windowSeconds: 60, types: [] } });
    const userId = uniqueUser("batch-merchant");
    const earned: NotificationEventMessage = {
      kind: "notification",
      id: `txn_named_${userId}:earned`,
      userId,
      type: "cashback_earned",
      vars: {
        merchantName: "test-shop",
        cashback: { amountMinor: 500, currency: "INR" },
        orderId: "ord_named",
      },
      occurredAtMs: NOON,
    };
    const routed = countingEnv();
    const { sent, adapters } = recordingAdapters();
    await routeEvents(routed.env, inbound([earned]), NOON, { adapters });
    expect(sent).toHaveLength(1);
    expect(sent[0]?.vars?.merchantName).toBe("Test Shop");
    expect(sent[0]?.message.body).toContain("Test Shop");

    const other = countingEnv();
    await routeEvents(
      other.env,
      inbound([
        {
          kind: "notification",
          id: `pay_named_${userId}:paid`,
          userId,
          type: "payout_paid",
          vars: { amount: { amountMinor: 500, currency: "INR" }, destination: "bank" },
          occurredAtMs: NOON,
        },
      ]),
      NOON,
      { adapters: recordingAdapters().adapters },
    );
    expect(other.d1.callsTouching(MERCHANT_SQL)).toHaveLength(0);
    expect(other.d1.callsTouching(CAP_SQL)).toHaveLength(0);
  });
});

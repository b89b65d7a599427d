import { createMessageBatch } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, test } from "vitest";
import type { NotifyQueueMessage } from "#workers/api/src/features/notifications/index";
import { consumeNotifications, recordReceipt } from "#workers/api/src/features/notifications/index";
import { signedIn } from "./console-client";
import { eventId, sendEvents } from "./events-client";
import { ADMIN_HEADERS, api, eventually, uniqueUser } from "./helpers";

/** A user's notification deliveries as a section of the console's user page. */

let user = "";

beforeAll(async () => {
  user = uniqueUser("console-deliveries");
  const sent = await sendEvents({
    id: eventId("signup"),
    type: "user.signed_up",
    userId: user,
    occurredAt: "2026-10-15T08:30:00Z",
    data: { displayName: "Meera Iyer" },
  });
  expect(sent.status).toBe(202);
  await eventually(
    async () => (await api(`/admin/v1/users/${user}`, { headers: ADMIN_HEADERS })).ok,
  );
});

describe("notifications on the user's page", () => {
  test("empty at first, then each delivery with its channel and state", async () => {
    const { client } = await signedIn("viewer");
    const before = await (await client.get(`/console/users/${user}`)).text();
    expect(before).toContain("<h2>Notifications</h2>");
    expect(before).toContain("No notifications for this user yet.");

    const event = {
      kind: "notification" as const,
      id: `tier:${user}:gold`,
      userId: user,
      type: "tier_changed" as const,
      vars: { fromTier: "silver", toTier: "gold" },
      occurredAtMs: Date.now(),
    };
    await consumeNotifications(
      createMessageBatch<NotifyQueueMessage>("boomerang-notify-transactional", [
        { id: "m0", timestamp: new Date(), attempts: 1, body: event },
      ]),
      env,
    );
    const html = await (await client.get(`/console/users/${user}`)).text();
    const section = html.slice(html.indexOf("<h2>Notifications</h2>"));
    expect(section).toContain("tier_changed");
    expect(section).toContain(event.id);
    expect(section).toContain("webhook");
    expect(section).not.toContain("No notifications for this user yet.");
  });
});

describe("receipts on the user's page", () => {
  test("a webhook's 2xx shows delivered; an open and an escalation show with their times", async () => {
    const event = {
      kind: "notification" as const,
      id: `tier:${user}:receipts`,
      userId: user,
      type: "tier_changed" as const,
      vars: { fromTier: "bronze", toTier: "silver" },
      occurredAtMs: Date.now(),
    };
    await consumeNotifications(
      createMessageBatch<NotifyQueueMessage>("boomerang-notify-transactional", [
        { id: "m0", timestamp: new Date(), attempts: 1, body: event },
      ]),
      {
        ...env,
        NOTIFY_CHANNEL: "webhook",
        NOTIFY_WEBHOOK_URL: "https://operator.test/notify",
        NOTIFY_WEBHOOK_SECRET: "test-notify-webhook-secret-0123456789",
      },
      { webhookFetcher: async () => new Response(null, { status: 204 }) },
    );
    const row = await env.DB.prepare(
      "SELECT id, delivered_at_ms FROM notification_deliveries WHERE event_id = ?1",
    )
      .bind(event.id)
      .first<{ id: string; delivered_at_ms: number | null }>();
    expect(row?.delivered_at_ms).toEqual(expect.any(Number));
    const { client } = await signedIn("support");
    const rowHtml = async () => {
      const html = await (await client.get(`/console/users/${user}`)).text();
      const at = html.indexOf(event.id);
      return html.slice(html.lastIndexOf("<tr>", at), at);
    };
    expect(await rowHtml()).toContain("Delivered");
    expect(await rowHtml()).not.toContain("Opened");

    expect(await recordReceipt(env, { deliveryId: row?.id as string }, "opened", Date.now())).toBe(
      true,
    );
    await env.DB.prepare("UPDATE notification_deliveries SET escalated_at_ms = ?2 WHERE id = ?1")
      .bind(row?.id, Date.now())
      .run();
    const shown = await rowHtml();
    expect(shown).toContain("Opened");
    expect(shown).toContain("Escalated to e-mail");
  });
});

describe("dead letters in the console", () => {
  test("listed with a replay button; a replay queues it once and a second is refused", async () => {
    const event = {
      kind: "notification" as const,
      id: `tier:${user}:platinum`,
      userId: user,
      type: "tier_changed" as const,
      vars: { fromTier: "gold", toTier: "platinum" },
      occurredAtMs: Date.now(),
    };
    // The operator's webhook refuses it: dead-lettered at once.
    await consumeNotifications(
      createMessageBatch<NotifyQueueMessage>("boomerang-notify-transactional", [
        { id: "m0", timestamp: new Date(), attempts: 1, body: event },
      ]),
      {
        ...env,
        NOTIFY_CHANNEL: "webhook",
        NOTIFY_WEBHOOK_URL: "https://operator.test/notify",
        NOTIFY_WEBHOOK_SECRET: "test-notify-webhook-secret-0123456789",
      },
      { webhookFetcher: async () => new Response("gone", { status: 410 }) },
    );
    const row = await env.DB.prepare(
      `SELECT id FROM notification_dead_letters WHERE event_id = ?1 AND status = 'open'`,
    )
      .bind(event.id)
      .first<{ id: string }>();
    const page = "/console/notifications/dead-letters";
    const viewer = (await signedIn("viewer")).client;
    const seen = await (await viewer.get(page)).text();
    expect(seen).toContain(event.id);
    expect(seen).not.toContain(`${page}/${row?.id}/retry`);

    const { client } = await signedIn("finance");
    expect(await (await client.get(page)).text()).toContain(`action="${page}/${row?.id}/retry"`);
    const first = await client.post(`${page}/${row?.id}/retry`, {}, { fromPage: page });
    expect(first.status).toBe(303);
    const second = await client.post(`${page}/${row?.id}/retry`, {}, { fromPage: page });
    expect(await second.text()).toContain("already replayed");
    // The test runtime's channel is the outbox: delivered there once.
    const rows = await eventually(async () => {
      const found = await env.DB.prepare(`SELECT channel FROM notification_outbox WHERE id = ?1`)
        .bind(event.id)
        .all<{ channel: string }>();
      return found.results.length > 0 ? found.results : null;
    });
    expect(rows).toEqual([{ channel: "webhook" }]);
  });
});

import { createMessageBatch } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterAll, describe, expect, it } from "vitest";
import { ChannelError } from "#shared/notify/channel";
import type { NotificationEventMessage } from "#shared/notify/message";
import { DEFAULT_PREFERENCES } from "#shared/notify/preferences";
import { svixSignature, twilioSignature } from "#shared/notify/provider-signatures";
import { DEFAULT_NOTIFICATION_SETTINGS, type NotificationSettings } from "#shared/notify/settings";
import { generateVapidKeys } from "#workers/api/src/features/notifications/channels/web-push-crypto";
import { sweepUnopenedPushes } from "#workers/api/src/features/notifications/escalation";
import {
  adaptersFor,
  consumeNotifications,
  type NotifyQueueMessage,
  writePreferences,
} from "#workers/api/src/features/notifications/index";
import { writeNotificationSettings } from "#workers/api/src/features/notifications/settings-store";
import { api, mintUserJwt, uniqueUser } from "./helpers";
import { PushReceiver } from "./push-receiver";

/**
 * Receipts and escalation (docs/notifications.md "Receipts") through the real api worker:
 * the router (push and e-mail in the dev outbox), the public receipt routes, the providers'
 * signed callbacks and the ten-minute escalation sweep.
 */

const NOON = Date.UTC(2026, 0, 15, 12, 0);
const HOUR = 3_600_000;
const RESEND_SECRET = "whsec_dGVzdC1yZXNlbmQtd2ViaG9vay1zZWNyZXQtMDEyMzQ1";
const TWILIO_TOKEN = "test-twilio-auth-token-0123456789";

async function settle(settings: Partial<NotificationSettings>) {
  await writeNotificationSettings(env.DB, { ...DEFAULT_NOTIFICATION_SETTINGS, ...settings }, NOON);
}
afterAll(() => settle({}));

/** A captured transactional/promotional queue (what the sweep and router publish). */
function capturing(extra: Record<string, string> = {}) {
  const published: NotificationEventMessage[] = [];
  const queue = {
    send: async (body: NotificationEventMessage) => {
      published.push(body);
    },
    sendBatch: async (messages: Iterable<{ body: NotificationEventMessage }>) => {
      for (const m of messages) published.push(m.body);
    },
  };
  const routed = {
    ...env,
    // Push and e-mail in the dev outbox; the webhook channel off.
    NOTIFY_CHANNEL: "",
    EMAIL_PROVIDER: "outbox",
    WEB_PUSH: "outbox",
    NOTIFY_PROMOTIONAL: queue,
    NOTIFY_TRANSACTIONAL: queue,
    ...extra,
  };
  return { published, env: routed as unknown as typeof env };
}

function batchOf(queue: string, bodies: NotifyQueueMessage[]) {
  return createMessageBatch<NotifyQueueMessage>(
    queue,
    bodies.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: 1, body })),
  );
}

/** A user with a push subscription and an e-mail address for notifications. */
async function userWithPushAndEmail(label: string): Promise<string> {
  const userId = uniqueUser(label);
  const token = await mintUserJwt(userId);
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  const receiver = await PushReceiver.create((await generateVapidKeys()).publicKey);
  const { endpoint, p256dh, auth } = receiver.subscription;
  const sub = await api("/v1/me/push-subscriptions", {
    method: "POST",
    headers,
    body: JSON.stringify({ endpoint, keys: { p256dh, auth } }),
  });
  expect(sub.status).toBe(201);
  const contacts = await api("/v1/me/notification-contacts", {
    method: "PUT",
    headers,
    body: JSON.stringify({ email: `${userId}@mail.test` }),
  });
  expect(contacts.status).toBe(200);
  await writePreferences(
    env,
    userId,
    { ...DEFAULT_PREFERENCES, promotionalOptIn: true, quietHours: null },
    NOON,
  );
  return userId;
}

function paid(userId: string, n = 1): NotificationEventMessage {
  return {
    kind: "notification",
    id: `pay_${n}:${userId}:paid`,
    userId,
    type: "payout_paid",
    vars: { amount: { amountMinor: 50_000, currency: "INR" }, destination: "UPI ••••21" },
    occurredAtMs: NOON,
  };
}

interface Row {
  id: string;
  event_id: string;
  channel: string;
  state: string;
  reason: string | null;
  provider_ref: string | null;
  delivered_at_ms: number | null;
  opened_at_ms: number | null;
  receipt_failure: string | null;
  escalated_at_ms: number | null;
}

async function deliveries(userId: string): Promise<Row[]> {
  const found = await env.DB.prepare(
    `SELECT id, event_id, channel, state, reason, provider_ref, delivered_at_ms, opened_at_ms,
            receipt_failure, escalated_at_ms
     FROM notification_deliveries WHERE user_id = ?1 ORDER BY event_id, channel`,
  )
    .bind(userId)
    .all<Row>();
  return found.results;
}

async function outbox(userId: string) {
  const found = await env.DB.prepare(
    `SELECT o.id, o.channel, o.delivery_id, o.message FROM notification_outbox o
     JOIN notification_deliveries d ON d.id = o.delivery_id WHERE d.user_id = ?1 ORDER BY o.channel`,
  )
    .bind(userId)
    .all<{ id: string; channel: string; delivery_id: string; message: string }>();
  return found.results.map((r) => ({
    ...r,
    message: JSON.parse(r.message) as {
      url?: string;
      openPixelUrl?: string;
      receiptUrl?: string;
    },
  }));
}

const pathOf = (url: string) => {
  const u = new URL(url);
  return `${u.pathname}${u.search}`;
};

function tamper(url: string, param: string): string {
  const u = new URL(url);
  const value = u.searchParams.get(param) ?? "";
  // Change the MAC's first character (or the target). Not the last: a 32-byte MAC in
  // base64url leaves that character's two low bits unused, so A↔B can decode to the same MAC.
  const at = value.lastIndexOf(".") + 1;
  const first = value[at] === "A" ? "B" : "A";
  u.searchParams.set(
    param,
    param === "t" ? `${value.slice(0, at)}${first}${value.slice(at + 1)}` : `${value}x`,
  );
  return pathOf(u.toString());
}

describe("push and e-mail receipts through signed links", () => {
  it("a push carries its receipt URL: shown → delivered, clicked → opened, once; tampered → 403", async () => {
    await settle({});
    const userId = await userWithPushAndEmail("rcpt-push");
    const { env: routed } = capturing();
    await consumeNotifications(batchOf("boomerang-notify-transactional", [paid(userId)]), routed, {
      atMs: NOON,
    });
    const push = (await outbox(userId)).find((r) => r.channel === "push");
    const receiptUrl = push?.message.receiptUrl as string;
    expect(receiptUrl).toMatch(/^https:\/\/api\.test\/v1\/notifications\/receipts\/push\?t=push\./);

    const tampered = await api(`${tamper(receiptUrl, "t")}&event=shown`, { method: "POST" });
    expect(tampered.status).toBe(403);
    expect(tampered.headers.get("content-type")).toContain("application/problem+json");
    const malformed = await api("/v1/notifications/receipts/push?t=nope&event=shown", {
      method: "POST",
    });
    expect(malformed.status).toBe(400);
    let row = (await deliveries(userId)).find((r) => r.channel === "push");
    expect(row).toMatchObject({ delivered_at_ms: null, opened_at_ms: null });

    const shown = await api(`${pathOf(receiptUrl)}&event=shown`, { method: "POST" });
    expect(shown.status).toBe(200);
    expect(await shown.json()).toEqual({ recorded: true });
    const again = await api(`${pathOf(receiptUrl)}&event=shown`, { method: "POST" });
    expect(await again.json()).toEqual({ recorded: false });
    row = (await deliveries(userId)).find((r) => r.channel === "push");
    const deliveredAt = row?.delivered_at_ms;
    expect(deliveredAt).toEqual(expect.any(Number));
    expect(row?.opened_at_ms).toBeNull();

    const clicked = await api(`${pathOf(receiptUrl)}&event=clicked`, { method: "POST" });
    expect(await clicked.json()).toEqual({ recorded: true });
    row = (await deliveries(userId)).find((r) => r.channel === "push");
    expect(row?.opened_at_ms).toEqual(expect.any(Number));
    // The first delivery receipt stays.
    expect(row?.delivered_at_ms).toBe(deliveredAt);
  });

  it("e-mail tracking off (the default): no pixel, the link untouched", async () => {
    await settle({ sendWindow: null });
    const userId = await userWithPushAndEmail("rcpt-untracked");
    const { env: routed } = capturing();
    const promo: NotificationEventMessage = {
      kind: "notification",
      id: `promo_untracked:${userId}`,
      userId,
      type: "promotion",
      vars: { headline: "Sale", body: "Double cashback", url: "https://shop.test/sale" },
      occurredAtMs: NOON,
    };
    await consumeNotifications(batchOf("boomerang-notify-promotional", [promo]), routed, {
      atMs: NOON,
    });
    const email = (await outbox(userId)).find((r) => r.channel === "email");
    expect(email?.message.openPixelUrl).toBeUndefined();
    expect(email?.message.url).toBe("https://shop.test/sale");
  });

  it("e-mail tracking on: the pixel records the open once (GIF, no-store); the link 302s only to its signed target", async () => {
    await settle({ sendWindow: null, emailTracking: { opens: true, clicks: true } });
    const userId = await userWithPushAndEmail("rcpt-email");
    const { env: routed } = capturing();
    const promo: NotificationEventMessage = {
      kind: "notification",
      id: `promo_tracked:${userId}`,
      userId,
      type: "promotion",
      vars: { headline: "Sale", body: "Double cashback", url: "https://shop.test/sale?x=1" },
      occurredAtMs: NOON,
    };
    await consumeNotifications(batchOf("boomerang-notify-promotional", [promo]), routed, {
      atMs: NOON,
    });
    const email = (await outbox(userId)).find((r) => r.channel === "email");
    const pixel = email?.message.openPixelUrl as string;
    const link = email?.message.url as string;
    expect(pixel).toMatch(/^https:\/\/api\.test\/v1\/notifications\/track\/open\?t=open\./);
    expect(link).toMatch(/^https:\/\/api\.test\/v1\/notifications\/track\/click\?t=click\./);
    expect(new URL(link).searchParams.get("u")).toBe("https://shop.test/sale?x=1");
    const emailRow = () =>
      deliveries(userId).then((rows) => rows.find((r) => r.channel === "email"));

    // A tampered pixel still answers the GIF and writes nothing.
    const forged = await api(tamper(pixel, "t"));
    expect(forged.status).toBe(200);
    expect(forged.headers.get("content-type")).toBe("image/gif");
    expect((await emailRow())?.opened_at_ms).toBeNull();

    const opened = await api(pathOf(pixel));
    expect(opened.status).toBe(200);
    expect(opened.headers.get("content-type")).toBe("image/gif");
    expect(opened.headers.get("cache-control")).toContain("no-store");
    const gif = new Uint8Array(await opened.arrayBuffer());
    expect(String.fromCharCode(...gif.slice(0, 6))).toBe("GIF89a");
    const first = (await emailRow())?.opened_at_ms;
    expect(first).toEqual(expect.any(Number));
    await new Promise((r) => setTimeout(r, 5));
    await (await api(pathOf(pixel))).arrayBuffer();
    expect((await emailRow())?.opened_at_ms).toBe(first);

    // Another target under the same token: refused, no redirect.
    const elsewhere = await api(tamper(link, "u"), { redirect: "manual" });
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.headers.get("location")).toBeNull();
    const evil = new URL(link);
    evil.searchParams.set("u", "https://evil.test/");
    expect((await api(pathOf(evil.toString()), { redirect: "manual" })).status).toBe(403);
    const followed = await api(pathOf(link), { redirect: "manual" });
    expect(followed.status).toBe(302);
    expect(followed.headers.get("location")).toBe("https://shop.test/sale?x=1");
  });
});

describe("providers' receipts", () => {
  it("Resend: the id answered at send is kept; signed webhooks record delivered and opened once, and never go backwards", async () => {
    await settle({});
    const userId = await userWithPushAndEmail("rcpt-resend");
    const emailId = `re_${crypto.randomUUID()}`;
    const { env: routed } = capturing({
      EMAIL_PROVIDER: "resend",
      EMAIL_API_KEY: "re_test_key",
      EMAIL_FROM: "Boomerang <notify@mail.test>",
    });
    await consumeNotifications(batchOf("boomerang-notify-transactional", [paid(userId)]), routed, {
      atMs: NOON,
      providerFetcher: async () => Response.json({ id: emailId }),
    });
    const emailRow = () =>
      deliveries(userId).then((rows) => rows.find((r) => r.channel === "email"));
    expect(await emailRow()).toMatchObject({ state: "sent", provider_ref: emailId });

    const post = async (type: string, options: { secret?: string; ts?: number } = {}) => {
      const body = JSON.stringify({
        type,
        created_at: new Date().toISOString(),
        data: { email_id: emailId, to: ["someone@mail.test"] },
      });
      const id = `msg_${crypto.randomUUID()}`;
      const ts = options.ts ?? Math.floor(Date.now() / 1000);
      const signature = await svixSignature(options.secret ?? RESEND_SECRET, id, ts, body);
      return api("/v1/notifications/receipts/resend", {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "svix-id": id,
          "svix-timestamp": String(ts),
          "svix-signature": signature,
        },
        body,
      });
    };

    const forged = await post("email.delivered", { secret: "whsec_b3RoZXItc2VjcmV0" });
    expect(forged.status).toBe(401);
    expect(forged.headers.get("content-type")).toContain("application/problem+json");
    const stale = await post("email.delivered", { ts: Math.floor(Date.now() / 1000) - 600 });
    expect(stale.status).toBe(401);
    const unsigned = await api("/v1/notifications/receipts/resend", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(unsigned.status).toBe(400);
    expect((await emailRow())?.delivered_at_ms).toBeNull();

    expect(await (await post("email.sent")).json()).toEqual({ recorded: false });
    expect(await (await post("email.delivered")).json()).toEqual({ recorded: true });
    const delivered = (await emailRow())?.delivered_at_ms;
    expect(delivered).toEqual(expect.any(Number));
    expect(await (await post("email.delivered")).json()).toEqual({ recorded: false });
    // A bounce after the delivery receipt does not move it back.
    expect(await (await post("email.bounced")).json()).toEqual({ recorded: false });
    expect(await (await post("email.opened")).json()).toEqual({ recorded: true });
    expect(await (await post("email.complained")).json()).toEqual({ recorded: true });
    expect(await emailRow()).toMatchObject({
      delivered_at_ms: delivered,
      opened_at_ms: expect.any(Number),
      receipt_failure: "complained",
    });
  });

  it("Twilio: the status callback URL is sent; signed callbacks record delivered once, a later failure does not undo it", async () => {
    await settle({});
    const userId = uniqueUser("rcpt-twilio");
    await writePreferences(env, userId, { ...DEFAULT_PREFERENCES, quietHours: null }, NOON);
    const token = await mintUserJwt(userId);
    await api("/v1/me/notification-contacts", {
      method: "PUT",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ phone: "+919876543210" }),
    });
    const sid = `SM${crypto.randomUUID().replaceAll("-", "")}`;
    let form: URLSearchParams | null = null;
    const { env: routed } = capturing({
      SMS_PROVIDER: "twilio",
      TWILIO_ACCOUNT_SID: "AC0123456789abcdef",
      SMS_FROM: "+15005550006",
    });
    await consumeNotifications(batchOf("boomerang-notify-transactional", [paid(userId)]), routed, {
      atMs: NOON,
      providerFetcher: async (request) => {
        form = new URLSearchParams(new TextDecoder().decode(await request.arrayBuffer()));
        return Response.json({ sid }, { status: 201 });
      },
    });
    const callback = "https://api.test/v1/notifications/receipts/twilio";
    expect((form as URLSearchParams | null)?.get("StatusCallback")).toBe(callback);
    const smsRow = () => deliveries(userId).then((rows) => rows.find((r) => r.channel === "sms"));
    expect(await smsRow()).toMatchObject({ state: "sent", provider_ref: sid });

    const post = async (status: string, signWith = TWILIO_TOKEN) => {
      const params = new URLSearchParams({
        MessageSid: sid,
        MessageStatus: status,
        AccountSid: "AC0123456789abcdef",
        To: "+919876543210",
      });
      const signature = await twilioSignature(signWith, callback, [...params]);
      return api("/v1/notifications/receipts/twilio", {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          "x-twilio-signature": signature,
        },
        body: params.toString(),
      });
    };
    const forged = await post("delivered", "another-token");
    expect(forged.status).toBe(401);
    expect((await smsRow())?.delivered_at_ms).toBeNull();
    expect(await (await post("sent")).json()).toEqual({ recorded: false });
    expect(await (await post("delivered")).json()).toEqual({ recorded: true });
    expect(await (await post("delivered")).json()).toEqual({ recorded: false });
    expect(await (await post("failed")).json()).toEqual({ recorded: false });
    expect(await smsRow()).toMatchObject({
      delivered_at_ms: expect.any(Number),
      receipt_failure: null,
    });
  });

  it("Twilio: undelivered is kept as the receipt failure", async () => {
    const sid = `SM${crypto.randomUUID().replaceAll("-", "")}`;
    await env.DB.prepare(
      `INSERT INTO notification_deliveries (id, event_id, user_id, type, category, channel, state,
         attempts, provider_ref, created_at_ms, updated_at_ms, sent_at_ms)
       VALUES (?1, 'evt', 'usr_twilio_fail', 'payout_paid', 'transactional', 'sms', 'sent', 1, ?2, 1, 1, 1)`,
    )
      .bind(`dlv_${crypto.randomUUID().replaceAll("-", "")}`, sid)
      .run();
    const params = new URLSearchParams({ MessageSid: sid, MessageStatus: "undelivered" });
    const callback = "https://api.test/v1/notifications/receipts/twilio";
    const response = await api("/v1/notifications/receipts/twilio", {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        "x-twilio-signature": await twilioSignature(TWILIO_TOKEN, callback, [...params]),
      },
      body: params.toString(),
    });
    expect(await response.json()).toEqual({ recorded: true });
    const row = await env.DB.prepare(
      "SELECT receipt_failure, delivered_at_ms FROM notification_deliveries WHERE provider_ref = ?1",
    )
      .bind(sid)
      .first();
    expect(row).toEqual({ receipt_failure: "undelivered", delivered_at_ms: null });
  });
});

describe("escalation of an unopened transactional push to e-mail", () => {
  it("the e-mail waits for the push; the sweep escalates once after N hours, run twice and concurrently", async () => {
    await settle({ escalateUnopenedPushAfterHours: 2 });
    const userId = await userWithPushAndEmail("esc-once");
    const event = paid(userId);
    const routing = capturing();
    await consumeNotifications(batchOf("boomerang-notify-transactional", [event]), routing.env, {
      atMs: NOON,
    });
    expect((await outbox(userId)).map((r) => r.channel)).toEqual(["push"]);
    expect((await deliveries(userId)).map((r) => [r.channel, r.state, r.reason])).toEqual([
      ["email", "deferred", "awaiting_push_open"],
      ["push", "sent", null],
    ]);
    // Redelivered, the event still holds its e-mail (its push is already sent).
    await consumeNotifications(batchOf("boomerang-notify-transactional", [event]), routing.env, {
      atMs: NOON + 1_000,
    });
    expect((await outbox(userId)).map((r) => r.channel)).toEqual(["push"]);

    const sweep = capturing();
    const mine = () => sweep.published.filter((e) => e.userId === userId);
    // Not before N hours.
    await sweepUnopenedPushes(sweep.env, NOON + 2 * HOUR - 60_000);
    expect(mine()).toEqual([]);
    // Twice, concurrently, then once more: one escalation.
    await Promise.all([
      sweepUnopenedPushes(sweep.env, NOON + 2 * HOUR + 60_000),
      sweepUnopenedPushes(sweep.env, NOON + 2 * HOUR + 60_000),
    ]);
    await sweepUnopenedPushes(sweep.env, NOON + 3 * HOUR);
    expect(mine()).toEqual([{ ...event, escalation: true }]);
    expect((await deliveries(userId)).find((r) => r.channel === "push")?.escalated_at_ms).toBe(
      NOON + 2 * HOUR + 60_000,
    );

    // The escalation goes through the normal router, by e-mail only; a copy sends nothing more.
    const escalated = mine();
    for (const copy of [escalated, escalated]) {
      await consumeNotifications(batchOf("boomerang-notify-transactional", copy), routing.env, {
        atMs: NOON + 2 * HOUR + 120_000,
      });
    }
    const sent = await outbox(userId);
    expect(sent.map((r) => r.channel)).toEqual(["email", "push"]);
    expect(sent[0]?.id).toBe(event.id);
    expect((await deliveries(userId)).map((r) => [r.channel, r.state])).toEqual([
      ["email", "sent"],
      ["push", "sent"],
    ]);
  });

  it("a push the push service refuses (dead) is escalated too", async () => {
    await settle({ escalateUnopenedPushAfterHours: 1 });
    const userId = await userWithPushAndEmail("esc-dead");
    const routing = capturing();
    const adapters = adaptersFor(routing.env);
    adapters.set("push", {
      channel: "push",
      send: () => Promise.reject(new ChannelError("web push: refused", false)),
    });
    const event = paid(userId, 4);
    await consumeNotifications(batchOf("boomerang-notify-transactional", [event]), routing.env, {
      atMs: NOON,
      adapters,
    });
    expect((await deliveries(userId)).map((r) => [r.channel, r.state, r.reason])).toEqual([
      ["email", "deferred", "awaiting_push_open"],
      ["push", "dead", "web push: refused"],
    ]);
    const sweep = capturing();
    await sweepUnopenedPushes(sweep.env, NOON + HOUR + 1);
    const escalated = sweep.published.filter((e) => e.userId === userId);
    expect(escalated).toEqual([{ ...event, escalation: true }]);
    await consumeNotifications(batchOf("boomerang-notify-transactional", escalated), routing.env, {
      atMs: NOON + HOUR + 2,
    });
    expect((await outbox(userId)).map((r) => r.channel)).toEqual(["email"]);
  });

  it("not for an opened push: its held e-mail is skipped", async () => {
    await settle({ escalateUnopenedPushAfterHours: 1 });
    const userId = await userWithPushAndEmail("esc-opened");
    const routing = capturing();
    await consumeNotifications(
      batchOf("boomerang-notify-transactional", [paid(userId, 2)]),
      routing.env,
      { atMs: NOON },
    );
    const push = (await outbox(userId)).find((r) => r.channel === "push");
    const clicked = await api(`${pathOf(push?.message.receiptUrl as string)}&event=clicked`, {
      method: "POST",
    });
    expect(await clicked.json()).toEqual({ recorded: true });
    expect((await deliveries(userId)).find((r) => r.channel === "email")).toMatchObject({
      state: "skipped",
      reason: "push_opened",
    });
    const sweep = capturing();
    await sweepUnopenedPushes(sweep.env, NOON + 5 * HOUR);
    expect(sweep.published.filter((e) => e.userId === userId)).toEqual([]);
  });

  it("not for promotional or critical messages: their e-mail goes at once and the sweep leaves them", async () => {
    await settle({ escalateUnopenedPushAfterHours: 1, sendWindow: null });
    const userId = await userWithPushAndEmail("esc-categories");
    const routing = capturing();
    const promo: NotificationEventMessage = {
      kind: "notification",
      id: `promo_esc:${userId}`,
      userId,
      type: "promotion",
      vars: { headline: "Sale", body: "Double cashback", url: "https://shop.test/sale" },
      occurredAtMs: NOON,
    };
    const code: NotificationEventMessage = {
      kind: "notification",
      id: `chl_esc:${userId}`,
      userId,
      type: "step_up_code",
      vars: { code: "123456", expiresAt: NOON + 600_000 },
      occurredAtMs: NOON,
    };
    await consumeNotifications(batchOf("boomerang-notify-promotional", [promo]), routing.env, {
      atMs: NOON,
    });
    await consumeNotifications(batchOf("boomerang-notify-transactional", [code]), routing.env, {
      atMs: NOON,
    });
    const states = (await deliveries(userId)).map((r) => [r.event_id, r.channel, r.state]);
    expect(states).toEqual([
      [code.id, "email", "sent"],
      [code.id, "push", "sent"],
      [promo.id, "email", "sent"],
      [promo.id, "push", "sent"],
    ]);
    const sweep = capturing();
    await sweepUnopenedPushes(sweep.env, NOON + 10 * HOUR);
    expect(sweep.published.filter((e) => e.userId === userId)).toEqual([]);
  });

  it("off (null, the default): both go at once and nothing is escalated", async () => {
    await settle({});
    const userId = await userWithPushAndEmail("esc-off");
    const routing = capturing();
    await consumeNotifications(
      batchOf("boomerang-notify-transactional", [paid(userId, 3)]),
      routing.env,
      { atMs: NOON },
    );
    expect((await outbox(userId)).map((r) => r.channel)).toEqual(["email", "push"]);
    const sweep = capturing();
    await sweepUnopenedPushes(sweep.env, NOON + 10 * HOUR);
    expect(sweep.published.filter((e) => e.userId === userId)).toEqual([]);
  });

  it("turned off while an e-mail is held: the next sweep releases it at once, once", async () => {
    await settle({ escalateUnopenedPushAfterHours: 24 });
    const userId = await userWithPushAndEmail("esc-turned-off");
    const routing = capturing();
    const event = paid(userId, 5);
    await consumeNotifications(batchOf("boomerang-notify-transactional", [event]), routing.env, {
      atMs: NOON,
    });
    expect((await deliveries(userId)).map((r) => [r.channel, r.state])).toEqual([
      ["email", "deferred"],
      ["push", "sent"],
    ]);
    await settle({});
    const sweep = capturing();
    const mine = () => sweep.published.filter((e) => e.userId === userId);
    await sweepUnopenedPushes(sweep.env, NOON + 60_000);
    await sweepUnopenedPushes(sweep.env, NOON + 120_000);
    expect(mine()).toEqual([{ ...event, escalation: true }]);
    await consumeNotifications(batchOf("boomerang-notify-transactional", mine()), routing.env, {
      atMs: NOON + 180_000,
    });
    expect((await deliveries(userId)).map((r) => [r.channel, r.state])).toEqual([
      ["email", "sent"],
      ["push", "sent"],
    ]);
  });
});

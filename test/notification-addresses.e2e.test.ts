import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, test } from "vitest";
import { toBase64Url } from "#shared/crypto/encoding";
import type { ChannelDelivery } from "#shared/notify/channel";
import { createApp } from "#workers/api/src/app";
import { webPushAdapterFor } from "#workers/api/src/features/notifications/channels/web-push";
import { generateVapidKeys } from "#workers/api/src/features/notifications/channels/web-push-crypto";
import {
  forgetPushSubscription,
  recipientsFor,
} from "#workers/api/src/features/notifications/recipients";
import { eventId, sendEvents } from "./events-client";
import { api, eventually, mintUserJwt, uniqueUser, walletStub } from "./helpers";
import { PushReceiver } from "./push-receiver";

async function asUser(userId: string, path: string, init: RequestInit = {}) {
  const token = await mintUserJwt(userId);
  return api(path, {
    ...init,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
  });
}

const post = (userId: string, path: string, body: unknown) =>
  asUser(userId, path, { method: "POST", body: JSON.stringify(body) });

function browserSubscription(receiver: PushReceiver) {
  const { endpoint, p256dh, auth } = receiver.subscription;
  return { endpoint, expirationTime: null, keys: { p256dh, auth } };
}

describe("push subscriptions through the user API", () => {
  test("register, list (no endpoint shown), re-register the same endpoint, remove", async () => {
    const user = uniqueUser("push-subs");
    const receiver = await PushReceiver.create((await generateVapidKeys()).publicKey);
    const created = await post(user, "/v1/me/push-subscriptions", browserSubscription(receiver));
    expect(created.status).toBe(201);
    const sub = (await created.json()) as { id: string; origin: string };
    expect(sub.origin).toBe("https://push.test.example");

    const again = await post(user, "/v1/me/push-subscriptions", browserSubscription(receiver));
    expect(again.status).toBe(200);
    expect(((await again.json()) as { id: string }).id).toBe(sub.id);

    const listed = await asUser(user, "/v1/me/push-subscriptions");
    const text = await listed.text();
    expect(JSON.parse(text)).toEqual({
      items: [{ id: sub.id, origin: "https://push.test.example", createdAt: expect.any(String) }],
    });
    expect(text).not.toContain(receiver.endpoint);

    const removed = await asUser(user, `/v1/me/push-subscriptions/${sub.id}`, {
      method: "DELETE",
    });
    expect(removed.status).toBe(204);
    const missing = await asUser(user, `/v1/me/push-subscriptions/${sub.id}`, {
      method: "DELETE",
    });
    expect(missing.status).toBe(404);
    expect(await recipientsFor(env, user, ["push"])).toEqual([]);
  });

  test("an eleventh subscription is refused (409); ten are kept", async () => {
    const user = uniqueUser("push-cap");
    const key = (await generateVapidKeys()).publicKey;
    for (let i = 0; i < 10; i++) {
      const receiver = await PushReceiver.create(key);
      expect(
        (await post(user, "/v1/me/push-subscriptions", browserSubscription(receiver))).status,
      ).toBe(201);
    }
    const eleventh = await PushReceiver.create(key);
    const refused = await post(user, "/v1/me/push-subscriptions", browserSubscription(eleventh));
    expect(refused.status).toBe(409);
    expect(await recipientsFor(env, user, ["push"])).toHaveLength(10);
  });

  test.each([
    {
      label: "an http endpoint",
      edit: (s: ReturnType<typeof browserSubscription>) => ({
        ...s,
        endpoint: s.endpoint.replace("https:", "http:"),
      }),
    },
    {
      label: "a 33-byte (compressed) p256dh",
      edit: (s: ReturnType<typeof browserSubscription>) => ({
        ...s,
        keys: { ...s.keys, p256dh: toBase64Url(new Uint8Array(33).fill(2)) },
      }),
    },
    {
      label: "a point that is not on the curve",
      edit: (s: ReturnType<typeof browserSubscription>) => ({
        ...s,
        keys: {
          ...s.keys,
          p256dh: toBase64Url(new Uint8Array([4, ...new Uint8Array(64).fill(1)])),
        },
      }),
    },
    {
      label: "a 15-byte auth",
      edit: (s: ReturnType<typeof browserSubscription>) => ({
        ...s,
        keys: { ...s.keys, auth: toBase64Url(new Uint8Array(15)) },
      }),
    },
  ])("$label is refused with a 400 problem", async ({ edit }) => {
    const user = uniqueUser("push-bad");
    const receiver = await PushReceiver.create((await generateVapidKeys()).publicKey);
    const response = await post(
      user,
      "/v1/me/push-subscriptions",
      edit(browserSubscription(receiver)),
    );
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
    expect(await recipientsFor(env, user, ["push"])).toEqual([]);
  });

  test("without a token: 401", async () => {
    const response = await api("/v1/me/push-subscriptions");
    expect(response.status).toBe(401);
  });
});

describe("sending to a registered subscription, end to end", () => {
  test("recipientsFor opens it, the adapter pushes to the receiver, which decrypts; 410 forgets it", async () => {
    const keys = await generateVapidKeys();
    const user = uniqueUser("push-e2e");
    const receiver = await PushReceiver.create(keys.publicKey);
    expect(
      (await post(user, "/v1/me/push-subscriptions", browserSubscription(receiver))).status,
    ).toBe(201);
    const [recipient] = await recipientsFor(env, user, ["push"]);
    expect(recipient).toEqual({ channel: "push", subscription: receiver.subscription });
    const adapter = webPushAdapterFor(
      {
        WEB_PUSH: "vapid",
        VAPID_PUBLIC_KEY: keys.publicKey,
        VAPID_PRIVATE_KEY: keys.privateKey,
        VAPID_SUBJECT: "mailto:ops@boomerang.example",
      },
      {
        fetcher: receiver.fetcher,
        onGone: (userId, endpoint) => forgetPushSubscription(env, userId, endpoint),
      },
    );
    const delivery: ChannelDelivery = {
      deliveryId: "evt_push_e2e:push:1",
      eventId: "evt_push_e2e",
      userId: user,
      type: "payout_paid",
      category: "transactional",
      message: { locale: "en", title: "Payout paid", body: "₹500.00 reached your bank." },
      recipient: recipient as ChannelDelivery["recipient"],
    };
    await adapter?.send(delivery);
    expect(receiver.received.map((r) => r.payload)).toEqual([
      {
        id: "evt_push_e2e:push:1",
        type: "payout_paid",
        title: "Payout paid",
        body: "₹500.00 reached your bank.",
      },
    ]);

    receiver.status = 410;
    await expect(adapter?.send(delivery)).rejects.toMatchObject({ gone: true, retryable: false });
    expect(await recipientsFor(env, user, ["push"])).toEqual([]);
  });
});

describe("contact channels", () => {
  test("signup contact is the default; the contact set for notifications wins; answers are masked", async () => {
    const user = uniqueUser("contacts");
    const sent = await sendEvents({
      id: eventId("signup"),
      type: "user.signed_up",
      userId: user,
      occurredAt: "2026-10-15T08:30:00Z",
      data: { email: "signup@example.org", phone: "+919800000001" },
    });
    expect(sent.status).toBe(202);
    await eventually(async () => (await walletStub(user).getMaskedContact()) !== null);
    expect(await recipientsFor(env, user, ["email", "sms", "webhook"])).toEqual([
      { channel: "webhook" },
      { channel: "email", address: "signup@example.org" },
      { channel: "sms", phone: "+919800000001" },
    ]);

    const put = await asUser(user, "/v1/me/notification-contacts", {
      method: "PUT",
      body: JSON.stringify({ email: "alerts@example.org" }),
    });
    expect(put.status).toBe(200);
    const text = await put.text();
    expect(text).not.toContain("alerts@example.org");
    expect(JSON.parse(text)).toEqual({
      masked: { email: "a•••••@example.org" },
      updatedAt: expect.any(String),
    });
    expect(await recipientsFor(env, user, ["email", "sms"])).toEqual([
      { channel: "email", address: "alerts@example.org" },
      { channel: "sms", phone: "+919800000001" },
    ]);
    // Reported to risk like user.email_changed: the wallet notes the profile change at once.
    const noted = await runInDurableObject(walletStub(user), (_instance, state) =>
      state.storage.sql
        .exec<{ kind: string }>(`SELECT kind FROM known_activity`)
        .toArray()
        .map((r) => r.kind),
    );
    expect(noted).toContain("profile_changed");
    const got = await asUser(user, "/v1/me/notification-contacts");
    expect(await got.json()).toMatchObject({ masked: { email: "a•••••@example.org" } });
  });

  test.each([
    { label: "neither field", body: {} },
    { label: "a malformed e-mail", body: { email: "not-an-address" } },
    { label: "a phone not in E.164", body: { phone: "98123 45678" } },
  ])("$label is refused (400)", async ({ body }) => {
    const user = uniqueUser("contacts-bad");
    const response = await asUser(user, "/v1/me/notification-contacts", {
      method: "PUT",
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(400);
  });
});

describe("the public VAPID key", () => {
  test("answered without a token when WEB_PUSH is vapid; 404 otherwise", async () => {
    // The test environment does not enable Web Push.
    const off = await api("/v1/notifications/web-push-key");
    expect(off.status).toBe(404);
    expect(off.headers.get("content-type")).toContain("application/problem+json");

    const keys = await generateVapidKeys();
    const on = await createApp().fetch(
      new Request("https://api.test/v1/notifications/web-push-key"),
      {
        ...env,
        WEB_PUSH: "vapid",
        VAPID_PUBLIC_KEY: keys.publicKey,
        VAPID_PRIVATE_KEY: keys.privateKey,
        VAPID_SUBJECT: "mailto:ops@boomerang.example",
      },
      {
        waitUntil: () => {},
        passThroughOnException: () => {},
        props: {},
      } as unknown as ExecutionContext,
    );
    expect(on.status).toBe(200);
    const text = await on.text();
    expect(JSON.parse(text)).toEqual({ publicKey: keys.publicKey });
    expect(text).not.toContain(keys.privateKey);
  });
});

import { describe, expect, test } from "vitest";
import { type ChannelDelivery, ChannelError } from "#shared/notify/channel";
import { PushReceiver } from "#test/push-receiver";
import { pushPayload, webPushAdapterFor } from "./web-push";
import { generateVapidKeys, MAX_PLAINTEXT_BYTES } from "./web-push-crypto";

const NOW = Date.UTC(2026, 11, 6, 12);

async function setup(overrides: Partial<Record<string, string>> = {}) {
  const keys = await generateVapidKeys();
  const receiver = await PushReceiver.create(keys.publicKey, undefined, () => NOW);
  const gone: string[] = [];
  const env = {
    WEB_PUSH: "vapid",
    VAPID_PUBLIC_KEY: keys.publicKey,
    VAPID_PRIVATE_KEY: keys.privateKey,
    VAPID_SUBJECT: "mailto:ops@boomerang.example",
    ...overrides,
  };
  const adapter = webPushAdapterFor(env, {
    fetcher: receiver.fetcher,
    nowMs: () => NOW,
    onGone: async (userId, endpoint) => {
      gone.push(`${userId} ${endpoint}`);
    },
  });
  if (!adapter) throw new Error("expected an adapter");
  return { keys, receiver, adapter, gone };
}

function delivery(receiver: PushReceiver, over: Partial<ChannelDelivery> = {}): ChannelDelivery {
  return {
    deliveryId: "evt_1:push:abc",
    eventId: "evt_1",
    userId: "usr_1",
    type: "cashback_confirmed",
    category: "transactional",
    message: {
      locale: "en",
      title: "Cashback confirmed",
      body: "₹120.00 from Acme is yours.",
      url: "https://app.example/wallet",
    },
    recipient: { channel: "push", subscription: receiver.subscription },
    ...over,
  };
}

describe("the Web Push adapter, through a local push receiver", () => {
  test("the receiver verifies the VAPID JWT and decrypts the payload with its own keys", async () => {
    const { keys, receiver, adapter } = await setup();
    const result = await adapter.send(delivery(receiver));
    expect(result).toEqual({ providerRef: `${receiver.endpoint}/messages/1` });
    expect(receiver.received).toHaveLength(1);
    const [push] = receiver.received;
    expect(push?.payload).toEqual({
      id: "evt_1:push:abc",
      type: "cashback_confirmed",
      title: "Cashback confirmed",
      body: "₹120.00 from Acme is yours.",
      url: "https://app.example/wallet",
    });
    expect(push?.vapid).toEqual({
      ok: true,
      claims: {
        aud: "https://push.test.example",
        exp: NOW / 1000 + 12 * 3600,
        sub: "mailto:ops@boomerang.example",
      },
      publicKey: keys.publicKey,
    });
    expect(push?.headers).toMatchObject({
      "content-encoding": "aes128gcm",
      ttl: String(2 * 24 * 3600),
      urgency: "normal",
    });
    expect(push?.headers.topic).toBeUndefined();
  });

  test("a step-up code is urgent, short-lived and replaces an older undelivered code", async () => {
    const { receiver, adapter } = await setup();
    await adapter.send(
      delivery(receiver, {
        type: "step_up_code",
        category: "critical",
        message: { locale: "en", title: "Your code", body: "Code 123456" },
      }),
    );
    expect(receiver.received[0]?.headers).toMatchObject({
      urgency: "high",
      ttl: "900",
      topic: "step-up-code",
    });
    expect(receiver.received[0]?.payload).not.toHaveProperty("url");
  });

  test("a promotion waits (low urgency) under its topic", async () => {
    const { receiver, adapter } = await setup();
    await adapter.send(delivery(receiver, { type: "promotion", category: "promotional" }));
    expect(receiver.received[0]?.headers).toMatchObject({ urgency: "low", topic: "promotion" });
  });

  test.each([404, 410])(
    "%i from the push service: gone, not retryable, and the subscription is forgotten",
    async (status) => {
      const { receiver, adapter, gone } = await setup();
      receiver.status = status;
      const error = await adapter.send(delivery(receiver)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ChannelError);
      expect(error).toMatchObject({ retryable: false, gone: true });
      expect(gone).toEqual([`usr_1 ${receiver.endpoint}`]);
    },
  );

  test.each([
    { status: 429, retryable: true },
    { status: 503, retryable: true },
    { status: 413, retryable: false },
    { status: 400, retryable: false },
  ])("$status from the push service: retryable $retryable", async ({ status, retryable }) => {
    const { receiver, adapter, gone } = await setup();
    receiver.status = status;
    await expect(adapter.send(delivery(receiver))).rejects.toMatchObject({
      retryable,
      gone: false,
    });
    expect(gone).toEqual([]);
  });

  test("keys the subscription was not made with: the push service refuses (403, not retried)", async () => {
    const { receiver } = await setup();
    const other = await generateVapidKeys();
    const adapter = webPushAdapterFor(
      {
        WEB_PUSH: "vapid",
        VAPID_PUBLIC_KEY: other.publicKey,
        VAPID_PRIVATE_KEY: other.privateKey,
        VAPID_SUBJECT: "mailto:ops@boomerang.example",
      },
      { fetcher: receiver.fetcher, nowMs: () => NOW },
    );
    await expect(adapter?.send(delivery(receiver))).rejects.toMatchObject({ retryable: false });
    expect(receiver.received).toEqual([]);
  });

  test("a transport failure is retryable and names no personal data", async () => {
    const { receiver } = await setup();
    const keys = await generateVapidKeys();
    const adapter = webPushAdapterFor(
      {
        WEB_PUSH: "vapid",
        VAPID_PUBLIC_KEY: keys.publicKey,
        VAPID_PRIVATE_KEY: keys.privateKey,
        VAPID_SUBJECT: "https://boomerang.example/contact",
      },
      { fetcher: () => Promise.reject(new TypeError("network down")) },
    );
    const error = (await adapter?.send(delivery(receiver)).catch((e: unknown) => e)) as Error;
    expect(error).toMatchObject({ retryable: true, gone: false });
    expect(error.message).not.toContain(receiver.endpoint);
    expect(error.message).not.toContain("Acme");
  });

  test.each([
    { label: "unset", env: {}, adapter: false },
    { label: "outbox", env: { WEB_PUSH: "outbox" }, adapter: false },
  ])("WEB_PUSH $label: no VAPID adapter", ({ env }) => {
    expect(webPushAdapterFor(env)).toBeNull();
  });

  test.each([
    { label: "no private key", over: { VAPID_PRIVATE_KEY: "" } },
    { label: "a short public key", over: { VAPID_PUBLIC_KEY: "BAAA" } },
    { label: "a subject that is no contact", over: { VAPID_SUBJECT: "ops" } },
  ])("vapid with $label: every send fails, not retryable", async ({ over }) => {
    const { receiver, adapter } = await setup(over);
    await expect(adapter.send(delivery(receiver))).rejects.toMatchObject({ retryable: false });
    expect(receiver.received).toEqual([]);
  });

  test("the payload carries the signed receipt URL for the service worker, when there is one", () => {
    const receiptUrl = "https://api.example/v1/notifications/receipts/push?t=push.dlv_1.mac";
    const withReceipt = delivery({ subscription: {} } as unknown as PushReceiver, {
      message: { locale: "en", title: "T", body: "B", receiptUrl },
    });
    const parsed = JSON.parse(new TextDecoder().decode(pushPayload(withReceipt)));
    expect(parsed.receiptUrl).toBe(receiptUrl);
    const without = delivery({ subscription: {} } as unknown as PushReceiver, {
      message: { locale: "en", title: "T", body: "B" },
    });
    expect(JSON.parse(new TextDecoder().decode(pushPayload(without)))).not.toHaveProperty(
      "receiptUrl",
    );
  });

  test("a body too long for one record is cut to fit, the rest of the payload kept", () => {
    const long = delivery({ subscription: {} } as unknown as PushReceiver, {
      message: { locale: "en", title: "T", body: "é".repeat(5000), url: "https://a.example/x" },
    });
    const encoded = pushPayload(long);
    expect(encoded.length).toBeLessThanOrEqual(MAX_PLAINTEXT_BYTES);
    const parsed = JSON.parse(new TextDecoder().decode(encoded)) as Record<string, string>;
    expect(parsed.body?.endsWith("…")).toBe(true);
    expect(parsed.url).toBe("https://a.example/x");
    // The longest prefix that fits: one more character would not.
    expect(encoded.length).toBeGreaterThan(MAX_PLAINTEXT_BYTES - 3);
  });
});

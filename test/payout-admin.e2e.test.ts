import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { toHex, utf8 } from "#shared/crypto/encoding";
import { type ChannelDelivery, ChannelError } from "#shared/notify/channel";
import { createApp } from "#workers/api/src/app";
import { adaptersFor } from "#workers/api/src/features/notifications/channels/index";
import { outboxAdapter } from "#workers/api/src/features/notifications/channels/outbox";
import {
  NOTIFY_SIGNATURE_HEADER,
  webhookAdapter,
} from "#workers/api/src/features/notifications/channels/webhook";
import { giftCardById as findGiftCard } from "#workers/api/src/features/payouts/index";
import { kycStatusOf } from "#workers/api/src/features/users/index";
import {
  ADMIN_HEADERS,
  adminPut,
  api,
  mintUserJwt,
  uniqueUser,
  userGet,
  walletStub,
} from "./helpers";

/** The api app with some bindings replaced (the channel, the clock override). */
function appWith(overrides: Partial<typeof env>) {
  const app = createApp();
  return (path: string, init?: RequestInit) =>
    app.fetch(new Request(`https://api.test${path}`, init), { ...env, ...overrides });
}

interface Problem {
  code: string;
  status: number;
  errors?: Array<{ path: string; message: string }>;
}

describe("gift-card catalog", () => {
  const card = {
    brand: "Amazon Pay",
    currency: "INR",
    denominationsMinor: [100_000, 50_000, 25_000],
  };

  it("PUT creates a product with sorted denominations, and repeating it changes nothing", async () => {
    const first = await adminPut("/admin/v1/gift-cards/amazon-pay", card);
    expect(first.status).toBe(200);
    const created = (await first.json()) as Record<string, unknown>;
    expect(created).toMatchObject({
      id: "amazon-pay",
      brand: "Amazon Pay",
      currency: "INR",
      denominationsMinor: [25_000, 50_000, 100_000],
      active: true,
    });
    await new Promise((r) => setTimeout(r, 5));
    const again = (await (
      await adminPut("/admin/v1/gift-cards/amazon-pay", card)
    ).json()) as Record<string, unknown>;
    expect(again).toEqual(created);

    await new Promise((r) => setTimeout(r, 5));
    const changed = (await (
      await adminPut("/admin/v1/gift-cards/amazon-pay", { ...card, brand: "Amazon" })
    ).json()) as Record<string, unknown>;
    expect(changed.brand).toBe("Amazon");
    expect(changed.createdAt).toBe(created.createdAt);
    expect(Date.parse(changed.updatedAt as string)).toBeGreaterThan(
      Date.parse(created.updatedAt as string),
    );

    expect(await findGiftCard(env.DB, "amazon-pay")).toMatchObject({
      id: "amazon-pay",
      brand: "Amazon",
      denominationsMinor: [25_000, 50_000, 100_000],
      active: true,
    });
    expect(await findGiftCard(env.DB, "no-such-card")).toBeNull();
  });

  it("refuses a bad product with a problem listing every bad field", async () => {
    const response = await adminPut("/admin/v1/gift-cards/bad-card", {
      brand: "",
      currency: "inr",
      denominationsMinor: [500, 500, -1, 2.5],
      colour: "red",
    });
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
    const problem = (await response.json()) as Problem;
    expect(problem.code).toBe("validation_failed");
    const paths = (problem.errors ?? []).map((e) => e.path);
    expect(paths).toEqual(
      expect.arrayContaining(["brand", "currency", "denominationsMinor.2", "denominationsMinor.3"]),
    );
    // The unknown key is refused too (strict body).
    expect(problem.errors?.some((e) => e.message.includes("colour"))).toBe(true);

    const duplicates = (await (
      await adminPut("/admin/v1/gift-cards/bad-card", { ...card, denominationsMinor: [500, 500] })
    ).json()) as Problem;
    expect(duplicates.errors?.map((e) => e.path)).toEqual(["denominationsMinor"]);

    const tooMany = await adminPut("/admin/v1/gift-cards/bad-card", {
      ...card,
      denominationsMinor: Array.from({ length: 21 }, (_, i) => (i + 1) * 100),
    });
    expect(tooMany.status).toBe(400);
    const none = await adminPut("/admin/v1/gift-cards/bad-card", {
      ...card,
      denominationsMinor: [],
    });
    expect(none.status).toBe(400);
    const badId = await adminPut("/admin/v1/gift-cards/Not%20A%20Slug", card);
    expect(badId.status).toBe(400);
    expect(await findGiftCard(env.DB, "bad-card")).toBeNull();
  });

  it("users see only active products; operators see all", async () => {
    await adminPut("/admin/v1/gift-cards/flipkart", { ...card, brand: "Flipkart" });
    await adminPut("/admin/v1/gift-cards/retired-brand", {
      ...card,
      brand: "Retired",
      active: false,
    });

    const admin = (await (
      await api("/admin/v1/gift-cards", { headers: ADMIN_HEADERS })
    ).json()) as { items: Array<{ id: string; active: boolean }> };
    expect(admin.items.map((p) => p.id)).toEqual(
      expect.arrayContaining(["flipkart", "retired-brand"]),
    );

    const userResponse = await userGet(uniqueUser("gc"), "/v1/me/gift-cards");
    expect(userResponse.status).toBe(200);
    const user = (await userResponse.json()) as { items: Array<{ id: string; active: boolean }> };
    expect(user.items.map((p) => p.id)).toContain("flipkart");
    expect(user.items.map((p) => p.id)).not.toContain("retired-brand");
    expect(user.items.every((p) => p.active)).toBe(true);

    // Deactivating hides it from users at once.
    await adminPut("/admin/v1/gift-cards/flipkart", { ...card, brand: "Flipkart", active: false });
    const after = (await (await userGet(uniqueUser("gc"), "/v1/me/gift-cards")).json()) as {
      items: Array<{ id: string }>;
    };
    expect(after.items.map((p) => p.id)).not.toContain("flipkart");
  });

  it("the user list needs a user token", async () => {
    expect((await api("/v1/me/gift-cards")).status).toBe(401);
  });
});

describe("KYC status", () => {
  it("is none for an unknown user, then what the operator last set", async () => {
    const userId = uniqueUser("kyc");
    expect(await kycStatusOf(env, userId)).toBe("none");
    const before = (await (
      await api(`/admin/v1/users/${userId}/kyc`, { headers: ADMIN_HEADERS })
    ).json()) as Record<string, unknown>;
    expect(before).toEqual({ userId, status: "none", updatedAt: null });

    const put = await adminPut(`/admin/v1/users/${userId}/kyc`, { status: "verified" });
    expect(put.status).toBe(200);
    const set = (await put.json()) as { status: string; updatedAt: string };
    expect(set.status).toBe("verified");
    expect(await kycStatusOf(env, userId)).toBe("verified");
    // The user row was created on the way.
    const row = await env.DB.prepare(`SELECT created_at_ms FROM users WHERE id = ?`)
      .bind(userId)
      .first<{ created_at_ms: number }>();
    expect(row?.created_at_ms).toBeGreaterThan(0);

    await new Promise((r) => setTimeout(r, 5));
    const repeat = (await (
      await adminPut(`/admin/v1/users/${userId}/kyc`, { status: "verified" })
    ).json()) as { updatedAt: string };
    expect(repeat.updatedAt).toBe(set.updatedAt);

    await adminPut(`/admin/v1/users/${userId}/kyc`, { status: "rejected" });
    const got = (await (
      await api(`/admin/v1/users/${userId}/kyc`, { headers: ADMIN_HEADERS })
    ).json()) as { status: string };
    expect(got.status).toBe("rejected");
  });

  it("keeps a registered user's other fields", async () => {
    const userId = uniqueUser("kyc-known");
    await adminPut(`/admin/v1/users/${userId}`, { displayName: "Asha" });
    await adminPut(`/admin/v1/users/${userId}/kyc`, { status: "pending" });
    const row = await env.DB.prepare(`SELECT display_name, kyc_status FROM users WHERE id = ?`)
      .bind(userId)
      .first();
    expect(row).toEqual({ display_name: "Asha", kyc_status: "pending" });
  });

  it("refuses an unknown status", async () => {
    const userId = uniqueUser("kyc-bad");
    const response = await adminPut(`/admin/v1/users/${userId}/kyc`, { status: "approved" });
    expect(response.status).toBe(400);
    expect(((await response.json()) as Problem).errors?.[0]?.path).toBe("status");
    expect(await kycStatusOf(env, userId)).toBe("none");
  });
});

/** A delivery of event `eventId` as the router hands it to a channel. */
function delivery(
  eventId: string,
  userId: string,
  type: ChannelDelivery["type"],
  vars: ChannelDelivery["vars"],
): ChannelDelivery {
  return {
    deliveryId: `dlv_${eventId}`,
    eventId,
    userId,
    type,
    category: type === "step_up_code" ? "critical" : "transactional",
    message: { title: "t", body: "b", locale: "en" },
    recipient: { channel: "webhook" },
    vars,
  };
}

describe("notification channel: the dev outbox", () => {
  it("keeps one row per delivery, and the admin API lists them newest first", async () => {
    const userId = uniqueUser("notify");
    const outbox = outboxAdapter(env, "webhook");
    await outbox.send(delivery(`n1-${userId}`, userId, "step_up_code", { code: "482913" }));
    // A resend of the same delivery is a no-op, even with another body.
    await outbox.send(delivery(`n1-${userId}`, userId, "step_up_code", { code: "000000" }));
    await new Promise((r) => setTimeout(r, 5));
    await outbox.send(
      delivery(`n2-${userId}`, userId, "payout_failed", { reason: "account closed" }),
    );
    const rows = await env.DB.prepare(`SELECT id FROM notification_outbox WHERE user_id = ?`)
      .bind(userId)
      .all();
    expect(rows.results).toHaveLength(2);

    const fetchAs = appWith({ NOTIFY_CHANNEL: "outbox" });
    const listed = (await (
      await fetchAs(`/admin/v1/dev/notifications?userId=${userId}`, { headers: ADMIN_HEADERS })
    ).json()) as { items: Array<{ id: string; kind: string; body: Record<string, unknown> }> };
    expect(listed.items.map((n) => n.id)).toEqual([`n2-${userId}`, `n1-${userId}`]);
    expect(listed.items[1]?.body).toEqual({ code: "482913" });

    const codes = (await (
      await fetchAs(`/admin/v1/dev/notifications?userId=${userId}&kind=step_up_code&limit=5`, {
        headers: ADMIN_HEADERS,
      })
    ).json()) as { items: Array<{ id: string }> };
    expect(codes.items.map((n) => n.id)).toEqual([`n1-${userId}`]);
  });

  it("the listing is a 404 problem when the channel is not the outbox", async () => {
    const response = await appWith({ NOTIFY_CHANNEL: "webhook" })("/admin/v1/dev/notifications", {
      headers: ADMIN_HEADERS,
    });
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
  });

  it("the listing needs the admin key", async () => {
    const response = await appWith({ NOTIFY_CHANNEL: "outbox" })("/admin/v1/dev/notifications");
    expect(response.status).toBe(401);
  });
});

describe("notification channel: the signed webhook", () => {
  const secret = "notify-webhook-secret-0123456789";
  const webhookEnv = {
    ...env,
    NOTIFY_CHANNEL: "webhook",
    NOTIFY_WEBHOOK_URL: "https://operator.test/hooks/boomerang",
    NOTIFY_WEBHOOK_SECRET: secret,
  };

  async function expectedSignature(t: number, body: string): Promise<string> {
    const key = await crypto.subtle.importKey(
      "raw",
      utf8.encode(secret),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
    const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, utf8.encode(`${t}.${body}`)));
    return `t=${t},v1=${toHex(mac)}`;
  }

  it("POSTs the delivery as JSON, signed over the timestamp and the exact body", async () => {
    const received: Request[] = [];
    const nowMs = 1_780_000_000_123;
    const adapter = webhookAdapter(webhookEnv, {
      nowMs: () => nowMs,
      fetcher: async (request: Request) => {
        received.push(request);
        return new Response(null, { status: 204 });
      },
    });
    await adapter.send(delivery("n-webhook-1", "u-webhook", "step_up_code", { code: "135790" }));
    expect(received).toHaveLength(1);
    const request = received[0] as Request;
    expect(request.method).toBe("POST");
    expect(request.url).toBe("https://operator.test/hooks/boomerang");
    expect(request.headers.get("content-type")).toBe("application/json");
    expect(request.headers.get("idempotency-key")).toBe("dlv_n-webhook-1");
    const raw = await request.text();
    expect(JSON.parse(raw)).toMatchObject({
      id: "n-webhook-1",
      userId: "u-webhook",
      kind: "step_up_code",
      body: { code: "135790" },
    });
    const t = Math.floor(nowMs / 1000);
    expect(request.headers.get(NOTIFY_SIGNATURE_HEADER)).toBe(await expectedSignature(t, raw));
    // A signature over any other body does not match.
    expect(request.headers.get(NOTIFY_SIGNATURE_HEADER)).not.toBe(
      await expectedSignature(t, raw.replace("135790", "135791")),
    );
  });

  it("a non-2xx answer or a transport failure throws, without the body in the error", async () => {
    const sent = delivery("n-webhook-2", "u-webhook", "step_up_code", { code: "246802" });
    for (const fetcher of [
      async () => new Response("246802", { status: 500 }),
      async () => new Response(null, { status: 302 }),
      async () => {
        throw new TypeError("connection refused");
      },
    ]) {
      const error = await webhookAdapter(webhookEnv, { fetcher })
        .send(sent)
        .then(
          () => null,
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(ChannelError);
      expect((error as ChannelError).message).not.toContain("246802");
    }
  });

  it("a missing or unusable configuration refuses to send; an unknown channel is off", async () => {
    for (const bad of [
      { ...webhookEnv, NOTIFY_WEBHOOK_URL: undefined },
      { ...webhookEnv, NOTIFY_WEBHOOK_SECRET: "" },
      { ...webhookEnv, NOTIFY_WEBHOOK_URL: "ftp://operator.test/x" },
    ]) {
      const error = await webhookAdapter(bad, { fetcher: async () => new Response(null) })
        .send(delivery("n-webhook-3", "u-webhook", "step_up_code", { code: "1" }))
        .then(
          () => null,
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(ChannelError);
      expect((error as ChannelError).message).toContain("NOTIFY_WEBHOOK_URL (https)");
    }
    for (const off of [
      { ...webhookEnv, NOTIFY_CHANNEL: "sms" },
      { ...webhookEnv, NOTIFY_CHANNEL: undefined as unknown as string },
    ]) {
      expect(adaptersFor(off).has("webhook")).toBe(false);
    }
  });
});

describe("step-up without any channel", () => {
  it("answers 503 before a code exists", async () => {
    const user = uniqueUser("stepup-no-channel");
    const response = await appWith({
      NOTIFY_CHANNEL: undefined as unknown as string,
      EMAIL_PROVIDER: undefined,
      SMS_PROVIDER: undefined,
      WEB_PUSH: undefined,
    })("/v1/me/step-up", {
      method: "POST",
      headers: { authorization: `Bearer ${await mintUserJwt(user)}` },
    });
    expect(response.status).toBe(503);
    expect(((await response.json()) as Problem).code).toBe("unavailable");
    const challenges = await runInDurableObject(walletStub(user), (_, state) =>
      state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM step_up_challenges").one(),
    );
    expect(challenges.n).toBe(0);
  });
});

describe("finance summary", () => {
  const day = (iso: string) => Date.parse(iso);

  async function seedPayout(row: {
    id: string;
    status: string;
    currency: string | null;
    amountMinor: number | null;
    paidAtMs?: number;
  }) {
    await env.DB.prepare(
      `INSERT INTO payouts (id, user_id, status, currency, amount_minor, created_at_ms,
         updated_at_ms, paid_at_ms) VALUES (?1, 'u-fin', ?2, ?3, ?4, ?5, ?5, ?6)`,
    )
      .bind(
        row.id,
        row.status,
        row.currency,
        row.amountMinor,
        day("2026-02-20T00:00:00Z"),
        row.paidAtMs ?? null,
      )
      .run();
  }

  it("sums liabilities, payouts paid per UTC day and payouts in flight", async () => {
    const balances: Array<[string, string, string, number]> = [
      ["u-fin-1", "confirmed", "INR", 10_000],
      ["u-fin-2", "confirmed", "INR", 2_500],
      ["u-fin-1", "pending", "INR", 700],
      ["u-fin-2", "pending", "INR", 0],
      ["u-fin-1", "reserved", "USD", 300],
      ["u-fin-3", "debt", "INR", 150],
    ];
    await env.DB.batch(
      balances.map(([user, bucket, currency, amount]) =>
        env.DB.prepare(
          `INSERT INTO wallet_balances (user_id, bucket, currency, balance_minor, ledger_seq,
             updated_at_ms) VALUES (?1, ?2, ?3, ?4, 1, 0)`,
        ).bind(user, bucket, currency, amount),
      ),
    );
    await seedPayout({
      id: "fin-paid-1",
      status: "paid",
      currency: "INR",
      amountMinor: 5_000,
      paidAtMs: day("2026-03-01T23:59:59Z"),
    });
    await seedPayout({
      id: "fin-paid-2",
      status: "paid",
      currency: "INR",
      amountMinor: 1_000,
      paidAtMs: day("2026-03-01T00:00:00Z"),
    });
    await seedPayout({
      id: "fin-paid-3",
      status: "paid",
      currency: "INR",
      amountMinor: 2_000,
      paidAtMs: day("2026-03-02T00:00:01Z"),
    });
    await seedPayout({
      id: "fin-paid-usd",
      status: "paid",
      currency: "USD",
      amountMinor: 900,
      paidAtMs: day("2026-03-02T12:00:00Z"),
    });
    await seedPayout({
      id: "fin-paid-outside",
      status: "paid",
      currency: "INR",
      amountMinor: 7_777,
      paidAtMs: day("2026-03-10T00:00:00Z"),
    });
    await seedPayout({ id: "fin-held-1", status: "held", currency: "INR", amountMinor: 3_000 });
    await seedPayout({ id: "fin-held-2", status: "held", currency: "INR", amountMinor: 4_000 });
    await seedPayout({ id: "fin-queued", status: "queued", currency: "USD", amountMinor: 1_200 });
    await seedPayout({
      id: "fin-submitting",
      status: "submitting",
      currency: null,
      amountMinor: null,
    });
    await seedPayout({ id: "fin-failed", status: "failed", currency: "INR", amountMinor: 999 });
    await seedPayout({ id: "fin-cancelled", status: "cancelled", currency: "INR", amountMinor: 1 });

    const response = await api(
      "/admin/v1/finance/summary?from=2026-03-01T00:00:00Z&to=2026-03-05T00:00:00Z",
      { headers: ADMIN_HEADERS },
    );
    expect(response.status).toBe(200);
    const summary = await response.json();
    expect(summary).toEqual({
      from: "2026-03-01T00:00:00.000Z",
      to: "2026-03-05T00:00:00.000Z",
      liabilities: [
        { currency: "INR", bucket: "confirmed", totalMinor: 12_500, wallets: 2 },
        { currency: "INR", bucket: "debt", totalMinor: 150, wallets: 1 },
        { currency: "INR", bucket: "pending", totalMinor: 700, wallets: 1 },
        { currency: "USD", bucket: "reserved", totalMinor: 300, wallets: 1 },
      ],
      paidOutPerDay: [
        { day: "2026-03-01", currency: "INR", totalMinor: 6_000, payouts: 2 },
        { day: "2026-03-02", currency: "INR", totalMinor: 2_000, payouts: 1 },
        { day: "2026-03-02", currency: "USD", totalMinor: 900, payouts: 1 },
      ],
      inFlight: [
        { status: "held", currency: "INR", totalMinor: 7_000, payouts: 2 },
        { status: "queued", currency: "USD", totalMinor: 1_200, payouts: 1 },
        { status: "submitting", currency: null, totalMinor: 0, payouts: 1 },
      ],
    });

    // The default range is the 30 days up to now.
    const defaults = (await (
      await api("/admin/v1/finance/summary", { headers: ADMIN_HEADERS })
    ).json()) as { from: string; to: string };
    expect(Date.parse(defaults.to) - Date.parse(defaults.from)).toBe(30 * 86_400_000);
    expect(Math.abs(Date.parse(defaults.to) - Date.now())).toBeLessThan(60_000);
  });

  it.each([
    ["from after to", "from=2026-03-05T00:00:00Z&to=2026-03-01T00:00:00Z", "from"],
    ["an empty range", "from=2026-03-05T00:00:00Z&to=2026-03-05T00:00:00Z", "from"],
    ["more than 366 days", "from=2025-01-01T00:00:00Z&to=2026-03-01T00:00:00Z", "from"],
    ["a malformed time", "from=yesterday", "from"],
  ])("refuses %s with a 400 problem", async (_label, query, path) => {
    const response = await api(`/admin/v1/finance/summary?${query}`, { headers: ADMIN_HEADERS });
    expect(response.status).toBe(400);
    const problem = (await response.json()) as Problem;
    expect(problem.code).toBe("validation_failed");
    expect(problem.errors?.map((e) => e.path)).toContain(path);
  });

  it("needs the admin key", async () => {
    expect((await api("/admin/v1/finance/summary")).status).toBe(401);
  });
});

describe("OpenAPI", () => {
  it("documents the payout admin and gift-card routes", async () => {
    const doc = (await (await api("/openapi.json")).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    for (const [path, method] of [
      ["/admin/v1/gift-cards/{id}", "put"],
      ["/admin/v1/gift-cards", "get"],
      ["/v1/me/gift-cards", "get"],
      ["/admin/v1/users/{id}/kyc", "put"],
      ["/admin/v1/users/{id}/kyc", "get"],
      ["/admin/v1/finance/summary", "get"],
      ["/admin/v1/dev/notifications", "get"],
      ["/admin/v1/payout-reconciliation/runs", "get"],
      ["/admin/v1/payout-reconciliation/runs/{id}", "get"],
      ["/admin/v1/payout-reconciliation/discrepancies", "get"],
      ["/admin/v1/payout-reconciliation/run", "post"],
    ] as const) {
      expect(doc.paths[path]?.[method], `${method} ${path}`).toBeDefined();
    }
  });
});

import { beforeEach, describe, expect, test } from "vitest";
import { parseGenericPostback } from "#shared/postback/generic-format";
import { verifyPostbackSignature } from "#shared/postback/signature";
import { SANDBOX_SUB_ID as SUB, SANDBOX_T0 as T0 } from "../engine/testing";
import { type SandboxConfig, sandboxConfig } from "./config";
import { createControlApp, retryDelayMs } from "./control";
import { SandboxHost } from "./host";
import { MemoryStorage } from "./testing";

const CONFIG: SandboxConfig = sandboxConfig({ BOOMERANG_POSTBACK_URL: "https://boomerang.test" });
const AUTH = { authorization: `Bearer ${CONFIG.postbackSecret}` };
const ORDER = {
  order_id: "ORD-1",
  sub_id: SUB,
  currency: "INR",
  sale_amount_minor: 100_000,
  commission_minor: 8_000,
  category: "electronics",
};

let storage: MemoryStorage;
let now: number;
let sent: Request[];
let answer: (request: Request) => Promise<Response>;
let app: ReturnType<typeof createControlApp>;
let host: SandboxHost;

async function open() {
  host = await SandboxHost.open(storage, CONFIG, {
    now: () => now,
    fetch: async (request) => {
      sent.push(request.clone());
      return answer(request);
    },
  });
  app = createControlApp(host);
}

beforeEach(async () => {
  storage = new MemoryStorage();
  now = T0;
  sent = [];
  answer = async () => new Response('{"status":"accepted"}', { status: 202 });
  await open();
});

function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  return app.request(`http://sandbox.local${path}`, {
    method,
    headers: { "content-type": "application/json", ...headers },
    ...(body !== undefined ? { body: typeof body === "string" ? body : JSON.stringify(body) } : {}),
  });
}

async function json(response: Response | Promise<Response>): Promise<Record<string, unknown>> {
  return (await (await response).json()) as Record<string, unknown>;
}

describe("orders", () => {
  test("POST /sandbox/orders places an order (201) and queues its postback", async () => {
    const response = await call("POST", "/sandbox/orders", ORDER);
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({
      order: {
        ...ORDER,
        status: "pending",
        occurred_at: "2026-11-21T08:00:00Z",
        updated_at: "2026-11-21T08:00:00Z",
        history: [
          {
            op: "place",
            status: "pending",
            sale_amount_minor: 100_000,
            commission_minor: 8_000,
            updated_at: "2026-11-21T08:00:00Z",
          },
        ],
      },
      postback: {
        seq: 1,
        order_id: "ORD-1",
        op: "place",
        status: "pending",
        fate: "queued",
        copies: 1,
        due_at: "2026-11-21T08:00:00Z",
      },
    });
  });

  test.each<{
    action: string;
    body: Record<string, unknown>;
    status: string;
    sale: number;
    commission: number;
  }>([
    { action: "approve", body: {}, status: "approved", sale: 100_000, commission: 8_000 },
    { action: "cancel", body: {}, status: "cancelled", sale: 100_000, commission: 8_000 },
    {
      action: "refund",
      body: { sale_amount_minor: 25_000, commission_minor: 2_000 },
      status: "pending",
      sale: 75_000,
      commission: 6_000,
    },
    {
      action: "correct",
      body: { commission_minor: 9_000, category: "books" },
      status: "pending",
      sale: 100_000,
      commission: 9_000,
    },
    {
      action: "correct",
      body: { status: "approved" },
      status: "approved",
      sale: 100_000,
      commission: 8_000,
    },
  ])(
    "POST /sandbox/orders/:id/$action $body",
    async ({ action, body, status, sale, commission }) => {
      await call("POST", "/sandbox/orders", ORDER);
      const response = await call("POST", `/sandbox/orders/ORD-1/${action}`, body);
      expect(response.status).toBe(200);
      const result = await json(response);
      expect(result.order).toMatchObject({
        status,
        sale_amount_minor: sale,
        commission_minor: commission,
      });
      expect(result.postback).toMatchObject({ seq: 2, op: action, status });
    },
  );

  test("without `at`, a change right after another is nudged 1 ms later instead of refused", async () => {
    await call("POST", "/sandbox/orders", ORDER);
    const result = await json(call("POST", "/sandbox/orders/ORD-1/approve"));
    expect(result.order).toMatchObject({ updated_at: "2026-11-21T08:00:00.001Z" });
  });

  test("`at` sets the change time, and per-call faults apply", async () => {
    await call("POST", "/sandbox/orders", { ...ORDER, at: "2026-11-20T10:00:00Z" });
    const result = await json(
      call("POST", "/sandbox/orders/ORD-1/approve", {
        at: "2026-11-20T12:30:00+02:00",
        faults: { duplicates: 2, delay_ms: 5_000 },
      }),
    );
    expect(result.order).toMatchObject({
      occurred_at: "2026-11-20T10:00:00Z",
      updated_at: "2026-11-20T10:30:00Z",
    });
    expect(result.postback).toMatchObject({ copies: 2, due_at: "2026-11-20T10:30:05Z" });
  });

  test.each<{ label: string; path: string; body: unknown; status: number; code: string }>([
    {
      label: "unknown order",
      path: "/sandbox/orders/NOPE/approve",
      body: {},
      status: 404,
      code: "unknown_order",
    },
    {
      label: "unknown action",
      path: "/sandbox/orders/ORD-1/ship",
      body: {},
      status: 404,
      code: "not_found",
    },
    {
      label: "a correction (no transition rules)",
      path: "/sandbox/orders/ORD-1/correct",
      body: { status: "cancelled" },
      status: 200,
      code: "",
    },
    {
      label: "a second placement",
      path: "/sandbox/orders",
      body: ORDER,
      status: 409,
      code: "duplicate_order",
    },
    {
      label: "a change before the last",
      path: "/sandbox/orders/ORD-1/approve",
      body: { at: "2026-11-21T07:00:00Z" },
      status: 409,
      code: "stale_time",
    },
    {
      label: "a fractional amount",
      path: "/sandbox/orders",
      body: { ...ORDER, order_id: "ORD-2", sale_amount_minor: 1.5 },
      status: 400,
      code: "validation_failed",
    },
    {
      label: "an unknown field",
      path: "/sandbox/orders",
      body: { ...ORDER, order_id: "ORD-2", colour: "red" },
      status: 400,
      code: "validation_failed",
    },
    {
      label: "not JSON",
      path: "/sandbox/orders",
      body: "{nope",
      status: 400,
      code: "validation_failed",
    },
    {
      label: "a refund over the sale",
      path: "/sandbox/orders/ORD-1/refund",
      body: { sale_amount_minor: 100_001, commission_minor: 0 },
      status: 400,
      code: "invalid_input",
    },
    {
      label: "11 copies",
      path: "/sandbox/orders/ORD-1/approve",
      body: { faults: { duplicates: 11 } },
      status: 400,
      code: "validation_failed",
    },
  ])("$label → $status", async ({ path, body, status, code }) => {
    await call("POST", "/sandbox/orders", ORDER);
    const response = await call("POST", path, body);
    expect(response.status).toBe(status);
    if (status >= 400) {
      expect(response.headers.get("content-type")).toBe("application/problem+json");
      expect(await json(response)).toMatchObject({ code });
    }
  });

  test("validation errors list every bad field", async () => {
    const result = await json(
      call("POST", "/sandbox/orders", { ...ORDER, currency: "inr", commission_minor: -1 }),
    );
    expect((result.errors as Array<{ path: string }>).map((e) => e.path).sort()).toEqual([
      "commission_minor",
      "currency",
    ]);
  });

  test("GET /sandbox/orders and /sandbox/orders/:id show orders with history", async () => {
    await call("POST", "/sandbox/orders", ORDER);
    await call("POST", "/sandbox/orders/ORD-1/approve");
    expect(((await json(call("GET", "/sandbox/orders"))).orders as unknown[]).length).toBe(1);
    const order = await json(call("GET", "/sandbox/orders/ORD-1"));
    expect((order.history as Array<{ op: string }>).map((h) => h.op)).toEqual(["place", "approve"]);
    expect((await call("GET", "/sandbox/orders/NOPE")).status).toBe(404);
  });
});

describe("delivery", () => {
  test("POST /sandbox/deliver posts each signed postback to Boomerang, in order", async () => {
    await call("POST", "/sandbox/orders", ORDER);
    await call("POST", "/sandbox/orders/ORD-1/approve");
    now = T0 + 1_000;
    const result = await json(call("POST", "/sandbox/deliver"));
    expect(result).toMatchObject({
      delivered: [
        {
          delivery_id: "pb-1-1",
          order_id: "ORD-1",
          status: "pending",
          attempt: 1,
          http_status: 202,
          requeued: false,
        },
        {
          delivery_id: "pb-2-1",
          order_id: "ORD-1",
          status: "approved",
          attempt: 1,
          http_status: 202,
          requeued: false,
        },
      ],
      pending: 0,
      next_due_at: null,
    });
    expect(sent.map((r) => [r.method, r.url])).toEqual([
      ["POST", "https://boomerang.test/postback/sandbox-network"],
      ["POST", "https://boomerang.test/postback/sandbox-network"],
    ]);
    for (const request of sent) {
      const body = await request.text();
      expect(
        await verifyPostbackSignature(
          CONFIG.postbackSecret,
          CONFIG.networkId,
          body,
          request.headers.get("boomerang-signature"),
          now,
        ),
      ).toMatchObject({ ok: true });
      expect(parseGenericPostback(body).ok).toBe(true);
    }
    expect((await json(call("POST", "/sandbox/deliver"))).delivered).toEqual([]);
  });

  test.each<{
    label: string;
    answer: () => Promise<Response>;
    requeued: boolean;
    httpStatus: number | null;
  }>([
    {
      label: "503",
      answer: async () => new Response("busy", { status: 503 }),
      requeued: true,
      httpStatus: 503,
    },
    {
      label: "429",
      answer: async () => new Response("slow down", { status: 429 }),
      requeued: true,
      httpStatus: 429,
    },
    {
      label: "a network error",
      answer: async () => Promise.reject(new Error("connection refused")),
      requeued: true,
      httpStatus: null,
    },
    {
      label: "401 (retrying will not help)",
      answer: async () => new Response("no", { status: 401 }),
      requeued: false,
      httpStatus: 401,
    },
  ])(
    "a delivery answered with $label is requeued: $requeued",
    async ({ answer: reply, requeued, httpStatus }) => {
      answer = reply;
      await call("POST", "/sandbox/orders", ORDER);
      const result = await json(call("POST", "/sandbox/deliver"));
      expect(result.delivered).toMatchObject([{ http_status: httpStatus, requeued }]);
      expect(result.pending).toBe(requeued ? 1 : 0);
      if (requeued) {
        expect(result.next_due_at).toBe("2026-11-21T08:00:10Z");
        // Retried later, once due; a second failure backs off further.
        expect((await json(call("POST", "/sandbox/deliver"))).delivered).toEqual([]);
        now = T0 + retryDelayMs(1);
        answer = async () => new Response(null, { status: 202 });
        expect(await json(call("POST", "/sandbox/deliver"))).toMatchObject({
          delivered: [{ attempt: 2, http_status: 202 }],
          pending: 0,
        });
      }
    },
  );

  test("retry delays double and cap at five minutes", () => {
    expect([1, 2, 3, 4, 5, 6, 10].map(retryDelayMs)).toEqual([
      10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000,
    ]);
  });

  test("limit delivers part of the outbox", async () => {
    for (let i = 0; i < 3; i++)
      await call("POST", "/sandbox/orders", { ...ORDER, order_id: `ORD-${i}` });
    expect(await json(call("POST", "/sandbox/deliver", { limit: 2 }))).toMatchObject({
      pending: 1,
    });
  });
});

describe("faults, feed and the network API", () => {
  test("POST /sandbox/faults merges, GET shows, DELETE clears", async () => {
    expect(
      await json(
        call("POST", "/sandbox/faults", {
          duplicates: 2,
          shuffle: true,
          feed: { status: 500, times: 1 },
        }),
      ),
    ).toEqual({
      duplicates: 2,
      lose: false,
      lose_rate: 0,
      delay_ms: 0,
      delay_jitter_ms: 0,
      shuffle: true,
      feed: { status: 500, times: 1 },
      report: null,
    });
    expect(
      await json(call("POST", "/sandbox/faults", { report: { timeout_ms: 100 } })),
    ).toMatchObject({
      duplicates: 2,
      report: { timeout_ms: 100, times: null },
    });
    expect(await json(call("GET", "/sandbox/faults"))).toMatchObject({
      duplicates: 2,
      shuffle: true,
    });
    expect(await json(call("DELETE", "/sandbox/faults"))).toMatchObject({
      duplicates: 1,
      shuffle: false,
      feed: null,
      report: null,
    });
  });

  test.each([
    { duplicates: 0 },
    { lose_rate: 2 },
    { feed: { status: 200 } },
    { feed: { status: 500, timeout_ms: 5 } },
    { teleport: true },
  ])("refuses faults %j", async (body) => {
    expect((await call("POST", "/sandbox/faults", body)).status).toBe(400);
  });

  test("a feed fault counts down across a restart (it is persisted)", async () => {
    await call("POST", "/sandbox/faults", { feed: { status: 500, times: 2 } });
    expect((await call("GET", "/sandbox/feed", undefined, AUTH)).status).toBe(500);
    await open();
    expect((await call("GET", "/sandbox/feed", undefined, AUTH)).status).toBe(500);
    await open();
    expect((await call("GET", "/sandbox/feed", undefined, AUTH)).status).toBe(200);
  });

  test("PUT /sandbox/feed replaces it; offers can be upserted and deleted", async () => {
    const feed = {
      merchants: [
        {
          id: "m1",
          name: "M1",
          landing_url: "https://m1.example/",
          offers: [
            {
              id: "o1",
              title: "O1",
              currency: "INR",
              default_rate_bps: 500,
              return_window_days: 30,
            },
          ],
        },
      ],
    };
    expect((await call("PUT", "/sandbox/feed", feed)).status).toBe(200);
    const offer = {
      id: "o2",
      title: "O2",
      currency: "INR",
      default_rate_bps: 700,
      category_rates: { books: 100 },
      return_window_days: 7,
      active: false,
    };
    expect((await call("PUT", "/sandbox/feed/merchants/m1/offers/o2", offer)).status).toBe(200);
    expect((await call("PUT", "/sandbox/feed/merchants/m1/offers/o3", offer)).status).toBe(400);
    expect((await call("DELETE", "/sandbox/feed/merchants/m1/offers/o1")).status).toBe(200);
    expect((await call("DELETE", "/sandbox/feed/merchants/m1/offers/o1")).status).toBe(404);
    expect(await json(call("GET", "/sandbox/feed", undefined, AUTH))).toEqual({
      merchants: [{ ...feed.merchants[0], offers: [offer] }],
    });
    expect((await call("PUT", "/sandbox/feed", { merchants: [{ id: "m1" }] })).status).toBe(400);
  });

  test("GET /sandbox/report needs the bearer token and answers the report", async () => {
    await call("POST", "/sandbox/orders", ORDER);
    const path = "/sandbox/report?from=2026-11-21T00:00:00Z&to=2026-11-22T00:00:00Z";
    expect((await call("GET", path)).status).toBe(401);
    expect(await json(call("GET", path, undefined, AUTH))).toMatchObject({
      conversions: [{ order_id: "ORD-1", status: "pending" }],
      next_cursor: null,
    });
  });

  test("GET /sandbox/click records the click (persisted) and redirects", async () => {
    const response = await call(
      "GET",
      `/sandbox/click?offer=sbx-1001&subid=${SUB}&url=${encodeURIComponent("https://shopkart.example/")}`,
    );
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("https://shopkart.example/");
    await open();
    expect((await json(call("GET", "/sandbox/state"))).recent_clicks).toEqual([
      { sub_id: SUB, offer: "sbx-1001", at: "2026-11-21T08:00:00Z" },
    ]);
  });
});

describe("state, persistence and reset", () => {
  test("GET /sandbox/state summarises the network", async () => {
    await call("POST", "/sandbox/orders", ORDER);
    expect(await json(call("GET", "/sandbox/state"))).toMatchObject({
      network_id: "sandbox-network",
      seed: 1,
      report_page_size: 100,
      postback_url: "https://boomerang.test/postback/sandbox-network",
      orders: 1,
      pending_postbacks: 1,
      next_due_at: "2026-11-21T08:00:00Z",
    });
  });

  test("orders, outbox and PRNG survive a restart", async () => {
    await call("POST", "/sandbox/faults", { shuffle: true });
    for (let i = 0; i < 6; i++)
      await call("POST", "/sandbox/orders", { ...ORDER, order_id: `ORD-${i}` });
    const straight = host.network.toState();
    await open();
    expect(host.network.toState()).toEqual(straight);
    const order = (
      (await json(call("POST", "/sandbox/deliver"))).delivered as Array<{ order_id: string }>
    ).map((d) => d.order_id);
    expect(order).toHaveLength(6);
  });

  test("a change that cannot be saved is undone in memory", async () => {
    await call("POST", "/sandbox/orders", ORDER);
    storage.failPuts = true;
    expect((await call("POST", "/sandbox/orders/ORD-1/approve")).status).toBe(500);
    storage.failPuts = false;
    expect(host.network.order("ORD-1")?.versions).toHaveLength(1);
  });

  test("POST /sandbox/reset empties the sandbox and can change its options", async () => {
    await call("POST", "/sandbox/orders", ORDER);
    expect(
      await json(
        call("POST", "/sandbox/reset", { seed: 9, report_page_size: 2, require_click: true }),
      ),
    ).toEqual({
      network_id: "sandbox-network",
      seed: 9,
    });
    expect(await json(call("GET", "/sandbox/state"))).toMatchObject({
      orders: 0,
      pending_postbacks: 0,
      seed: 9,
      report_page_size: 2,
      require_click: true,
    });
    expect((await call("POST", "/sandbox/orders", ORDER)).status).toBe(409);
    await open();
    expect(await json(call("GET", "/sandbox/state"))).toMatchObject({
      seed: 9,
      require_click: true,
    });
  });

  test("unknown routes are problem+json 404s", async () => {
    const response = await call("GET", "/sandbox/nothing-here");
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
  });
});

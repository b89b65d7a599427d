import { describe, expect, test } from "vitest";
import {
  SANDBOX_TEST_SECRET as SECRET,
  SANDBOX_SUB_ID as SUB,
  SANDBOX_T0 as T0,
  testSandbox,
} from "./testing";

const BASE = "https://sandbox.test";
const AUTH = { authorization: `Bearer ${SECRET}` };
const RANGE = "from=2026-11-21T00:00:00Z&to=2026-11-22T00:00:00Z";

function get(path: string, headers: Record<string, string> = AUTH, init: RequestInit = {}) {
  return new Request(`${BASE}${path}`, { headers, ...init });
}

describe("authentication", () => {
  test.each<{ label: string; headers: Record<string, string> }>([
    { label: "no header", headers: {} },
    { label: "a wrong token", headers: { authorization: "Bearer not-the-secret-at-all-0000000" } },
    { label: "the secret with a Basic scheme", headers: { authorization: `Basic ${SECRET}` } },
    { label: "the secret without a scheme", headers: { authorization: SECRET } },
    {
      label: "a prefix of the secret",
      headers: { authorization: `Bearer ${SECRET.slice(0, -1)}` },
    },
  ])("$label → 401 on /report and /feed", async ({ headers }) => {
    const net = testSandbox();
    for (const path of [`/report?${RANGE}`, "/feed"]) {
      const response = await net.handle(get(path, headers));
      expect(response.status).toBe(401);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
      expect(response.headers.get("www-authenticate")).toContain("Bearer");
    }
  });

  test("a bad token is refused before a fault is consumed", async () => {
    const net = testSandbox({ faults: { feed: { kind: "status", status: 500, times: 1 } } });
    expect((await net.handle(get("/feed", {}))).status).toBe(401);
    expect((await net.handle(get("/feed"))).status).toBe(500);
  });
});

describe("GET /report", () => {
  test("answers the page as JSON and pages with next_cursor", async () => {
    const net = testSandbox({ reportPageSize: 2 });
    for (let i = 0; i < 3; i++) {
      net.placeOrder({
        orderId: `ORD-${i}`,
        subId: SUB,
        currency: "INR",
        saleAmountMinor: 1_000,
        commissionMinor: 80,
        atMs: T0 - 3 + i,
      });
    }
    const first = await net.handle(get(`/report?${RANGE}`));
    expect(first.status).toBe(200);
    expect(first.headers.get("content-type")).toBe("application/json");
    const page1 = (await first.json()) as {
      conversions: Array<{ order_id: string }>;
      next_cursor: string;
    };
    expect(page1.conversions.map((c) => c.order_id)).toEqual(["ORD-0", "ORD-1"]);
    const second = await net.handle(
      get(`/report?${RANGE}&cursor=${encodeURIComponent(page1.next_cursor)}`),
    );
    expect(await second.json()).toMatchObject({
      conversions: [{ order_id: "ORD-2" }],
      next_cursor: null,
    });
    const limited = await net.handle(get(`/report?${RANGE}&limit=1`));
    expect(((await limited.json()) as { conversions: unknown[] }).conversions).toHaveLength(1);
  });

  test("the report is as of the runtime clock", async () => {
    let now = T0;
    const net = testSandbox({}, { now: () => now });
    net.placeOrder({
      orderId: "ORD-1",
      subId: SUB,
      currency: "INR",
      saleAmountMinor: 1_000,
      commissionMinor: 80,
      atMs: T0 + 60_000,
    });
    const read = async () =>
      ((await (await net.handle(get(`/report?${RANGE}`))).json()) as { conversions: unknown[] })
        .conversions;
    expect(await read()).toEqual([]);
    now = T0 + 60_000;
    expect(await read()).toHaveLength(1);
  });

  test.each([
    { label: "no from", query: "to=2026-11-22T00:00:00Z" },
    { label: "a date without a time", query: "from=2026-11-21&to=2026-11-22T00:00:00Z" },
    {
      label: "a time without an offset",
      query: "from=2026-11-21T00:00:00&to=2026-11-22T00:00:00Z",
    },
    { label: "from after to", query: "from=2026-11-23T00:00:00Z&to=2026-11-22T00:00:00Z" },
    { label: "a bad cursor", query: `${RANGE}&cursor=zzz` },
    { label: "limit 0", query: `${RANGE}&limit=0` },
    { label: "limit -1", query: `${RANGE}&limit=-1` },
  ])("400 for $label", async ({ query }) => {
    const response = await testSandbox().handle(get(`/report?${query}`));
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
  });

  test("offsets in from/to are honoured", async () => {
    const net = testSandbox();
    net.placeOrder({
      orderId: "ORD-1",
      subId: SUB,
      currency: "INR",
      saleAmountMinor: 1,
      commissionMinor: 0,
      atMs: T0,
    });
    // 13:30+05:30 is 08:00Z: the order is exactly at from.
    const response = await net.handle(
      get("/report?from=2026-11-21T13:30:00%2B05:30&to=2026-11-21T13:31:00%2B05:30"),
    );
    expect(((await response.json()) as { conversions: unknown[] }).conversions).toHaveLength(1);
  });
});

describe("GET /feed and endpoint faults", () => {
  test("answers the current feed", async () => {
    const net = testSandbox();
    net.removeOffer("sbx-shopkart", "sbx-1002");
    const response = await net.handle(get("/feed"));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(net.feed());
  });

  test("a status fault with times fails that many requests, then clears", async () => {
    const net = testSandbox();
    net.setFaults({ feed: { kind: "status", status: 500, times: 2 } });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await net.handle(get("/feed"))).status);
    expect(statuses).toEqual([500, 500, 200, 200]);
    expect(net.faults().feed).toBeNull();
  });

  test("a fault without times lasts until cleared", async () => {
    const net = testSandbox({ faults: { report: { kind: "status", status: 503, times: null } } });
    for (let i = 0; i < 3; i++)
      expect((await net.handle(get(`/report?${RANGE}`))).status).toBe(503);
    expect((await net.handle(get("/feed"))).status).toBe(200);
    net.setFaults({ report: null });
    expect((await net.handle(get(`/report?${RANGE}`))).status).toBe(200);
  });

  test("a timeout fault hangs for afterMs, then answers 504", async () => {
    const slept: number[] = [];
    const net = testSandbox(
      { faults: { feed: { kind: "timeout", afterMs: 30_000, times: 1 } } },
      {
        sleep: async (ms) => void slept.push(ms),
      },
    );
    expect((await net.handle(get("/feed"))).status).toBe(504);
    expect(slept).toEqual([30_000]);
    expect((await net.handle(get("/feed"))).status).toBe(200);
  });

  test("a timeout fault with the real sleep is cut short by the caller's abort", async () => {
    const net = testSandbox({
      faults: { feed: { kind: "timeout", afterMs: 60_000, times: null } },
    });
    const controller = new AbortController();
    const pending = net.handle(get("/feed", AUTH, { signal: controller.signal }));
    setTimeout(() => controller.abort(new Error("caller timeout")), 20);
    await expect(pending).rejects.toThrow("caller timeout");
  });

  test.each([
    { label: "a 200 status", fault: { kind: "status" as const, status: 200, times: null } },
    { label: "zero times", fault: { kind: "status" as const, status: 500, times: 0 } },
    { label: "a negative timeout", fault: { kind: "timeout" as const, afterMs: -1, times: null } },
  ])("refuses $label as a fault", ({ fault }) => {
    expect(() => testSandbox().setFaults({ feed: fault })).toThrow();
  });
});

describe("GET /click", () => {
  test("records the click and redirects to url", async () => {
    const net = testSandbox();
    const landing = "https://shopkart.example/deal?x=1&y=2";
    const response = await net.handle(
      get(`/click?offer=sbx-1001&subid=${SUB}&url=${encodeURIComponent(landing)}`, {}),
    );
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe(landing);
    expect(net.clicks()).toEqual([{ subId: SUB, atMs: T0, offerRef: "sbx-1001" }]);
  });

  test.each([
    { label: "no subid", query: "url=https%3A%2F%2Fa.example%2F" },
    { label: "no url", query: `subid=${SUB}` },
    { label: "a relative url", query: `subid=${SUB}&url=%2Fhome` },
    { label: "a javascript: url", query: `subid=${SUB}&url=javascript%3Aalert(1)` },
  ])("400 for $label", async ({ query }) => {
    const net = testSandbox();
    expect((await net.handle(get(`/click?${query}`, {}))).status).toBe(400);
    expect(net.clicks()).toEqual([]);
  });
});

describe("routing", () => {
  test.each([
    { label: "an unknown path", request: get("/nope"), status: 404 },
    {
      label: "POST /report",
      request: get(`/report?${RANGE}`, AUTH, { method: "POST" }),
      status: 405,
    },
    { label: "DELETE /feed", request: get("/feed", AUTH, { method: "DELETE" }), status: 405 },
  ])("$label → $status", async ({ request, status }) => {
    expect((await testSandbox().handle(request)).status).toBe(status);
  });

  test("with basePath, routes live under it and nowhere else", async () => {
    const net = testSandbox({}, { basePath: "/sandbox" });
    expect((await net.handle(get("/sandbox/feed"))).status).toBe(200);
    expect((await net.handle(get("/feed"))).status).toBe(404);
    expect((await net.handle(get("/sandboxy/feed"))).status).toBe(404);
  });
});

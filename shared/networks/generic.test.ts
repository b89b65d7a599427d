import { describe, expect, test } from "vitest";
import { signPostback } from "../postback/signature";
import { ReportError } from "./core/report-error";
import { genericAdapter } from "./generic";
import {
  fieldPaths,
  getRequest,
  jsonFetch,
  onlyConversion,
  postRequest,
  RECEIVED_AT_MS,
  SECRET,
  SUB_ID,
  settingsFor,
} from "./testing/fixtures";

const NETWORK = "demo-network";
const settings = settingsFor(NETWORK, { reportUrl: "https://net.example/api/conversions?v=2" });
const T = Math.floor(RECEIVED_AT_MS / 1000);

const body = (over: Record<string, unknown> = {}) =>
  JSON.stringify({
    order_id: "ORD-1001",
    sub_id: SUB_ID,
    status: "pending",
    currency: "INR",
    sale_amount_minor: 129_900,
    commission_minor: 9_000,
    category: "electronics",
    occurred_at: "2026-11-21T08:07:27Z",
    ...over,
  });

async function signed(raw: string, t = T, secret = SECRET, extra: Record<string, string> = {}) {
  return postRequest(raw, {
    "content-type": "application/json",
    "boomerang-signature": await signPostback(secret, NETWORK, raw, t),
    ...extra,
  });
}

describe("generic postbacks", () => {
  test("a signed pending postback", async () => {
    const c = onlyConversion(await genericAdapter.parsePostback(await signed(body()), settings));
    expect(c).toEqual({
      orderId: "ORD-1001",
      subId: SUB_ID,
      status: "pending",
      currency: "INR",
      saleAmountMinor: 129_900,
      commissionMinor: 9_000,
      lineItems: null,
      category: "electronics",
      occurredAtMs: Date.UTC(2026, 10, 21, 8, 7, 27),
      updatedAtMs: null,
    });
  });

  test.each(["pending", "approved", "cancelled"] as const)("status %s", async (status) => {
    expect(
      onlyConversion(await genericAdapter.parsePostback(await signed(body({ status })), settings))
        .status,
    ).toBe(status);
  });

  test("updated_at and line items", async () => {
    const raw = body({
      updated_at: "2026-11-21T08:30:00+05:30",
      line_items: [
        {
          sku: "SKU-1",
          category: "mobiles",
          amount_minor: 100_000,
          commission_minor: 5_000,
          quantity: 1,
        },
        { amount_minor: 29_900 },
      ],
    });
    const c = onlyConversion(await genericAdapter.parsePostback(await signed(raw), settings));
    expect(c.updatedAtMs).toBe(Date.UTC(2026, 10, 21, 3, 0, 0));
    expect(c.lineItems).toEqual([
      {
        sku: "SKU-1",
        category: "mobiles",
        amountMinor: 100_000,
        commissionMinor: 5_000,
        quantity: 1,
      },
      { sku: null, category: null, amountMinor: 29_900, commissionMinor: null, quantity: 1 },
    ]);
  });

  test("an order time after receipt is the receipt time", async () => {
    const c = onlyConversion(
      await genericAdapter.parsePostback(
        await signed(body({ occurred_at: "2026-11-22T00:00:00Z" })),
        settings,
      ),
    );
    expect(c.occurredAtMs).toBe(RECEIVED_AT_MS);
  });

  test("an update time a little ahead of ours is kept; far ahead, it is dropped", async () => {
    const at = (ms: number) => new Date(ms).toISOString();
    const ahead = onlyConversion(
      await genericAdapter.parsePostback(
        await signed(body({ updated_at: at(RECEIVED_AT_MS + 5 * 60_000) })),
        settings,
      ),
    );
    expect(ahead.updatedAtMs).toBe(RECEIVED_AT_MS + 5 * 60_000);
    const farAhead = onlyConversion(
      await genericAdapter.parsePostback(
        await signed(body({ updated_at: at(RECEIVED_AT_MS + 16 * 60_000) })),
        settings,
      ),
    );
    expect(farAhead.updatedAtMs).toBeNull();
  });

  test.each([
    {
      label: "no signature",
      make: async () => postRequest(body(), {}),
      reason: "missing_signature",
    },
    {
      label: "wrong secret",
      make: () => signed(body(), T, "another-secret"),
      reason: "bad_signature",
    },
    { label: "stale timestamp", make: () => signed(body(), T - 301), reason: "stale_timestamp" },
    {
      label: "signed for another network",
      make: async () =>
        postRequest(body(), {
          "boomerang-signature": await signPostback(SECRET, "other-network", body(), T),
        }),
      reason: "bad_signature",
    },
    {
      label: "body altered after signing",
      make: async () => ({
        ...(await signed(body())),
        rawBody: body({ sale_amount_minor: 999_999 }),
      }),
      reason: "bad_signature",
    },
    {
      label: "malformed header",
      make: async () => postRequest(body(), { "boomerang-signature": "v1=abc" }),
      reason: "malformed_signature",
    },
  ])("auth: $label", async ({ make, reason }) => {
    expect(await genericAdapter.parsePostback(await make(), settings)).toEqual({
      ok: false,
      kind: "auth",
      reason,
    });
  });

  test("an IP allowlist, when set, is checked too", async () => {
    const strict = settingsFor(NETWORK, { ipAllowlist: ["198.51.100.0/24"] });
    expect(await genericAdapter.parsePostback(await signed(body()), strict)).toEqual({
      ok: false,
      kind: "auth",
      reason: "ip_not_allowed",
    });
    const fromThere = { ...(await signed(body())), sourceIp: "198.51.100.9" };
    expect((await genericAdapter.parsePostback(fromThere, strict)).ok).toBe(true);
  });

  test("a network without a secret accepts nothing", async () => {
    const result = await genericAdapter.parsePostback(await signed(body()), {
      ...settings,
      postbackSecret: "",
    });
    expect(result).toMatchObject({ ok: false, kind: "auth" });
  });

  test.each([
    { label: "missing sub_id", raw: body({ sub_id: undefined }), path: "sub_id" },
    { label: "negative amount", raw: body({ sale_amount_minor: -1 }), path: "sale_amount_minor" },
    { label: "decimal amount", raw: body({ commission_minor: 12.5 }), path: "commission_minor" },
    { label: "unknown status", raw: body({ status: "reversed" }), path: "status" },
    { label: "lower-case currency", raw: body({ currency: "inr" }), path: "currency" },
    { label: "unknown field", raw: body({ extra: 1 }), path: "(root)" },
    {
      label: "line item with a bad quantity",
      raw: body({ line_items: [{ amount_minor: 1, quantity: 0 }] }),
      path: "line_items.0.quantity",
    },
    { label: "not JSON", raw: "{nope", path: "(root)" },
  ])("malformed: $label", async ({ raw, path }) => {
    const result = await genericAdapter.parsePostback(await signed(raw), settings);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.kind).toBe("malformed");
      expect(fieldPaths(result)).toContain(path);
    }
  });

  test("a GET is refused once signed", async () => {
    const request = { ...(await signed(body())), method: "GET" as const };
    expect(await genericAdapter.parsePostback(request, settings)).toMatchObject({
      ok: false,
      kind: "malformed",
    });
  });

  test("an unsigned GET learns only that it is unsigned", async () => {
    expect(
      await genericAdapter.parsePostback(getRequest({ order_id: "x" }), settings),
    ).toMatchObject({ kind: "auth" });
  });
});

describe("generic report", () => {
  const range = { fromMs: Date.UTC(2026, 10, 1), toMs: Date.UTC(2026, 10, 2) };

  test("builds the request and parses a page", async () => {
    const fetcher = jsonFetch({
      conversions: [
        JSON.parse(body()),
        JSON.parse(body({ order_id: "ORD-2", status: "approved" })),
      ],
      next_cursor: "c2",
    });
    const page = await genericAdapter.fetchReportPage(fetcher, settings, range, "c1");
    const request = fetcher.requests[0];
    expect(request?.url).toBe(
      "https://net.example/api/conversions?v=2&from=2026-11-01T00%3A00%3A00Z&to=2026-11-02T00%3A00%3A00Z&cursor=c1",
    );
    expect(request?.headers.get("authorization")).toBe(`Bearer ${SECRET}`);
    expect(page.nextCursor).toBe("c2");
    expect(page.conversions.map((c) => [c.orderId, c.status])).toEqual([
      ["ORD-1001", "pending"],
      ["ORD-2", "approved"],
    ]);
    expect(page.rejected).toBeUndefined();
  });

  test("a bad record is rejected, the rest of the page kept", async () => {
    const fetcher = jsonFetch({
      conversions: [JSON.parse(body()), { order_id: "BAD-1", status: "??" }],
      next_cursor: null,
    });
    const page = await genericAdapter.fetchReportPage(fetcher, settings, range, null);
    expect(page.conversions).toHaveLength(1);
    expect(page.rejected).toMatchObject([
      { index: 1, orderId: "BAD-1", reason: "invalid conversion" },
    ]);
    expect(page.nextCursor).toBeNull();
  });

  test.each([
    { label: "401", status: 401, body: {}, kind: "auth", transient: false },
    { label: "503", status: 503, body: {}, kind: "unavailable", transient: true },
    { label: "429", status: 429, body: {}, kind: "unavailable", transient: true },
    { label: "404", status: 404, body: {}, kind: "http", transient: false },
    { label: "not JSON", status: 200, body: "<html>", kind: "malformed", transient: false },
    { label: "wrong shape", status: 200, body: { items: [] }, kind: "malformed", transient: false },
    {
      label: "cursor that does not advance",
      status: 200,
      body: { conversions: [], next_cursor: "c1" },
      kind: "malformed",
      transient: false,
    },
  ])("errors: $label", async ({ status, body: b, kind, transient }) => {
    const error = await genericAdapter
      .fetchReportPage(jsonFetch(b, status), settings, range, "c1")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReportError);
    expect(error).toMatchObject({ kind, transient });
  });

  test("a network error is transient", async () => {
    const error = await genericAdapter
      .fetchReportPage(
        async () => {
          throw new TypeError("connection reset");
        },
        settings,
        range,
        null,
      )
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: "unavailable", transient: true });
  });

  test("without reportUrl there is no report", async () => {
    const error = await genericAdapter
      .fetchReportPage(jsonFetch({}), settingsFor(NETWORK, {}), range, null)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: "not_supported" });
  });

  test("a reversed range is refused before any request", async () => {
    const fetcher = jsonFetch({});
    const error = await genericAdapter
      .fetchReportPage(fetcher, settings, { fromMs: range.toMs, toMs: range.fromMs }, null)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: "bad_range" });
    expect(fetcher.requests).toHaveLength(0);
  });
});

test("buildTrackingUrl fills the template as before", () => {
  expect(
    genericAdapter.buildTrackingUrl(
      "https://net.example/t?s={subid}&o={network_offer_ref}",
      { subId: "S", clickId: "c", landingUrl: "l", networkOfferRef: "o 1" },
      settings,
    ),
  ).toBe("https://net.example/t?s=S&o=o%201");
});

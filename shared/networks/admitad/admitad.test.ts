import { describe, expect, test } from "vitest";
import { ReportError } from "../core/report-error";
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
} from "../testing/fixtures";
import { admitadAdapter } from ".";

const settings = settingsFor(
  "admitad-in",
  { ipAllowlist: ["203.0.113.0/24"] },
  { reportApiToken: "admitad-access-token" },
);

/** A realistic Admitad action postback (Tools → Postback URL, GET). */
const params = (over: Record<string, string | undefined> = {}) => {
  const base: Record<string, string | undefined> = {
    subid: SUB_ID,
    order_id: "5554321",
    action_id: "998877",
    order_sum: "1,299.00",
    payment_sum: "64.95",
    currency: "INR",
    payment_status: "pending",
    time: String(Math.floor(Date.UTC(2026, 10, 21, 8, 0, 0) / 1000)),
    type: "sale",
    token: SECRET,
    ...over,
  };
  return Object.fromEntries(
    Object.entries(base).filter((e): e is [string, string] => e[1] !== undefined),
  );
};

describe("admitad postbacks", () => {
  test("a pending sale", async () => {
    const c = onlyConversion(await admitadAdapter.parsePostback(getRequest(params()), settings));
    expect(c).toEqual({
      orderId: "5554321",
      subId: SUB_ID,
      status: "pending",
      currency: "INR",
      saleAmountMinor: 129_900,
      commissionMinor: 6_495,
      lineItems: null,
      category: null,
      occurredAtMs: Date.UTC(2026, 10, 21, 8, 0, 0),
      updatedAtMs: null,
    });
  });

  test.each([
    { status: "pending", want: "pending" },
    { status: "approved", want: "approved" },
    { status: "approved_but_stalled", want: "approved" },
    { status: "declined", want: "cancelled" },
    { status: "DECLINED", want: "cancelled" },
  ])("payment_status $status → $want", async ({ status, want }) => {
    expect(
      onlyConversion(
        await admitadAdapter.parsePostback(
          getRequest(params({ payment_status: status })),
          settings,
        ),
      ).status,
    ).toBe(want);
  });

  test("a POST form postback reads the body", async () => {
    const form = new URLSearchParams(params()).toString();
    const request = postRequest(form, { "content-type": "application/x-www-form-urlencoded" });
    expect(onlyConversion(await admitadAdapter.parsePostback(request, settings)).orderId).toBe(
      "5554321",
    );
  });

  test("a partial refund keeps its status with the lower amount", async () => {
    const c = onlyConversion(
      await admitadAdapter.parsePostback(
        getRequest(
          params({ payment_status: "approved", order_sum: "999.00", payment_sum: "49.95" }),
        ),
        settings,
      ),
    );
    expect([c.status, c.saleAmountMinor, c.commissionMinor]).toEqual(["approved", 99_900, 4_995]);
  });

  test("a lead without an order id uses action_id and may have no order sum", async () => {
    const c = onlyConversion(
      await admitadAdapter.parsePostback(
        getRequest(params({ order_id: "", order_sum: undefined, type: "lead" })),
        settings,
      ),
    );
    expect([c.orderId, c.saleAmountMinor]).toEqual(["998877", 0]);
  });

  test("action_date at the configured offset instead of time", async () => {
    const moscow = settingsFor("admitad-in", {
      ipAllowlist: ["203.0.113.0/24"],
      reportUtcOffsetMinutes: 180,
    });
    const c = onlyConversion(
      await admitadAdapter.parsePostback(
        getRequest(params({ time: undefined, action_date: "2026-11-21 11:00:00" })),
        moscow,
      ),
    );
    expect(c.occurredAtMs).toBe(Date.UTC(2026, 10, 21, 8, 0, 0));
  });

  test.each([
    { label: "wrong token", request: getRequest(params({ token: "guess" })), reason: "bad_token" },
    {
      label: "no token",
      request: getRequest(params({ token: undefined })),
      reason: "missing_token",
    },
    {
      label: "wrong IP",
      request: getRequest(params(), { sourceIp: "198.51.100.1" }),
      reason: "ip_not_allowed",
    },
    {
      label: "unknown IP",
      request: getRequest(params(), { sourceIp: null }),
      reason: "ip_unknown",
    },
    {
      label: "token twice, different values",
      request: getRequest(`${new URLSearchParams(params())}&token=other`),
      reason: "unreadable request",
    },
  ])("auth: $label", async ({ request, reason }) => {
    const result = await admitadAdapter.parsePostback(request, settings);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.kind).toBe("auth");
      expect(result.reason.startsWith(reason)).toBe(true);
    }
  });

  test("IP allowlist alone, when the token is switched off", async () => {
    const ipOnly = settingsFor("admitad-in", { requireToken: false, ipAllowlist: ["203.0.113.7"] });
    expect(
      (await admitadAdapter.parsePostback(getRequest(params({ token: undefined })), ipOnly)).ok,
    ).toBe(true);
  });

  test("token switched off and no allowlist is a misconfiguration, not an open door", async () => {
    const open = settingsFor("admitad-in", { requireToken: false });
    expect(await admitadAdapter.parsePostback(getRequest(params()), open)).toMatchObject({
      ok: false,
      kind: "auth",
    });
  });

  test("bad options are a misconfiguration", async () => {
    const bad = settingsFor("admitad-in", { ipAllowlist: ["not-an-ip"] });
    const result = await admitadAdapter.parsePostback(getRequest(params()), bad);
    expect(result).toMatchObject({ ok: false, kind: "auth" });
    if (!result.ok) expect(result.reason).toMatch(/^misconfigured: options\.ipAllowlist/);
  });

  test.each([
    { label: "unknown status", over: { payment_status: "hold" }, path: "payment_status" },
    { label: "missing status", over: { payment_status: undefined }, path: "payment_status" },
    {
      label: "missing order ids",
      over: { order_id: undefined, action_id: undefined },
      path: "order_id",
    },
    { label: "negative commission", over: { payment_sum: "-5.00" }, path: "payment_sum" },
    { label: "European decimal", over: { order_sum: "1299,00" }, path: "order_sum" },
    { label: "missing time", over: { time: undefined }, path: "time" },
    { label: "milliseconds instead of seconds", over: { time: "1763712000000" }, path: "time" },
    { label: "no currency", over: { currency: undefined }, path: "currency" },
    { label: "a date before 2000", over: { time: "0" }, path: "occurredAtMs" },
  ])("malformed: $label", async ({ over, path }) => {
    const result = await admitadAdapter.parsePostback(getRequest(params(over)), settings);
    expect(result).toMatchObject({ ok: false, kind: "malformed" });
    expect(fieldPaths(result)).toContain(path);
  });

  test("a future action time is clamped to receipt", async () => {
    const c = onlyConversion(
      await admitadAdapter.parsePostback(
        getRequest(params({ time: String(RECEIVED_AT_MS / 1000 + 3600) })),
        settings,
      ),
    );
    expect(c.occurredAtMs).toBe(RECEIVED_AT_MS);
  });
});

describe("admitad report", () => {
  const range = { fromMs: Date.UTC(2026, 10, 1), toMs: Date.UTC(2026, 10, 2, 12, 30) };
  const row = (over: Record<string, unknown> = {}) => ({
    action_id: 998877,
    order_id: "5554321",
    status: "approved",
    cart: "1299.00",
    payment: 64.95,
    currency: "INR",
    action_date: "2026-10-30 19:54:34",
    status_updated: "2026-11-01 10:00:00",
    subid: SUB_ID,
    action_type: "sale",
    ...over,
  });

  test("builds the request and pages by offset", async () => {
    const fetcher = jsonFetch({
      results: [row(), row({ order_id: "2", status: "declined" })],
      _meta: { count: 5, limit: 2, offset: 2 },
    });
    const page = await admitadAdapter.fetchReportPage(fetcher, settings, range, "2");
    const url = new URL(fetcher.requests[0]?.url ?? "");
    expect(url.origin + url.pathname).toBe("https://api.admitad.com/statistics/actions/");
    expect(Object.fromEntries(url.searchParams)).toEqual({
      status_updated_start: "01.11.2026 00:00:00",
      status_updated_end: "02.11.2026 12:30:00",
      limit: "500",
      offset: "2",
    });
    expect(fetcher.requests[0]?.headers.get("authorization")).toBe("Bearer admitad-access-token");
    expect(page.nextCursor).toBe("4");
    expect(
      page.conversions.map((c) => [c.orderId, c.status, c.saleAmountMinor, c.commissionMinor]),
    ).toEqual([
      ["5554321", "approved", 129_900, 6_495],
      ["2", "cancelled", 129_900, 6_495],
    ]);
    expect(page.conversions[0]?.updatedAtMs).toBe(Date.UTC(2026, 10, 1, 10));
  });

  test("the last page has no cursor", async () => {
    const page = await admitadAdapter.fetchReportPage(
      jsonFetch({ results: [row()], _meta: { count: 1, limit: 500, offset: 0 } }),
      settings,
      range,
      null,
    );
    expect(page.nextCursor).toBeNull();
  });

  test("bad records are rejected, not dropped", async () => {
    const page = await admitadAdapter.fetchReportPage(
      jsonFetch({
        results: [row({ status: "weird" }), row({ cart: "-1" }), "nope"],
        _meta: { count: 3, limit: 500, offset: 0 },
      }),
      settings,
      range,
      null,
    );
    expect(page.conversions).toHaveLength(0);
    expect(page.rejected?.map((r) => [r.index, r.orderId])).toEqual([
      [0, "5554321"],
      [1, "5554321"],
      [2, null],
    ]);
  });

  test("without an access token the report is misconfigured", async () => {
    const error = await admitadAdapter
      .fetchReportPage(jsonFetch({}), settingsFor("a", {}), range, null)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReportError);
    expect(error).toMatchObject({ kind: "misconfigured", transient: false });
  });

  test("a page whose offset is not the one asked for is refused", async () => {
    const error = await admitadAdapter
      .fetchReportPage(
        jsonFetch({ results: [], _meta: { count: 0, limit: 500, offset: 7 } }),
        settings,
        range,
        null,
      )
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: "malformed" });
  });
});

test("buildTrackingUrl appends subid", () => {
  expect(
    admitadAdapter.buildTrackingUrl(
      "https://ad.admitad.com/g/1e8d11/?ulp={landing_url}",
      { subId: "S1", clickId: "c", landingUrl: "https://shop.example/", networkOfferRef: "o" },
      settings,
    ),
  ).toBe("https://ad.admitad.com/g/1e8d11/?ulp=https%3A%2F%2Fshop.example%2F&subid=S1");
});

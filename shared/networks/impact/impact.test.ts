import { describe, expect, test } from "vitest";
import {
  fieldPaths,
  getRequest,
  jsonFetch,
  onlyConversion,
  SECRET,
  SUB_ID,
  settingsFor,
} from "../testing/fixtures";
import { impactAdapter } from ".";

const settings = settingsFor(
  "impact-us",
  { accountSid: "IRabc123XYZ", ipAllowlist: ["203.0.113.0/24"] },
  { reportApiToken: "impact-auth-token" },
);

/** A realistic impact.com action-tracker postback, macros named as impact.com spells them. */
const params = (over: Record<string, string | undefined> = {}) => {
  const base: Record<string, string | undefined> = {
    SubId1: SUB_ID,
    ActionId: "1000.4636.158133",
    Oid: "9217374917472",
    ActionStatus: "PENDING",
    Amount: "21.99",
    Payout: "0.88",
    Currency: "USD",
    EventDate: "2026-11-20T10:42:38-07:00",
    token: SECRET,
    ...over,
  };
  return Object.fromEntries(
    Object.entries(base).filter((e): e is [string, string] => e[1] !== undefined),
  );
};

describe("impact postbacks", () => {
  test("a pending action", async () => {
    expect(
      onlyConversion(await impactAdapter.parsePostback(getRequest(params()), settings)),
    ).toEqual({
      orderId: "9217374917472",
      subId: SUB_ID,
      status: "pending",
      currency: "USD",
      saleAmountMinor: 2_199,
      commissionMinor: 88,
      lineItems: null,
      category: null,
      occurredAtMs: Date.UTC(2026, 10, 20, 17, 42, 38),
      updatedAtMs: null,
    });
  });

  test.each([
    { state: "PENDING", want: "pending" },
    { state: "APPROVED", want: "approved" },
    { state: "REVERSED", want: "cancelled" },
    { state: "reversed", want: "cancelled" },
  ])("ActionStatus $state → $want", async ({ state, want }) => {
    expect(
      onlyConversion(
        await impactAdapter.parsePostback(getRequest(params({ ActionStatus: state })), settings),
      ).status,
    ).toBe(want);
  });

  test("lower-case parameter names work too", async () => {
    const lower = Object.fromEntries(
      Object.entries(params()).map(([k, v]) => [k.toLowerCase(), v]),
    );
    expect(
      onlyConversion(await impactAdapter.parsePostback(getRequest(lower), settings)).orderId,
    ).toBe("9217374917472");
  });

  test("without an Oid the ActionId is the order id", async () => {
    expect(
      onlyConversion(await impactAdapter.parsePostback(getRequest(params({ Oid: "" })), settings))
        .orderId,
    ).toBe("1000.4636.158133");
  });

  test("modified down to zero is a cancellation", async () => {
    const request = getRequest(
      params({
        ActionStatus: "APPROVED",
        Amount: "0.00",
        Payout: "0.00",
        DeltaAmount: "-21.99",
        DeltaPayout: "-0.88",
      }),
    );
    expect(onlyConversion(await impactAdapter.parsePostback(request, settings)).status).toBe(
      "cancelled",
    );
  });

  test("modified to a lower amount keeps its status (partial refund)", async () => {
    const request = getRequest(
      params({
        ActionStatus: "APPROVED",
        Amount: "11.00",
        Payout: "0.44",
        DeltaAmount: "-10.99",
        DeltaPayout: "-0.44",
      }),
    );
    const c = onlyConversion(await impactAdapter.parsePostback(request, settings));
    expect([c.status, c.saleAmountMinor, c.commissionMinor]).toEqual(["approved", 1_100, 44]);
  });

  test("a zero-payout action that was never modified stays as it is", async () => {
    const c = onlyConversion(
      await impactAdapter.parsePostback(getRequest(params({ Amount: "0", Payout: "0" })), settings),
    );
    expect(c.status).toBe("pending");
  });

  test.each([
    { label: "wrong token", over: { token: "x" }, ip: "203.0.113.9", reason: "bad_token" },
    {
      label: "missing token",
      over: { token: undefined },
      ip: "203.0.113.9",
      reason: "missing_token",
    },
    { label: "wrong IP", over: {}, ip: "192.0.2.1", reason: "ip_not_allowed" },
  ])("auth: $label", async ({ over, ip, reason }) => {
    expect(
      await impactAdapter.parsePostback(getRequest(params(over), { sourceIp: ip }), settings),
    ).toEqual({ ok: false, kind: "auth", reason });
  });

  test.each([
    { label: "unknown state", over: { ActionStatus: "LOCKED" }, path: "ActionStatus" },
    {
      label: "event date without offset",
      over: { EventDate: "2026-11-20T10:42:38" },
      path: "EventDate",
    },
    { label: "missing payout", over: { Payout: undefined }, path: "Payout" },
    { label: "exponent amount", over: { Amount: "2.199e1" }, path: "Amount" },
    { label: "bad delta", over: { DeltaAmount: "lots" }, path: "DeltaAmount" },
    { label: "order id with a space", over: { Oid: "A B" }, path: "orderId" },
    { label: "sub-ID far too long", over: { SubId1: "s".repeat(401) }, path: "subId" },
  ])("malformed: $label", async ({ over, path }) => {
    const result = await impactAdapter.parsePostback(getRequest(params(over)), settings);
    expect(result).toMatchObject({ ok: false, kind: "malformed" });
    expect(fieldPaths(result)).toContain(path);
  });
});

describe("impact report", () => {
  const range = { fromMs: Date.UTC(2026, 9, 1), toMs: Date.UTC(2026, 10, 1) };
  const action = (over: Record<string, unknown> = {}) => ({
    Id: "1000.4636.158133",
    CampaignId: "1000",
    State: "APPROVED",
    Payout: "0.88",
    Amount: "21.99",
    Currency: "USD",
    EventDate: "2026-10-10T10:42:38-07:00",
    LockingDate: "2026-10-26T00:00:00-07:00",
    Oid: "9217374917472",
    SubId1: SUB_ID,
    DeltaPayout: "0.88",
    DeltaAmount: "21.99",
    ...over,
  });

  test("builds the request with Basic auth and pages by number", async () => {
    const fetcher = jsonFetch({
      "@page": "2",
      "@numpages": "3",
      "@pagesize": "1000",
      Actions: [action(), action({ Oid: "2", State: "REVERSED" })],
    });
    const page = await impactAdapter.fetchReportPage(fetcher, settings, range, "2");
    const request = fetcher.requests[0];
    const url = new URL(request?.url ?? "");
    expect(url.pathname).toBe("/Mediapartners/IRabc123XYZ/Actions");
    expect(Object.fromEntries(url.searchParams)).toEqual({
      StartDate: "2026-10-01T00:00:00Z",
      EndDate: "2026-11-01T00:00:00Z",
      PageSize: "1000",
      Page: "2",
    });
    expect(request?.headers.get("authorization")).toBe(
      `Basic ${btoa("IRabc123XYZ:impact-auth-token")}`,
    );
    expect(request?.headers.get("accept")).toBe("application/json");
    expect(page.nextCursor).toBe("3");
    expect(page.conversions.map((c) => [c.orderId, c.status])).toEqual([
      ["9217374917472", "approved"],
      ["2", "cancelled"],
    ]);
  });

  test("the last page ends paging", async () => {
    const page = await impactAdapter.fetchReportPage(
      jsonFetch({ "@page": "1", "@numpages": "1", Actions: [action()] }),
      settings,
      range,
      null,
    );
    expect(page.nextCursor).toBeNull();
  });

  test("a range over 45 days is refused before any request", async () => {
    const fetcher = jsonFetch({});
    const error = await impactAdapter
      .fetchReportPage(
        fetcher,
        settings,
        { fromMs: range.fromMs, toMs: range.fromMs + 46 * 86_400_000 },
        null,
      )
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: "bad_range", transient: false });
    expect(fetcher.requests).toHaveLength(0);
  });

  test("a report without accountSid is misconfigured", async () => {
    const error = await impactAdapter
      .fetchReportPage(jsonFetch({}), settingsFor("i", {}, { reportApiToken: "t" }), range, null)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: "misconfigured" });
  });

  test("a bad record is rejected with its order id", async () => {
    const page = await impactAdapter.fetchReportPage(
      jsonFetch({ "@page": "1", "@numpages": "1", Actions: [action({ Payout: "-1" })] }),
      settings,
      range,
      null,
    );
    expect(page.rejected).toMatchObject([
      { index: 0, orderId: "9217374917472", reason: "invalid record" },
    ]);
  });
});

test("buildTrackingUrl appends subId1", () => {
  expect(
    impactAdapter.buildTrackingUrl(
      "https://goto.target.com/c/123/81938/2092?u={landing_url}",
      { subId: "S1", clickId: "c", landingUrl: "https://t.example/", networkOfferRef: "o" },
      settings,
    ),
  ).toBe("https://goto.target.com/c/123/81938/2092?u=https%3A%2F%2Ft.example%2F&subId1=S1");
});

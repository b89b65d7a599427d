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
import { cjAdapter } from ".";

const settings = settingsFor(
  "cj-us",
  { publisherId: "7654321", ipAllowlist: ["203.0.113.0/24"] },
  { reportApiToken: "cj-personal-access-token" },
);

const params = (over: Record<string, string | undefined> = {}) => {
  const base: Record<string, string | undefined> = {
    sid: SUB_ID,
    orderId: "A-1001",
    commissionId: "2292067663",
    originalActionId: "2292067000",
    actionStatus: "new",
    original: "true",
    saleAmount: "129.99",
    commissionAmount: "9.10",
    currency: "USD",
    eventDate: "2026-11-20T22:31:48Z",
    postingDate: "2026-11-20T23:00:00Z",
    token: SECRET,
    ...over,
  };
  return Object.fromEntries(
    Object.entries(base).filter((e): e is [string, string] => e[1] !== undefined),
  );
};

describe("cj postbacks", () => {
  test("a new commission", async () => {
    expect(onlyConversion(await cjAdapter.parsePostback(getRequest(params()), settings))).toEqual({
      orderId: "A-1001",
      subId: SUB_ID,
      status: "pending",
      currency: "USD",
      saleAmountMinor: 12_999,
      commissionMinor: 910,
      lineItems: null,
      category: null,
      occurredAtMs: Date.UTC(2026, 10, 20, 22, 31, 48),
      updatedAtMs: Date.UTC(2026, 10, 20, 23),
    });
  });

  test.each([
    { status: "new", want: "pending" },
    { status: "extended", want: "pending" },
    { status: "locked", want: "approved" },
    { status: "closed", want: "approved" },
    { status: "corrected", want: "approved" },
  ])("actionStatus $status → $want", async ({ status, want }) => {
    expect(
      onlyConversion(
        await cjAdapter.parsePostback(getRequest(params({ actionStatus: status })), settings),
      ).status,
    ).toBe(want);
  });

  test("corrected to zero is cancelled, whatever the lifecycle status", async () => {
    const request = getRequest(
      params({
        actionStatus: "locked",
        original: "false",
        correctionReason: "RETURNED_MERCHANDISE",
        saleAmount: "0",
        commissionAmount: "0.00",
      }),
    );
    expect(onlyConversion(await cjAdapter.parsePostback(request, settings)).status).toBe(
      "cancelled",
    );
  });

  test("a correction to a lower amount stays approved with the new amount", async () => {
    const request = getRequest(
      params({
        actionStatus: "locked",
        original: "false",
        correctionReason: "RETURNED_MERCHANDISE",
        saleAmount: "79.99",
        commissionAmount: "5.60",
      }),
    );
    const c = onlyConversion(await cjAdapter.parsePostback(request, settings));
    expect([c.status, c.saleAmountMinor, c.commissionMinor]).toEqual(["approved", 7_999, 560]);
  });

  test("SID and shopperId are both read; currency falls back to the account's", async () => {
    const c = onlyConversion(
      await cjAdapter.parsePostback(
        getRequest(params({ sid: undefined, shopperId: "S-2", currency: undefined })),
        settingsFor("cj", { publisherId: "1", currency: "EUR" }),
      ),
    );
    expect([c.subId, c.currency]).toEqual(["S-2", "EUR"]);
  });

  test.each([
    { label: "wrong token", over: { token: "nope" }, ip: "203.0.113.1", reason: "bad_token" },
    { label: "wrong IP", over: {}, ip: "10.0.0.1", reason: "ip_not_allowed" },
  ])("auth: $label", async ({ over, ip, reason }) => {
    expect(
      await cjAdapter.parsePostback(getRequest(params(over), { sourceIp: ip }), settings),
    ).toEqual({ ok: false, kind: "auth", reason });
  });

  test.each([
    { label: "a negative delta", over: { saleAmount: "-50.00" }, path: "saleAmount" },
    { label: "unknown status", over: { actionStatus: "paid" }, path: "actionStatus" },
    { label: "original not a boolean", over: { original: "maybe" }, path: "original" },
    {
      label: "no order id",
      over: { orderId: undefined, originalActionId: undefined },
      path: "orderId",
    },
    { label: "no event date", over: { eventDate: undefined }, path: "eventDate" },
  ])("malformed: $label", async ({ over, path }) => {
    const result = await cjAdapter.parsePostback(getRequest(params(over)), settings);
    expect(result).toMatchObject({ ok: false, kind: "malformed" });
    expect(fieldPaths(result)).toContain(path);
  });
});

describe("cj report", () => {
  const range = { fromMs: Date.UTC(2026, 9, 1), toMs: Date.UTC(2026, 10, 1) };
  const record = (over: Record<string, unknown> = {}) => ({
    commissionId: "2292067663",
    orderId: "A-1001",
    originalActionId: "2292067000",
    original: true,
    actionStatus: "locked",
    actionType: "item_sale",
    correctionReason: null,
    eventDate: "2026-10-10T22:31:48Z",
    postingDate: "2026-10-10T23:00:00Z",
    saleAmountPubCurrency: "150.00",
    pubCommissionAmountPubCurrency: "15.00",
    shopperId: SUB_ID,
    items: [
      {
        sku: "SKU-1",
        quantity: 2,
        perItemSaleAmountPubCurrency: "50.00",
        totalCommissionPubCurrency: "10.00",
      },
      {
        sku: "SKU-2",
        quantity: 1,
        perItemSaleAmountPubCurrency: "50.00",
        totalCommissionPubCurrency: "5.00",
      },
    ],
    ...over,
  });
  const page = (records: unknown[], extra: Record<string, unknown> = {}) => ({
    data: {
      publisherCommissions: {
        count: records.length,
        limit: 10_000,
        payloadComplete: true,
        maxCommissionId: null,
        records,
        ...extra,
      },
    },
  });

  test("builds a GraphQL request with variables", async () => {
    const fetcher = jsonFetch(page([record()]));
    const result = await cjAdapter.fetchReportPage(fetcher, settings, range, "2292000000");
    const request = fetcher.requests[0];
    expect(request?.method).toBe("POST");
    expect(request?.url).toBe("https://commissions.api.cj.com/query");
    expect(request?.headers.get("authorization")).toBe("Bearer cj-personal-access-token");
    const sent = (await request?.json()) as { query: string; variables: Record<string, unknown> };
    expect(sent.query).toContain("sinceEventDate: $since");
    expect(sent.query).toContain("sinceCommissionId: $after");
    expect(sent.variables).toEqual({
      publishers: ["7654321"],
      since: "2026-10-01T00:00:00Z",
      before: "2026-11-01T00:00:00Z",
      after: "2292000000",
    });
    expect(result.conversions[0]).toMatchObject({
      orderId: "A-1001",
      status: "approved",
      saleAmountMinor: 15_000,
      commissionMinor: 1_500,
      lineItems: [
        { sku: "SKU-1", category: null, amountMinor: 10_000, commissionMinor: 1_000, quantity: 2 },
        { sku: "SKU-2", category: null, amountMinor: 5_000, commissionMinor: 500, quantity: 1 },
      ],
    });
  });

  test("paging follows maxCommissionId until payloadComplete", async () => {
    const result = await cjAdapter.fetchReportPage(
      jsonFetch(page([record()], { payloadComplete: false, maxCommissionId: "2292067663" })),
      settings,
      range,
      null,
    );
    expect(result.nextCursor).toBe("2292067663");
  });

  test("a partial return nets against its original and keeps the status", async () => {
    const correction = record({
      commissionId: "2299999999",
      original: false,
      actionStatus: "new",
      correctionReason: "RETURNED_MERCHANDISE",
      postingDate: "2026-10-20T00:00:00Z",
      saleAmountPubCurrency: "-50.00",
      pubCommissionAmountPubCurrency: "-5.00",
      items: [],
    });
    const result = await cjAdapter.fetchReportPage(
      jsonFetch(page([record(), correction])),
      settings,
      range,
      null,
    );
    expect(result.conversions).toHaveLength(1);
    expect(result.conversions[0]).toMatchObject({
      status: "pending",
      saleAmountMinor: 10_000,
      commissionMinor: 1_000,
      lineItems: null,
      updatedAtMs: Date.UTC(2026, 9, 20),
    });
  });

  test("a return of everything is cancelled", async () => {
    const correction = record({
      commissionId: "2299999999",
      original: false,
      actionStatus: "locked",
      correctionReason: "RETURNED_MERCHANDISE",
      postingDate: "2026-10-20T00:00:00Z",
      saleAmountPubCurrency: "-150.00",
      pubCommissionAmountPubCurrency: "-15.00",
      items: [],
    });
    const result = await cjAdapter.fetchReportPage(
      jsonFetch(page([record(), correction])),
      settings,
      range,
      null,
    );
    expect(result.conversions[0]).toMatchObject({
      status: "cancelled",
      saleAmountMinor: 0,
      commissionMinor: 0,
    });
  });

  test("a correction whose original is not on the page is rejected, not guessed", async () => {
    const correction = record({
      original: false,
      correctionReason: "RETURNED_MERCHANDISE",
      saleAmountPubCurrency: "-50.00",
      pubCommissionAmountPubCurrency: "-5.00",
    });
    const result = await cjAdapter.fetchReportPage(
      jsonFetch(page([correction])),
      settings,
      range,
      null,
    );
    expect(result.conversions).toHaveLength(0);
    expect(result.rejected).toEqual([
      { index: 0, orderId: "A-1001", reason: "correction_without_original" },
    ]);
  });

  test("a GraphQL error fails the page", async () => {
    const error = await cjAdapter
      .fetchReportPage(
        jsonFetch({ errors: [{ message: "Not authorized" }] }),
        settings,
        range,
        null,
      )
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: "malformed" });
  });

  test("a bad cursor is refused before any request", async () => {
    const fetcher = jsonFetch({});
    const error = await cjAdapter
      .fetchReportPage(fetcher, settings, range, 'abc"){evil}')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: "bad_cursor" });
    expect(fetcher.requests).toHaveLength(0);
  });
});

test("buildTrackingUrl replaces a static sid", () => {
  expect(
    cjAdapter.buildTrackingUrl(
      "https://www.anrdoezrs.net/click-7654321-13579?sid=x&url={landing_url}",
      { subId: "S1", clickId: "c", landingUrl: "https://s.example/", networkOfferRef: "o" },
      settings,
    ),
  ).toBe("https://www.anrdoezrs.net/click-7654321-13579?url=https%3A%2F%2Fs.example%2F&sid=S1");
});

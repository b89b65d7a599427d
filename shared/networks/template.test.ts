import { describe, expect, test } from "vitest";
import { toHex } from "../crypto/encoding";
import { hmacSha256 } from "../crypto/hmac";
import { templateAdapter } from "./template";
import { TemplateMappingSchema } from "./template-mapping";
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

/** A query-string network: HasOffers-style parameter names, numeric statuses, unix seconds. */
const queryMapping = {
  fields: {
    orderId: { from: "query", name: "transaction_id" },
    subId: { from: "query", name: "aff_sub" },
    status: { from: "query", name: "status" },
    saleAmount: { from: "query", name: "sale_amount" },
    commission: { from: "query", name: "payout" },
    category: { from: "query", name: "category" },
    occurredAt: { from: "query", name: "ts" },
  },
  currency: "INR",
  statusMap: { "1": "pending", "2": "approved", "3": "cancelled", rejected: "cancelled" },
  amountFormat: "decimal",
  timeFormat: "unix_seconds",
  auth: { type: "token", in: "query", name: "secret" },
};

/** A JSON network signing its raw body with HMAC-SHA256. */
const jsonMapping = {
  fields: {
    orderId: { from: "json", path: "order.id" },
    subId: { from: "json", path: "click.ref" },
    status: { from: "json", path: "order.state" },
    currency: { from: "json", path: "order.currency" },
    saleAmount: { from: "json", path: "order.total_minor" },
    commission: { from: "json", path: "commission.amount_minor" },
    occurredAt: { from: "json", path: "order.placed_at" },
    updatedAt: { from: "json", path: "order.updated_at" },
  },
  statusMap: { Open: "pending", Confirmed: "approved", Voided: "cancelled" },
  amountFormat: "minor",
  timeFormat: "iso",
  auth: {
    type: "hmac_sha256",
    header: "x-network-signature",
    message: "raw_body",
    prefix: "sha256=",
  },
  report: {
    url: "https://api.network.example/v1/conversions",
    auth: { type: "header", name: "x-api-key" },
    itemsPath: "data.items",
    nextCursorPath: "data.next",
    fields: {
      orderId: { from: "json", path: "id" },
      subId: { from: "json", path: "ref" },
      status: { from: "json", path: "state" },
      currency: { from: "json", path: "currency" },
      saleAmount: { from: "json", path: "total_minor" },
      commission: { from: "json", path: "commission_minor" },
      occurredAt: { from: "json", path: "placed_at" },
    },
  },
};

const querySettings = settingsFor("hasoffers-like", queryMapping);
const jsonSettings = settingsFor("json-net", jsonMapping, { reportApiToken: "report-key" });

const qp = (over: Record<string, string | undefined> = {}) =>
  Object.fromEntries(
    Object.entries({
      transaction_id: "T-77",
      aff_sub: SUB_ID,
      status: "1",
      sale_amount: "2,499.00",
      payout: "125.50",
      ts: "1795248000",
      secret: SECRET,
      ...over,
    }).filter((e): e is [string, string] => e[1] !== undefined),
  );

const jsonBody = (over: Record<string, unknown> = {}) =>
  JSON.stringify({
    order: {
      id: "ORD-9",
      state: "Confirmed",
      currency: "USD",
      total_minor: 4_999,
      placed_at: "2026-11-20T10:00:00Z",
      updated_at: "2026-11-21T08:00:00Z",
      ...over,
    },
    click: { ref: SUB_ID },
    commission: { amount_minor: 250 },
  });

async function signedJson(raw: string, secret = SECRET) {
  return postRequest(raw, {
    "content-type": "application/json",
    "x-network-signature": `sha256=${toHex(await hmacSha256(secret, raw))}`,
  });
}

describe("template postbacks: query string + token", () => {
  test("maps every field", async () => {
    expect(
      onlyConversion(
        await templateAdapter.parsePostback(getRequest(qp({ category: "fashion" })), querySettings),
      ),
    ).toEqual({
      orderId: "T-77",
      subId: SUB_ID,
      status: "pending",
      currency: "INR",
      saleAmountMinor: 249_900,
      commissionMinor: 12_550,
      lineItems: null,
      category: "fashion",
      occurredAtMs: 1_795_248_000_000 > RECEIVED_AT_MS ? RECEIVED_AT_MS : 1_795_248_000_000,
      updatedAtMs: null,
    });
  });

  test.each([
    { status: "1", want: "pending" },
    { status: "2", want: "approved" },
    { status: "3", want: "cancelled" },
    { status: "REJECTED", want: "cancelled" },
  ])("status $status → $want", async ({ status, want }) => {
    expect(
      onlyConversion(await templateAdapter.parsePostback(getRequest(qp({ status })), querySettings))
        .status,
    ).toBe(want);
  });

  test("no occurredAt mapping means the receipt time", async () => {
    const mapping = { ...queryMapping, fields: { ...queryMapping.fields, occurredAt: undefined } };
    const c = onlyConversion(
      await templateAdapter.parsePostback(getRequest(qp()), settingsFor("n", mapping)),
    );
    expect(c.occurredAtMs).toBe(RECEIVED_AT_MS);
  });

  test("a const status for a network that only reports sales", async () => {
    const mapping = {
      ...queryMapping,
      fields: { ...queryMapping.fields, status: { from: "const", value: "sale" } },
      statusMap: { sale: "pending" },
    };
    expect(
      onlyConversion(
        await templateAdapter.parsePostback(
          getRequest(qp({ status: undefined })),
          settingsFor("n", mapping),
        ),
      ).status,
    ).toBe("pending");
  });

  test.each([
    { label: "wrong token", request: getRequest(qp({ secret: "nope" })), reason: "bad_token" },
    {
      label: "missing token",
      request: getRequest(qp({ secret: undefined })),
      reason: "missing_token",
    },
    {
      label: "token in the wrong case of name",
      request: getRequest(`${new URLSearchParams(qp({ secret: undefined }))}&Secret=${SECRET}`),
      reason: "missing_token",
    },
  ])("auth: $label", async ({ request, reason }) => {
    expect(await templateAdapter.parsePostback(request, querySettings)).toEqual({
      ok: false,
      kind: "auth",
      reason,
    });
  });

  test.each([
    { label: "status not in the map", over: { status: "9" }, path: "status" },
    { label: "prototype key as status", over: { status: "__proto__" }, path: "status" },
    { label: "constructor as status", over: { status: "constructor" }, path: "status" },
    { label: "missing order id", over: { transaction_id: undefined }, path: "orderId" },
    { label: "negative payout", over: { payout: "-1" }, path: "commission" },
    {
      label: "ISO time where unix seconds are mapped",
      over: { ts: "2026-11-20T10:00:00Z" },
      path: "occurredAt",
    },
  ])("malformed: $label", async ({ over, path }) => {
    const result = await templateAdapter.parsePostback(getRequest(qp(over)), querySettings);
    expect(result).toMatchObject({ ok: false, kind: "malformed" });
    expect(fieldPaths(result)).toContain(path);
  });
});

describe("template postbacks: JSON body + HMAC", () => {
  test("maps JSON paths and minor units", async () => {
    const c = onlyConversion(
      await templateAdapter.parsePostback(await signedJson(jsonBody()), jsonSettings),
    );
    expect(c).toMatchObject({
      orderId: "ORD-9",
      status: "approved",
      currency: "USD",
      saleAmountMinor: 4_999,
      commissionMinor: 250,
      occurredAtMs: Date.UTC(2026, 10, 20, 10),
      updatedAtMs: Date.UTC(2026, 10, 21, 8),
    });
  });

  test.each([
    {
      label: "signed with another secret",
      make: () => signedJson(jsonBody(), "other"),
      reason: "bad_signature",
    },
    {
      label: "no signature",
      make: async () => postRequest(jsonBody(), {}),
      reason: "missing_signature",
    },
    {
      label: "body changed after signing",
      make: async () => ({
        ...(await signedJson(jsonBody())),
        rawBody: jsonBody({ total_minor: 1 }),
      }),
      reason: "bad_signature",
    },
  ])("auth: $label", async ({ make, reason }) => {
    expect(await templateAdapter.parsePostback(await make(), jsonSettings)).toEqual({
      ok: false,
      kind: "auth",
      reason,
    });
  });

  test.each([
    {
      label: "decimal where minor units are mapped",
      body: jsonBody({ total_minor: 49.99 }),
      path: "saleAmount",
    },
    {
      label: "amount as an object",
      body: jsonBody({ total_minor: { valueOf: 1 } }),
      path: "saleAmount",
    },
    {
      label: "status differs in case (case-insensitive by default)",
      body: jsonBody({ state: "confirmed" }),
      path: null,
    },
    { label: "not JSON", body: "{", path: "(body)" },
  ])("$label", async ({ body, path }) => {
    const result = await templateAdapter.parsePostback(await signedJson(body), jsonSettings);
    if (path === null) expect(result.ok).toBe(true);
    else expect(fieldPaths(result)).toContain(path);
  });
});

test("template postbacks: IP allowlist auth", async () => {
  const ipOnly = settingsFor("n", {
    ...queryMapping,
    auth: { type: "ip_allowlist", allow: ["203.0.113.0/24"] },
  });
  expect(
    (await templateAdapter.parsePostback(getRequest(qp({ secret: undefined })), ipOnly)).ok,
  ).toBe(true);
  expect(
    await templateAdapter.parsePostback(getRequest(qp(), { sourceIp: "198.51.100.1" }), ipOnly),
  ).toEqual({ ok: false, kind: "auth", reason: "ip_not_allowed" });
});

test("template postbacks: HMAC over the query string in a header", async () => {
  const mapping = {
    ...queryMapping,
    auth: { type: "hmac_sha256", header: "x-sig", message: "query_string" },
  };
  const qs = new URLSearchParams(qp({ secret: undefined })).toString();
  const good = getRequest(qs, { headers: { "x-sig": toHex(await hmacSha256(SECRET, qs)) } });
  expect((await templateAdapter.parsePostback(good, settingsFor("n", mapping))).ok).toBe(true);
  const tampered = { ...good, url: good.url.replace("transaction_id=T-77", "transaction_id=T-78") };
  expect((await templateAdapter.parsePostback(tampered, settingsFor("n", mapping))).ok).toBe(false);
});

test("a mapping that does not validate is a misconfiguration", async () => {
  const result = await templateAdapter.parsePostback(
    getRequest(qp()),
    settingsFor("n", { ...queryMapping, amountFormat: "cents" }),
  );
  expect(result).toMatchObject({ ok: false, kind: "auth" });
  if (!result.ok) expect(result.reason).toMatch(/^misconfigured: options\.amountFormat/);
});

describe("template report", () => {
  const range = { fromMs: Date.UTC(2026, 10, 1), toMs: Date.UTC(2026, 10, 2) };
  const item = (over: Record<string, unknown> = {}) => ({
    id: "ORD-9",
    ref: SUB_ID,
    state: "Open",
    currency: "USD",
    total_minor: 4_999,
    commission_minor: 250,
    placed_at: "2026-11-01T10:00:00Z",
    ...over,
  });

  test("builds the request from the mapping and maps records", async () => {
    const fetcher = jsonFetch({
      data: {
        items: [item(), item({ id: "ORD-10", state: "Voided" }), item({ id: "BAD", state: "??" })],
        next: "p2",
      },
    });
    const page = await templateAdapter.fetchReportPage(fetcher, jsonSettings, range, null);
    expect(fetcher.requests[0]?.url).toBe(
      "https://api.network.example/v1/conversions?from=2026-11-01T00%3A00%3A00Z&to=2026-11-02T00%3A00%3A00Z",
    );
    expect(fetcher.requests[0]?.headers.get("x-api-key")).toBe("report-key");
    expect(page.conversions.map((c) => [c.orderId, c.status])).toEqual([
      ["ORD-9", "pending"],
      ["ORD-10", "cancelled"],
    ]);
    expect(page.rejected).toMatchObject([{ index: 2, orderId: "BAD" }]);
    expect(page.nextCursor).toBe("p2");
  });

  test("a mapping without a report section has no report", async () => {
    const error = await templateAdapter
      .fetchReportPage(jsonFetch({}), querySettings, range, null)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: "not_supported" });
  });
});

describe("TemplateMappingSchema", () => {
  test("accepts both examples", () => {
    expect(TemplateMappingSchema.safeParse(queryMapping).success).toBe(true);
    expect(TemplateMappingSchema.safeParse(jsonMapping).success).toBe(true);
  });

  test("the full example in docs/networks.md validates", () => {
    const docsExample = {
      fields: {
        orderId: { from: "query", name: "txn" },
        subId: { from: "query", name: "aff_sub" },
        status: { from: "query", name: "st" },
        currency: { from: "query", name: "cur" },
        saleAmount: { from: "query", name: "amt" },
        commission: { from: "query", name: "pay" },
        category: { from: "query", name: "cat" },
        occurredAt: { from: "query", name: "ts" },
      },
      currency: "INR",
      statusMap: { "1": "pending", "2": "approved", "3": "cancelled", rejected: "cancelled" },
      amountFormat: "decimal",
      timeFormat: "unix_seconds",
      auth: { type: "token", in: "query", name: "key", ipAllowlist: ["198.51.100.0/24"] },
      report: {
        url: "https://api.shopnet.example/v2/conversions",
        fromParam: "since",
        toParam: "until",
        cursorParam: "page_token",
        timeFormat: "unix_seconds",
        auth: { type: "header", name: "x-api-key" },
        itemsPath: "data.rows",
        nextCursorPath: "data.next_page_token",
        fields: {
          orderId: { from: "json", path: "order_ref" },
          subId: { from: "json", path: "click.aff_sub" },
          status: { from: "json", path: "state" },
          currency: { from: "json", path: "currency" },
          saleAmount: { from: "json", path: "amounts.sale" },
          commission: { from: "json", path: "amounts.payout" },
          occurredAt: { from: "json", path: "created" },
        },
      },
    };
    expect(TemplateMappingSchema.safeParse(docsExample).success).toBe(true);
  });

  test("tolerates merchant sync's feedUrl beside the mapping", () => {
    expect(
      TemplateMappingSchema.safeParse({ ...queryMapping, feedUrl: "https://net.example/feed" })
        .success,
    ).toBe(true);
  });

  test.each([
    { label: "no currency anywhere", change: { currency: undefined } },
    {
      label: "a prototype path",
      change: {
        fields: { ...queryMapping.fields, orderId: { from: "json", path: "a.__proto__" } },
      },
    },
    {
      label: "a __proto__ status key",
      change: { statusMap: JSON.parse('{"__proto__":"approved","1":"pending"}') },
    },
    {
      label: "keys differing only in case",
      change: { statusMap: { ok: "approved", OK: "cancelled" } },
    },
    { label: "an empty status map", change: { statusMap: {} } },
    { label: "an unknown status value", change: { statusMap: { "1": "paid" } } },
    { label: "an unknown field", change: { extra: true } },
    {
      label: "an IP allowlist without entries",
      change: { auth: { type: "ip_allowlist", allow: [] } },
    },
    {
      label: "a bad IP",
      change: { auth: { type: "token", in: "query", name: "s", ipAllowlist: ["1.2.3.999"] } },
    },
    {
      label: "a report field from the query",
      change: {
        report: {
          ...jsonMapping.report,
          fields: { ...jsonMapping.report.fields, orderId: { from: "query", name: "x" } },
        },
      },
    },
    {
      label: "a report without occurredAt",
      change: {
        report: {
          ...jsonMapping.report,
          fields: { ...jsonMapping.report.fields, occurredAt: undefined },
        },
      },
    },
  ])("refuses $label", ({ change }) => {
    expect(TemplateMappingSchema.safeParse({ ...queryMapping, ...change }).success).toBe(false);
  });
});

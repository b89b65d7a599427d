import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { toHex } from "../crypto/encoding";
import { hmacSha256 } from "../crypto/hmac";
import { parseTemplateReport, templateAdapter } from "./template";
import {
  decimalText,
  deepJsonText,
  hostileJson,
  hostileQuery,
  hostileString,
  sourceIp,
} from "./testing/arbitraries";
import {
  expectValidConversion,
  expectWellFormedParse,
  getRequest,
  postRequest,
  SECRET,
  SUB_ID,
  settingsFor,
} from "./testing/fixtures";

const queryMapping = {
  fields: {
    orderId: { from: "query", name: "txn" },
    subId: { from: "query", name: "sub" },
    status: { from: "query", name: "st" },
    currency: { from: "query", name: "cur" },
    saleAmount: { from: "query", name: "sale" },
    commission: { from: "query", name: "pay" },
    occurredAt: { from: "query", name: "ts" },
  },
  currency: "INR",
  statusMap: { p: "pending", a: "approved", c: "cancelled" },
  amountFormat: "decimal",
  timeFormat: "unix_seconds",
  auth: { type: "token", in: "query", name: "key" },
};

const jsonMapping = {
  fields: {
    orderId: { from: "json", path: "o.id" },
    subId: { from: "json", path: "o.sub" },
    status: { from: "json", path: "o.st" },
    saleAmount: { from: "json", path: "o.items[0].amt" },
    commission: { from: "json", path: "o.pay" },
    occurredAt: { from: "json", path: "o.at" },
  },
  currency: "USD",
  statusMap: { p: "pending", a: "approved", c: "cancelled" },
  amountFormat: "minor",
  timeFormat: "iso",
  auth: { type: "hmac_sha256", header: "x-sig", message: "raw_body" },
  report: {
    url: "https://r.example/x",
    auth: { type: "bearer" },
    itemsPath: "rows",
    nextCursorPath: "next",
    fields: {
      orderId: { from: "json", path: "id" },
      status: { from: "json", path: "st" },
      saleAmount: { from: "json", path: "amt" },
      commission: { from: "json", path: "pay" },
      occurredAt: { from: "json", path: "at" },
    },
  },
};

const goodQuery = fc.record({
  txn: fc.stringMatching(/^[A-Za-z0-9]{1,12}$/),
  sub: fc.constant(SUB_ID),
  st: fc.constantFrom("p", "a", "c"),
  sale: decimalText,
  pay: decimalText,
  ts: fc.integer({ min: 1_000_000_000, max: 1_790_000_000 }).map(String),
});

describe("template parsePostback properties", () => {
  test("query network: hostile parameters never throw; ok conversions are valid", async () => {
    let okCount = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          goodQuery.map((p) => new URLSearchParams(p).toString()),
          hostileQuery(["txn", "sub", "st", "cur", "sale", "pay", "ts"]),
        ),
        sourceIp,
        async (query, ip) => {
          const result = await templateAdapter.parsePostback(
            getRequest(`${query}&key=${SECRET}`, { sourceIp: ip }),
            settingsFor("t", queryMapping),
          );
          expectWellFormedParse(result);
          if (result.ok) okCount++;
        },
      ),
      { numRuns: 300 },
    );
    expect(okCount).toBeGreaterThan(0);
  });

  test("JSON network: signed hostile bodies (deep, prototype keys, huge numbers) never throw", async () => {
    const body = fc.oneof(
      hostileJson.map((j) => JSON.stringify(j) ?? "null"),
      hostileJson.map((j) => JSON.stringify({ o: j })),
      fc
        .record({
          o: fc.record({
            id: hostileString,
            st: fc.constantFrom("p", "a", "c", "__proto__"),
            items: fc.array(fc.record({ amt: hostileJson })),
            pay: hostileJson,
            at: hostileString,
          }),
        })
        .map((o) => JSON.stringify(o)),
      fc.integer({ min: 1, max: 5_000 }).map(deepJsonText),
    );
    await fc.assert(
      fc.asyncProperty(body, async (raw) => {
        const request = postRequest(raw, { "x-sig": toHex(await hmacSha256(SECRET, raw)) });
        expectWellFormedParse(
          await templateAdapter.parsePostback(request, settingsFor("t", jsonMapping)),
        );
      }),
      { numRuns: 300 },
    );
  });

  test("hostile mappings never throw and never let an unauthenticated postback through", async () => {
    await fc.assert(
      fc.asyncProperty(hostileJson, goodQuery, async (options, query) => {
        const settings = settingsFor(
          "t",
          (typeof options === "object" && options !== null ? options : { options }) as Record<
            string,
            unknown
          >,
        );
        const result = await templateAdapter.parsePostback(getRequest(query), settings);
        expectWellFormedParse(result);
        expect(result.ok).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  test("bad auth never yields ok", async () => {
    await fc.assert(
      fc.asyncProperty(
        goodQuery,
        fc.option(hostileString.filter((k) => k !== SECRET)),
        async (query, key) => {
          const request = getRequest(key === null ? query : { ...query, key });
          expect(
            (await templateAdapter.parsePostback(request, settingsFor("t", queryMapping))).ok,
          ).toBe(false);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("template report properties", () => {
  test("any JSON parses to a value; ok pages hold valid conversions", () => {
    const row = fc.record({
      id: hostileString,
      st: fc.constantFrom("p", "a", "c", "x"),
      amt: fc.oneof(fc.nat(), hostileJson),
      pay: fc.oneof(fc.nat(), hostileJson),
      at: fc.oneof(fc.constant("2026-01-01T00:00:00Z"), hostileString),
    });
    fc.assert(
      fc.property(
        fc.oneof(
          hostileJson,
          fc.record({
            rows: fc.array(fc.oneof(row, hostileJson), { maxLength: 6 }),
            next: fc.oneof(fc.constant(null), hostileJson),
          }),
        ),
        (json) => {
          const parsed = parseTemplateReport(json, settingsFor("t", jsonMapping), null);
          if (parsed.ok) for (const c of parsed.page.conversions) expectValidConversion(c);
          else expect(typeof parsed.reason).toBe("string");
        },
      ),
      { numRuns: 400 },
    );
  });
});

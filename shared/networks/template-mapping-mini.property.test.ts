import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { parseOutcome } from "../validate/testing/parse-outcome";
import { readOptions } from "./core/read-options";
import { TemplateMappingSchema } from "./template-mapping";
import { TemplateMappingMiniSchema } from "./template-mapping-mini";

/**
 * The postback worker's zod/mini template mapping against the classic `TemplateMappingSchema`
 * the api saves networks with: the same verdict, the same value (defaults included), the same
 * issues (path, code, message, in order), and so the same `readOptions` result (its
 * `misconfigured: options.<path>: <message>` reason is what a rejected postback records).
 */
const RUNS = { numRuns: 3_000 };

const junk = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom("", null, true, 0, -1, 1.5, "__proto__", "constructor", "a..b", "A"),
);
/** Mostly a plausible value, sometimes junk. */
const or = <T>(arb: fc.Arbitrary<T>, junkWeight = 1) =>
  fc.oneof({ weight: 8, arbitrary: arb }, { weight: junkWeight, arbitrary: junk });

const paramName = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9_.\-[\]]{1,8}$/),
  fc.constantFrom("", "bad name", "x".repeat(65)),
);
const jsonPath = fc.oneof(
  fc.constantFrom("order.id", "items[0].sku", "a", "sale.amount", "t"),
  fc.constantFrom("a.__proto__.b", "", "a..b", "constructor"),
);
const headerName = fc.oneof(
  fc.stringMatching(/^[a-z0-9-]{1,10}$/),
  fc.constantFrom("X-Sig", "", "x sig"),
);
const source = or(
  fc.oneof(
    fc.record({ from: fc.constant("query"), name: paramName }),
    fc.record({ from: fc.constant("form"), name: paramName }),
    fc.record({ from: fc.constant("json"), path: jsonPath }),
    fc.record({ from: fc.constant("const"), value: fc.string({ maxLength: 130 }) }),
    fc.record({ from: fc.constant("query"), name: paramName, extra: junk }),
    fc.record({ from: fc.constantFrom("header", "const"), path: jsonPath }),
  ),
);
const fields = or(
  fc.record(
    {
      orderId: source,
      subId: source,
      status: source,
      currency: source,
      saleAmount: source,
      commission: source,
      category: source,
      occurredAt: source,
      updatedAt: source,
      networkOfferRef: source,
      typo: junk,
    },
    { requiredKeys: ["orderId", "status", "saleAmount", "commission"] },
  ),
);
const ip = fc.oneof(
  fc.ipV4(),
  fc.ipV6(),
  fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 40 })).map(([a, p]) => `${a}/${p}`),
  fc.constantFrom("203.0.113.256", "x", "2001:db8::/129"),
);
const allowlist = or(fc.array(or(ip), { maxLength: 3 }));
const auth = or(
  fc.oneof(
    fc.record(
      {
        type: fc.constant("token"),
        in: or(fc.constantFrom("query", "form", "header", "cookie")),
        name: paramName,
        ipAllowlist: allowlist,
      },
      { requiredKeys: ["type", "in", "name"] },
    ),
    fc.record(
      {
        type: fc.constant("hmac_sha256"),
        header: headerName,
        message: or(fc.constantFrom("raw_body", "query_string", "both")),
        prefix: or(fc.string({ minLength: 14, maxLength: 18 })),
        ipAllowlist: allowlist,
      },
      { requiredKeys: ["type", "header", "message"] },
    ),
    fc.record({ type: fc.constant("ip_allowlist"), allow: allowlist }),
    fc.record({ type: fc.constantFrom("basic", "bearer") }),
  ),
);
const statusKey = fc.oneof(
  fc.constantFrom("approved", "Approved", "APPROVED", "pending", "declined", "1", "2"),
  fc.constantFrom("", "x".repeat(65)),
);
const statusMap = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.dictionary(
      statusKey,
      or(fc.constantFrom("pending", "approved", "cancelled", "paid")),
      { maxKeys: 5 },
    ),
  },
  { weight: 1, arbitrary: fc.constant(JSON.parse('{"__proto__":"approved"}') as unknown) },
  { weight: 1, arbitrary: fc.constant({ constructor: "approved" }) },
  { weight: 1, arbitrary: junk },
);
const timestamp = or(
  fc.record(
    {
      source: or(
        fc.oneof(
          fc.record({ from: fc.constant("query"), name: paramName }),
          fc.record({ from: fc.constant("json"), path: jsonPath }),
          fc.record({ from: fc.constant("const"), value: fc.constant("1") }),
        ),
      ),
      format: or(fc.constantFrom("unix_seconds", "iso", "ms")),
    },
    { requiredKeys: ["source"] },
  ),
);
const report = or(
  fc.record(
    {
      url: or(fc.oneof(fc.webUrl(), fc.constantFrom("ftp://x.example", "not a url"))),
      fromParam: paramName,
      toParam: paramName,
      cursorParam: paramName,
      timeFormat: or(fc.constantFrom("iso", "unix_seconds", "ms")),
      auth: or(
        fc.oneof(
          fc.record({ type: fc.constant("bearer") }),
          fc.record({ type: fc.constant("header"), name: headerName }),
          fc.record({ type: fc.constant("query"), name: paramName }),
          fc.record({ type: fc.constant("bearer"), name: paramName }),
        ),
      ),
      itemsPath: jsonPath,
      nextCursorPath: jsonPath,
      fields,
    },
    { requiredKeys: ["url", "auth", "itemsPath", "fields"] },
  ),
);
/** Mappings that mostly validate (the random ones above rarely do), with a field or two off. */
const goodSource = (from: "query" | "json") =>
  from === "query"
    ? fc.record({ from: fc.constant("query"), name: fc.constantFrom("oid", "sid", "st", "amt") })
    : fc.record({ from: fc.constant("json"), path: fc.constantFrom("order.id", "sale.amount") });
const goodMapping = fc.constantFrom<"query" | "json">("query", "json").chain((from) =>
  fc.record(
    {
      fields: fc.record(
        {
          orderId: goodSource(from),
          subId: goodSource(from),
          status: goodSource(from),
          currency: goodSource(from),
          saleAmount: goodSource(from),
          commission: fc.oneof(goodSource(from), fc.constant({ from: "const", value: "0" })),
          occurredAt: goodSource(from),
        },
        { requiredKeys: ["orderId", "status", "saleAmount", "commission"] },
      ),
      currency: fc.constantFrom("INR", "USD"),
      statusMap: fc.constantFrom(
        { approved: "approved", pending: "pending" },
        { A: "approved", a: "cancelled" },
        { A: "approved", a: "approved" },
      ),
      statusCaseSensitive: fc.boolean(),
      amountFormat: fc.constantFrom("decimal", "minor"),
      timeFormat: fc.constantFrom("iso", "unix_seconds"),
      auth: fc.oneof(
        fc.constant({ type: "token", in: "query", name: "key" }),
        fc.constant({
          type: "hmac_sha256",
          header: "x-sig",
          message: from === "query" ? "query_string" : "raw_body",
        }),
        fc.constant({ type: "hmac_sha256", header: "x-sig", message: "raw_body" }),
        fc.constant({ type: "ip_allowlist", allow: ["203.0.113.0/24"] }),
      ),
      timestamp: fc.record({ source: goodSource(from) }),
      report: fc.record(
        {
          url: fc.constant("https://net.example/report"),
          auth: fc.constant({ type: "bearer" }),
          itemsPath: fc.constant("items"),
          fields: fc.record(
            {
              orderId: goodSource("json"),
              status: goodSource(from),
              saleAmount: goodSource("json"),
              commission: goodSource("json"),
              occurredAt: goodSource("json"),
            },
            { requiredKeys: ["orderId", "status", "saleAmount", "commission"] },
          ),
        },
        { requiredKeys: ["url", "auth", "itemsPath", "fields"] },
      ),
      offerMismatch: fc.constantFrom("reject", "reprice"),
    },
    { requiredKeys: ["fields", "statusMap", "amountFormat", "timeFormat", "auth"] },
  ),
);

const mapping = fc.oneof(
  { weight: 8, arbitrary: goodMapping },
  {
    weight: 12,
    arbitrary: fc.record(
      {
        fields,
        currency: or(fc.constantFrom("INR", "USD", "usd", "EURO")),
        statusMap,
        statusCaseSensitive: or(fc.boolean()),
        amountFormat: or(fc.constantFrom("decimal", "minor", "cents")),
        timeFormat: or(fc.constantFrom("iso", "unix_seconds", "ms")),
        auth,
        timestamp,
        report,
        feedUrl: or(fc.webUrl()),
        confirmationPolicy: or(fc.constantFrom("return_window", "network_approval", "both", "x")),
        maxFeedRateBps: or(fc.integer({ min: -1, max: 10_001 })),
        offerMismatch: or(fc.constantFrom("reject", "reprice", "maybe")),
        typo: junk,
      },
      { requiredKeys: ["fields", "statusMap", "amountFormat", "timeFormat", "auth"] },
    ),
  },
  { weight: 1, arbitrary: junk },
);

describe("TemplateMappingMiniSchema ≡ TemplateMappingSchema", () => {
  test("verdict, value, issues and readOptions", () => {
    fc.assert(
      fc.property(mapping, (v) => {
        expect(parseOutcome(TemplateMappingMiniSchema, v)).toEqual(
          parseOutcome(TemplateMappingSchema, v),
        );
        expect(readOptions(TemplateMappingMiniSchema, v)).toEqual(
          readOptions(TemplateMappingSchema as never, v),
        );
      }),
      RUNS,
    );
  });

  test("the arbitrary reaches both verdicts and the cross-field checks", () => {
    const samples = fc.sample(mapping, 3_000).map((v) => parseOutcome(TemplateMappingSchema, v));
    expect(samples.filter((s) => s.ok).length).toBeGreaterThan(20);
    const messages = new Set(
      samples.flatMap((s) => (s.ok ? [] : (s.issues ?? []).map((i) => i.message))),
    );
    for (const expected of [
      "set fields.currency or a fixed currency",
      "differs only in case from another key",
      "reports need occurredAt",
      "__proto__, constructor and prototype are reserved keys",
    ]) {
      expect(messages).toContain(expected);
    }
    expect([...messages].some((m) => m.includes("the signature must cover every part"))).toBe(true);
  });
});

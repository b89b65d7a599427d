import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  decimalText,
  hostileJson,
  hostileQuery,
  hostileString,
  isoText,
  mixedRecord,
  sourceIp,
} from "../testing/arbitraries";
import {
  expectValidConversion,
  expectWellFormedParse,
  getRequest,
  SECRET,
  SUB_ID,
  settingsFor,
} from "../testing/fixtures";
import { cjAdapter } from ".";
import { parseCjReport } from "./report";

const settings = settingsFor("cj-us", {});
const NAMES = [
  "sid",
  "shopperId",
  "orderId",
  "originalActionId",
  "actionStatus",
  "original",
  "saleAmount",
  "commissionAmount",
  "currency",
  "eventDate",
  "postingDate",
  "correctionReason",
];

const goodParams = fc.record({
  sid: fc.constant(SUB_ID),
  orderId: fc.stringMatching(/^[A-Za-z0-9-]{1,16}$/),
  actionStatus: fc.constantFrom("new", "extended", "locked", "closed", "corrected"),
  original: fc.constantFrom("true", "false"),
  saleAmount: decimalText,
  commissionAmount: decimalText,
  eventDate: isoText,
});

describe("cj parsePostback properties", () => {
  test("hostile parameters with a valid token never throw; ok conversions are valid", async () => {
    let okCount = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          goodParams.map((p) => new URLSearchParams(p).toString()),
          hostileQuery(NAMES),
        ),
        fc.oneof(
          goodParams.map((p) => new URLSearchParams(p).toString()),
          fc.constant(""),
        ),
        sourceIp,
        async (query, extra, ip) => {
          const qs = [query, extra, `token=${SECRET}`].filter(Boolean).join("&");
          const result = await cjAdapter.parsePostback(getRequest(qs, { sourceIp: ip }), settings);
          expectWellFormedParse(result);
          if (result.ok) okCount++;
        },
      ),
      { numRuns: 300 },
    );
    expect(okCount).toBeGreaterThan(0);
  });

  test("a wrong or missing token never yields ok", async () => {
    await fc.assert(
      fc.asyncProperty(
        goodParams,
        fc.option(hostileString.filter((t) => t !== SECRET)),
        async (p, token) => {
          expect(
            (
              await cjAdapter.parsePostback(
                getRequest(token === null ? p : { ...p, token }),
                settings,
              )
            ).ok,
          ).toBe(false);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("cj report properties", () => {
  const record = mixedRecord({
    commissionId: fc.stringMatching(/^[0-9]{1,10}$/),
    orderId: fc.constantFrom("A-1", "A-2", "A-3"),
    original: fc.boolean(),
    actionStatus: fc.constantFrom("new", "extended", "locked", "closed"),
    eventDate: isoText,
    postingDate: isoText,
    saleAmountPubCurrency: fc.oneof(
      decimalText,
      decimalText.map((d) => `-${d}`),
    ),
    pubCommissionAmountPubCurrency: fc.oneof(
      decimalText,
      decimalText.map((d) => `-${d}`),
    ),
    shopperId: fc.constant(SUB_ID),
    items: fc.array(
      mixedRecord({
        sku: fc.string(),
        quantity: fc.integer({ min: 1, max: 3 }),
        perItemSaleAmountPubCurrency: decimalText,
        totalCommissionPubCurrency: decimalText,
      }),
      { maxLength: 2 },
    ),
  });

  test("any JSON parses to a value; ok pages hold valid conversions, one per order", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          hostileJson,
          fc.record({
            data: fc.record({
              publisherCommissions: fc.record({
                payloadComplete: fc.oneof(fc.boolean(), hostileJson),
                maxCommissionId: fc.oneof(fc.constant("123"), hostileJson),
                records: fc.array(fc.oneof(record, hostileJson), { maxLength: 8 }),
              }),
            }),
          }),
        ),
        (json) => {
          const parsed = parseCjReport(json, settings, null);
          if (parsed.ok) {
            for (const c of parsed.page.conversions) expectValidConversion(c);
            const ids = parsed.page.conversions.map((c) => c.orderId);
            expect(new Set(ids).size).toBe(ids.length);
          } else {
            expect(typeof parsed.reason).toBe("string");
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});

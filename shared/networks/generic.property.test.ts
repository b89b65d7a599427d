import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { signPostback } from "../postback/signature";
import { genericAdapter, parseGenericReport } from "./generic";
import { hostileJson, hostileString, isoText, mixedRecord, sourceIp } from "./testing/arbitraries";
import {
  expectValidConversion,
  expectWellFormedParse,
  postRequest,
  RECEIVED_AT_MS,
  SECRET,
  SUB_ID,
  settingsFor,
} from "./testing/fixtures";

const NETWORK = "demo-network";
const settings = settingsFor(NETWORK, {});
const T = Math.floor(RECEIVED_AT_MS / 1000);

const genericRecord = mixedRecord({
  order_id: fc.stringMatching(/^[A-Za-z0-9-]{1,20}$/),
  sub_id: fc.constant(SUB_ID),
  status: fc.constantFrom("pending", "approved", "cancelled"),
  currency: fc.constantFrom("INR", "USD", "JPY"),
  sale_amount_minor: fc.integer({ min: 0, max: 1e12 }),
  commission_minor: fc.integer({ min: 0, max: 1e12 }),
  category: fc.option(fc.string({ minLength: 1, maxLength: 64 })),
  occurred_at: isoText,
  updated_at: isoText,
  line_items: fc.array(
    mixedRecord({
      amount_minor: fc.nat(),
      quantity: fc.integer({ min: 1, max: 5 }),
      sku: fc.string(),
    }),
    { maxLength: 3 },
  ),
});

describe("generic parsePostback properties", () => {
  test("signed hostile bodies never throw; ok conversions are valid", async () => {
    let okCount = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          genericRecord.map((r) => JSON.stringify(r)),
          hostileJson.map((j) => JSON.stringify(j) ?? ""),
          hostileString,
        ),
        sourceIp,
        async (raw, ip) => {
          const header = await signPostback(SECRET, NETWORK, raw, T);
          const result = await genericAdapter.parsePostback(
            postRequest(raw, { "boomerang-signature": header }, { sourceIp: ip }),
            settings,
          );
          expectWellFormedParse(result);
          if (result.ok) okCount++;
        },
      ),
      { numRuns: 300 },
    );
    expect(okCount).toBeGreaterThan(0);
  });

  test("bad auth never yields ok", async () => {
    await fc.assert(
      fc.asyncProperty(
        genericRecord.map((r) => JSON.stringify(r)),
        fc.oneof(
          fc.constant(null),
          hostileString,
          fc.string().map((s) => `t=${T},v1=${s}`),
          fc.constant(`t=${T - 10_000},v1=${"0".repeat(64)}`),
        ),
        fc.string({ minLength: 1 }).filter((s) => s !== SECRET),
        async (raw, header, wrongSecret) => {
          const headers: Record<string, string> =
            header === null ? {} : { "boomerang-signature": header };
          expect((await genericAdapter.parsePostback(postRequest(raw, headers), settings)).ok).toBe(
            false,
          );
          const forged = await signPostback(wrongSecret, NETWORK, raw, T);
          expect(
            (
              await genericAdapter.parsePostback(
                postRequest(raw, { "boomerang-signature": forged }),
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

describe("generic report properties", () => {
  test("any JSON parses to a value; ok pages hold valid conversions", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          hostileJson,
          fc.record({
            conversions: fc.array(fc.oneof(genericRecord, hostileJson), { maxLength: 6 }),
            next_cursor: fc.option(hostileString),
          }),
        ),
        fc.option(hostileString),
        (json, cursor) => {
          const parsed = parseGenericReport(json, cursor);
          if (parsed.ok) {
            for (const c of parsed.page.conversions) expectValidConversion(c);
            expect(
              parsed.page.nextCursor === null || typeof parsed.page.nextCursor === "string",
            ).toBe(true);
            expect(parsed.page.nextCursor === null || parsed.page.nextCursor !== cursor).toBe(true);
          } else {
            expect(typeof parsed.reason).toBe("string");
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});

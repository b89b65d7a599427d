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
import { impactAdapter } from ".";
import { parseImpactReport } from "./report";

const settings = settingsFor("impact-us", {});
const NAMES = [
  "SubId1",
  "Oid",
  "ActionId",
  "ActionStatus",
  "Status",
  "Amount",
  "Payout",
  "Currency",
  "EventDate",
  "DeltaAmount",
  "DeltaPayout",
  "UpdateDate",
];

const goodParams = fc.record({
  SubId1: fc.constant(SUB_ID),
  Oid: fc.stringMatching(/^[A-Za-z0-9.]{1,16}$/),
  ActionStatus: fc.constantFrom("PENDING", "APPROVED", "REVERSED"),
  Amount: decimalText,
  Payout: decimalText,
  Currency: fc.constantFrom("USD", "EUR", "JPY"),
  EventDate: isoText,
});

describe("impact parsePostback properties", () => {
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
          const result = await impactAdapter.parsePostback(
            getRequest(qs, { sourceIp: ip }),
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

  test("a wrong or missing token never yields ok", async () => {
    await fc.assert(
      fc.asyncProperty(
        goodParams,
        fc.option(hostileString.filter((t) => t !== SECRET)),
        async (p, token) => {
          const request = getRequest(token === null ? p : { ...p, token });
          expect((await impactAdapter.parsePostback(request, settings)).ok).toBe(false);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("impact report properties", () => {
  const action = mixedRecord({
    Id: fc.stringMatching(/^[0-9.]{1,16}$/),
    Oid: fc.stringMatching(/^[A-Za-z0-9]{1,12}$/),
    State: fc.constantFrom("PENDING", "APPROVED", "REVERSED"),
    Amount: decimalText,
    Payout: decimalText,
    Currency: fc.constantFrom("USD", "GBP"),
    EventDate: isoText,
    SubId1: fc.constant(SUB_ID),
    DeltaAmount: fc.constantFrom("-1.00", "0", "2.50"),
  });

  test("any JSON parses to a value; ok pages hold valid conversions", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          hostileJson,
          fc.record({
            "@page": fc.constant("1"),
            "@numpages": fc.oneof(fc.constantFrom("1", "2"), hostileJson),
            Actions: fc.array(fc.oneof(action, hostileJson), { maxLength: 6 }),
          }),
        ),
        (json) => {
          const parsed = parseImpactReport(json, null);
          if (parsed.ok) for (const c of parsed.page.conversions) expectValidConversion(c);
          else expect(typeof parsed.reason).toBe("string");
        },
      ),
      { numRuns: 400 },
    );
  });
});

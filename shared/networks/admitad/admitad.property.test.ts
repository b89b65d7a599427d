import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { decimalText, hostileJson, mixedRecord } from "../testing/arbitraries";
import { getRequest, SECRET, SUB_ID, settingsFor } from "../testing/fixtures";
import {
  expectHostileQueriesWellFormed,
  expectReportParseTotal,
  type TokenPostbackCase,
  wrongToken,
} from "../testing/properties";
import { admitadAdapter } from ".";
import { parseAdmitadReport } from "./report";

const settings = settingsFor("admitad-in", {});
const NAMES = [
  "subid",
  "order_id",
  "action_id",
  "order_sum",
  "payment_sum",
  "currency",
  "payment_status",
  "status",
  "time",
  "action_date",
  "type",
  "status_updated",
];

const goodParams = fc.record({
  subid: fc.constant(SUB_ID),
  order_id: fc.stringMatching(/^[A-Za-z0-9-]{1,16}$/),
  order_sum: decimalText,
  payment_sum: decimalText,
  currency: fc.constantFrom("INR", "USD", "JPY", "KWD"),
  payment_status: fc.constantFrom("pending", "approved", "approved_but_stalled", "declined"),
  time: fc.integer({ min: 1_000_000_000, max: 4_000_000_000 }).map(String),
});
const postback: TokenPostbackCase = { adapter: admitadAdapter, settings, goodParams, names: NAMES };

describe("admitad parsePostback properties", () => {
  test("hostile parameters with a valid token never throw; ok conversions are valid", () =>
    expectHostileQueriesWellFormed(postback));

  test("a wrong or missing token, or a wrong IP, never yields ok", async () => {
    const strict = settingsFor("admitad-in", { ipAllowlist: ["203.0.113.0/24"] });
    await fc.assert(
      fc.asyncProperty(
        goodParams,
        wrongToken,
        fc.ipV4().filter((ip) => !ip.startsWith("203.0.113.")),
        async (p, token, ip) => {
          const withToken = token === null ? p : { ...p, token };
          expect((await admitadAdapter.parsePostback(getRequest(withToken), settings)).ok).toBe(
            false,
          );
          expect(
            (
              await admitadAdapter.parsePostback(
                getRequest({ ...p, token: SECRET }, { sourceIp: ip }),
                strict,
              )
            ).ok,
          ).toBe(false);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("admitad report properties", () => {
  const row = mixedRecord({
    action_id: fc.nat(),
    order_id: fc.stringMatching(/^[0-9]{1,10}$/),
    status: fc.constantFrom("pending", "approved", "declined", "approved_but_stalled"),
    cart: decimalText,
    payment: fc.oneof(decimalText, fc.double({ min: 0, max: 1e6, noNaN: true })),
    currency: fc.constantFrom("INR", "USD"),
    action_date: fc.constantFrom("2026-10-30 19:54:34", "2011-02-22 19:54:34"),
    subid: fc.constant(SUB_ID),
  });

  test("any JSON parses to a value; ok pages hold valid conversions", () =>
    expectReportParseTotal(
      fc.record({
        results: fc.array(fc.oneof(row, hostileJson), { maxLength: 6 }),
        _meta: fc.record({ count: fc.oneof(fc.nat(20), hostileJson), offset: fc.constant(0) }),
      }),
      (json) => parseAdmitadReport(json, settings, null),
    ));
});

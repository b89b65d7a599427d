import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { decimalText, hostileJson, isoText, mixedRecord } from "../testing/arbitraries";
import { SUB_ID, settingsFor } from "../testing/fixtures";
import {
  expectHostileQueriesWellFormed,
  expectReportParseTotal,
  expectWrongTokenRefused,
  type TokenPostbackCase,
} from "../testing/properties";
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
const postback: TokenPostbackCase = { adapter: cjAdapter, settings, goodParams, names: NAMES };

describe("cj parsePostback properties", () => {
  test("hostile parameters with a valid token never throw; ok conversions are valid", () =>
    expectHostileQueriesWellFormed(postback));

  test("a wrong or missing token never yields ok", () => expectWrongTokenRefused(postback));
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

  test("any JSON parses to a value; ok pages hold valid conversions, one per order", () =>
    expectReportParseTotal(
      fc.record({
        data: fc.record({
          publisherCommissions: fc.record({
            payloadComplete: fc.oneof(fc.boolean(), hostileJson),
            maxCommissionId: fc.oneof(fc.constant("123"), hostileJson),
            records: fc.array(fc.oneof(record, hostileJson), { maxLength: 8 }),
          }),
        }),
      }),
      (json) => parseCjReport(json, settings, null),
      (page) => {
        const ids = page.conversions.map((c) => c.orderId);
        expect(new Set(ids).size).toBe(ids.length);
      },
    ));
});

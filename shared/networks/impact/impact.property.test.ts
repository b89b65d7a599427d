import fc from "fast-check";
import { describe, test } from "vitest";
import { decimalText, hostileJson, isoText, mixedRecord } from "../testing/arbitraries";
import { SUB_ID, settingsFor } from "../testing/fixtures";
import {
  expectHostileQueriesWellFormed,
  expectReportParseTotal,
  expectWrongTokenRefused,
  type TokenPostbackCase,
} from "../testing/properties";
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
const postback: TokenPostbackCase = { adapter: impactAdapter, settings, goodParams, names: NAMES };

describe("impact parsePostback properties", () => {
  test("hostile parameters with a valid token never throw; ok conversions are valid", () =>
    expectHostileQueriesWellFormed(postback));

  test("a wrong or missing token never yields ok", () => expectWrongTokenRefused(postback));
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

  test("any JSON parses to a value; ok pages hold valid conversions", () =>
    expectReportParseTotal(
      fc.record({
        "@page": fc.constant("1"),
        "@numpages": fc.oneof(fc.constantFrom("1", "2"), hostileJson),
        Actions: fc.array(fc.oneof(action, hostileJson), { maxLength: 6 }),
      }),
      (json) => parseImpactReport(json, null),
    ));
});

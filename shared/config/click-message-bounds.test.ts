import { describe, expect, test } from "vitest";
import {
  clickMessageTooLarge,
  MAX_CATEGORY_RATES,
  MAX_CLICK_MESSAGE_BYTES,
  QUEUE_MESSAGE_LIMIT_BYTES,
  termsBoundIssue,
} from "./click-message-bounds";
import { MAX_BOOSTS_PER_OFFER } from "./offer-config";

const rates = (n: number, keyChars = 8) =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [String(i).padStart(keyChars, "k"), 750]));

describe("termsBoundIssue", () => {
  test.each([
    { label: "no category rates", categoryRates: {}, want: null },
    { label: "exactly the most rates", categoryRates: rates(MAX_CATEGORY_RATES), want: null },
    {
      label: "one rate too many",
      categoryRates: rates(MAX_CATEGORY_RATES + 1),
      want: ["categoryRates"],
    },
    {
      label: "the most rates with the longest keys still fit",
      categoryRates: rates(MAX_CATEGORY_RATES, 64),
      want: null,
    },
  ])("$label", ({ categoryRates, want }) => {
    const issue = termsBoundIssue({ basis: "sale", defaultRateBps: 500, categoryRates });
    expect(issue?.path ?? null).toEqual(want);
  });

  test("a huge exclusion list is refused as a whole", () => {
    const excludedCategories = Array.from({ length: 256 }, () => "\u0001".repeat(64));
    const issue = termsBoundIssue({
      basis: "sale",
      defaultRateBps: 500,
      categoryRates: rates(MAX_CATEGORY_RATES, 64),
      excludedCategories,
    });
    expect(issue?.path).toEqual([]);
  });
});

describe("clickMessageTooLarge", () => {
  test("a click with the largest terms the API accepts and every boost is far below the limit", () => {
    // 200 rates with 64-char keys escaped at 6 bytes a char would pass the count but not the
    // byte bound, so the largest accepted terms are at most MAX_TERMS_JSON_BYTES.
    const terms = { basis: "sale", defaultRateBps: 500, categoryRates: rates(200, 64) };
    expect(termsBoundIssue(terms as never)).toBeNull();
    const boosts = Array.from({ length: MAX_BOOSTS_PER_OFFER }, (_, i) => ({
      campaignId: `campaign-${i}`.padEnd(64, "x"),
      boostRateBps: 10_000,
      category: "\u0001".repeat(64),
    }));
    const message = { kind: "click", clickId: "c".repeat(40), terms, boosts };
    expect(clickMessageTooLarge(message)).toBeNull();
    expect(JSON.stringify(message).length).toBeLessThan(QUEUE_MESSAGE_LIMIT_BYTES / 3);
  });

  test("terms that bypassed the API are caught", () => {
    const terms = { basis: "sale", defaultRateBps: 500, categoryRates: rates(5_000, 64) };
    expect(clickMessageTooLarge({ kind: "click", terms })).toBeGreaterThan(MAX_CLICK_MESSAGE_BYTES);
  });
});

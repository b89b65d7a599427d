import { describe, expect, test } from "vitest";
import {
  type CashbackTerms,
  CashbackTermsSchema,
  computeCashback,
  headlineRateBps,
} from "./cashback";

const SALE: CashbackTerms = {
  basis: "sale",
  defaultRateBps: 500,
  categoryRates: { electronics: 200, fashion: 1_000 },
};
const COMMISSION: CashbackTerms = { ...SALE, basis: "commission" };

describe("computeCashback", () => {
  test.each([
    {
      label: "sale basis, default rate",
      terms: SALE,
      amounts: { saleAmountMinor: 100_000, commissionMinor: 8_000, category: null },
      want: { cashbackMinor: 5_000, rateBps: 500, basisAmountMinor: 100_000 },
    },
    {
      label: "commission basis, default rate",
      terms: COMMISSION,
      amounts: { saleAmountMinor: 100_000, commissionMinor: 8_000, category: null },
      want: { cashbackMinor: 400, rateBps: 500, basisAmountMinor: 8_000 },
    },
    {
      label: "sale basis, higher category rate",
      terms: SALE,
      amounts: { saleAmountMinor: 100_000, commissionMinor: 8_000, category: "fashion" },
      want: { cashbackMinor: 10_000, rateBps: 1_000, basisAmountMinor: 100_000 },
    },
    {
      label: "sale basis, category rate below the default still applies",
      terms: SALE,
      amounts: { saleAmountMinor: 100_000, commissionMinor: 8_000, category: "electronics" },
      want: { cashbackMinor: 2_000, rateBps: 200, basisAmountMinor: 100_000 },
    },
    {
      label: "commission basis, category rate",
      terms: COMMISSION,
      amounts: { saleAmountMinor: 100_000, commissionMinor: 8_000, category: "fashion" },
      want: { cashbackMinor: 800, rateBps: 1_000, basisAmountMinor: 8_000 },
    },
    {
      label: "unknown category falls back to default",
      terms: SALE,
      amounts: { saleAmountMinor: 100_000, commissionMinor: 8_000, category: "groceries" },
      want: { cashbackMinor: 5_000, rateBps: 500, basisAmountMinor: 100_000 },
    },
    {
      label: "category lookup is case-sensitive",
      terms: SALE,
      amounts: { saleAmountMinor: 100_000, commissionMinor: 8_000, category: "Fashion" },
      want: { cashbackMinor: 5_000, rateBps: 500, basisAmountMinor: 100_000 },
    },
    {
      label: "null category uses default even if a 'null' category exists",
      terms: { ...SALE, categoryRates: { null: 9_000 } },
      amounts: { saleAmountMinor: 100_000, commissionMinor: 8_000, category: null },
      want: { cashbackMinor: 5_000, rateBps: 500, basisAmountMinor: 100_000 },
    },
    {
      label: "category rate of 0 is honoured, not treated as missing",
      terms: { ...SALE, categoryRates: { gift_cards: 0 } },
      amounts: { saleAmountMinor: 100_000, commissionMinor: 8_000, category: "gift_cards" },
      want: { cashbackMinor: 0, rateBps: 0, basisAmountMinor: 100_000 },
    },
    {
      label: "7.5% of 123.45 rounds down to 9.25",
      terms: { ...SALE, defaultRateBps: 750 },
      amounts: { saleAmountMinor: 12_345, commissionMinor: 0, category: null },
      want: { cashbackMinor: 925, rateBps: 750, basisAmountMinor: 12_345 },
    },
    {
      label: "a fraction of a paisa rounds down to 0",
      terms: { ...COMMISSION, defaultRateBps: 9_999 },
      amounts: { saleAmountMinor: 100_000, commissionMinor: 1, category: null },
      want: { cashbackMinor: 0, rateBps: 9_999, basisAmountMinor: 1 },
    },
    {
      label: "0.9999 of a minor unit rounds down to 0",
      terms: { ...SALE, defaultRateBps: 3_333 },
      amounts: { saleAmountMinor: 3, commissionMinor: 0, category: null },
      want: { cashbackMinor: 0, rateBps: 3_333, basisAmountMinor: 3 },
    },
    {
      label: "zero sale",
      terms: SALE,
      amounts: { saleAmountMinor: 0, commissionMinor: 0, category: null },
      want: { cashbackMinor: 0, rateBps: 500, basisAmountMinor: 0 },
    },
    {
      label: "largest allowed amount at 100% (no precision loss)",
      terms: { ...SALE, defaultRateBps: 10_000 },
      amounts: { saleAmountMinor: 1_000_000_000_000, commissionMinor: 0, category: null },
      want: {
        cashbackMinor: 1_000_000_000_000,
        rateBps: 10_000,
        basisAmountMinor: 1_000_000_000_000,
      },
    },
  ])("$label", ({ terms, amounts, want }) => {
    expect(computeCashback(terms, amounts)).toEqual(want);
  });

  // Categories come from network postbacks (any 1..64-char string) and terms come back from
  // JSON, so names of Object.prototype members must not be mistaken for configured rates.
  test.each([
    { label: "constructor", category: "constructor" },
    { label: "toString", category: "toString" },
    { label: "hasOwnProperty", category: "hasOwnProperty" },
    { label: "__proto__", category: "__proto__" },
  ])("category named like a prototype member ($label) falls back to default", ({ category }) => {
    const terms = JSON.parse(JSON.stringify(SALE)) as CashbackTerms;
    expect(
      computeCashback(terms, { saleAmountMinor: 100_000, commissionMinor: 8_000, category }),
    ).toEqual({ cashbackMinor: 5_000, rateBps: 500, basisAmountMinor: 100_000 });
  });
});

describe("headlineRateBps", () => {
  test.each([
    { label: "no categories: the default", terms: { ...SALE, categoryRates: {} }, want: 500 },
    { label: "best category beats the default", terms: SALE, want: 1_000 },
    {
      label: "categories all below the default: the default",
      terms: { ...SALE, categoryRates: { a: 100, b: 200 } },
      want: 500,
    },
    {
      label: "basis does not matter",
      terms: { ...COMMISSION, categoryRates: { a: 700 } },
      want: 700,
    },
    {
      label: "zero everywhere",
      terms: { ...SALE, defaultRateBps: 0, categoryRates: { a: 0 } },
      want: 0,
    },
  ])("$label", ({ terms, want }) => {
    expect(headlineRateBps(terms)).toBe(want);
  });
});

describe("CashbackTermsSchema", () => {
  test("categoryRates defaults to {}", () => {
    expect(CashbackTermsSchema.parse({ basis: "sale", defaultRateBps: 500 })).toEqual({
      basis: "sale",
      defaultRateBps: 500,
      categoryRates: {},
    });
  });

  test.each([
    { label: "rate above 100%", terms: { basis: "sale", defaultRateBps: 10_001 } },
    { label: "fractional rate", terms: { basis: "sale", defaultRateBps: 2.5 } },
    { label: "negative category rate", terms: { ...SALE, categoryRates: { a: -1 } } },
    { label: "unknown basis", terms: { basis: "profit", defaultRateBps: 500 } },
    { label: "extra field", terms: { ...SALE, capMinor: 10_000 } },
  ])("rejects $label", ({ terms }) => {
    expect(CashbackTermsSchema.safeParse(terms).success).toBe(false);
  });
});

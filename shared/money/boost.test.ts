import { describe, expect, test } from "vitest";
import { computeBoostMinor } from "./boost";
import { type CashbackLine, type CashbackTerms, computeCashback } from "./cashback";

const SALE: CashbackTerms = {
  basis: "sale",
  defaultRateBps: 500,
  categoryRates: { electronics: 200 },
  excludedCategories: ["gift_cards"],
};
const COMMISSION: CashbackTerms = { ...SALE, basis: "commission" };

const line = (
  category: string | null,
  amountMinor: number,
  commissionMinor: number | null = null,
) => ({ category, amountMinor, commissionMinor }) satisfies CashbackLine;

const lines = [line("electronics", 60_000), line("fashion", 30_000), line("gift_cards", 10_000)];
const order = {
  saleAmountMinor: 100_000,
  commissionMinor: 8_000,
  category: null,
  lineItems: lines,
};

describe("computeBoostMinor", () => {
  test.each([
    {
      label: "whole order, no lines: rate on the sale",
      terms: SALE,
      amounts: { saleAmountMinor: 100_000, commissionMinor: 8_000, category: null },
      boost: { boostRateBps: 200, category: null },
      want: 2_000,
    },
    {
      label: "excluded lines earn no boost",
      terms: SALE,
      amounts: order,
      boost: { boostRateBps: 100, category: null },
      // 1% of (60,000 + 30,000); the gift card line is excluded from the base, so from the boost.
      want: 900,
    },
    {
      label: "a category boost counts only that category's lines",
      terms: SALE,
      amounts: order,
      boost: { boostRateBps: 300, category: "fashion" },
      want: 900,
    },
    {
      label: "a category boost for an excluded category earns nothing",
      terms: SALE,
      amounts: order,
      boost: { boostRateBps: 300, category: "gift_cards" },
      want: 0,
    },
    {
      label: "a category boost for a category the order lacks earns nothing",
      terms: SALE,
      amounts: order,
      boost: { boostRateBps: 300, category: "books" },
      want: 0,
    },
    {
      label: "commission basis: the boost applies to the commission share",
      terms: COMMISSION,
      amounts: order,
      // Commission 8,000 split pro rata: electronics 4,800, fashion 2,400, gift cards 800.
      boost: { boostRateBps: 1_000, category: null },
      want: 720,
    },
    {
      label: "rounded down once over all lines, not per line",
      terms: SALE,
      amounts: {
        saleAmountMinor: 300,
        commissionMinor: 0,
        category: null,
        lineItems: [line("a", 150), line("b", 150)],
      },
      // 7.5 + 7.5 = 15; per-line rounding would give 14.
      boost: { boostRateBps: 500, category: null },
      want: 15,
    },
    {
      label: "a zero rate earns nothing",
      terms: SALE,
      amounts: order,
      boost: { boostRateBps: 0, category: null },
      want: 0,
    },
    {
      label: "the offer's cap does not limit the boost",
      terms: { ...SALE, capMinor: 100 },
      amounts: { saleAmountMinor: 100_000, commissionMinor: 8_000, category: null },
      boost: { boostRateBps: 200, category: null },
      want: 2_000,
    },
  ])("$label", ({ terms, amounts, boost, want }) => {
    expect(computeBoostMinor(computeCashback(terms, amounts), boost)).toBe(want);
  });
});

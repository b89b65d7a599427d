import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  type CashbackLine,
  type CashbackTerms,
  CashbackTermsSchema,
  type ConversionAmounts,
  computeCashback,
  headlineRateBps,
  MAX_EXCLUDED_CATEGORIES,
  StoredCashbackTermsSchema,
} from "./cashback";

/** Terms as stored before exclusions, policies and caps existed. */
const SALE: CashbackTerms = {
  basis: "sale",
  defaultRateBps: 500,
  categoryRates: { electronics: 200, fashion: 1_000 },
};
const COMMISSION: CashbackTerms = { ...SALE, basis: "commission" };
/** SALE plus the fields added later. */
const SALE_EXCL: CashbackTerms = { ...SALE, excludedCategories: ["gift_cards", "recharges"] };

const line = (
  category: string | null,
  amountMinor: number,
  commissionMinor: number | null = null,
): CashbackLine => ({ category, amountMinor, commissionMinor });

/** An order whose lines decide everything (the order-level figures are set to match). */
const order = (lines: CashbackLine[], commissionMinor = 0): ConversionAmounts => ({
  saleAmountMinor: lines.reduce((sum, l) => sum + l.amountMinor, 0),
  commissionMinor,
  category: null,
  lineItems: lines,
});

describe("computeCashback without line items (today's behaviour)", () => {
  // Each row's `want` is what computeCashback returned before line items existed.
  const rows = [
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
  ];

  const full = (row: (typeof rows)[number]) => ({
    ...row.want,
    uncappedCashbackMinor: row.want.cashbackMinor,
    capped: false,
    lines: [
      {
        category: row.amounts.category,
        basisMinor: row.want.basisAmountMinor,
        rateBps: row.want.rateBps,
        excluded: false,
      },
    ],
  });

  test.each(rows)("$label (lineItems absent)", (row) => {
    expect(computeCashback(row.terms, row.amounts)).toEqual(full(row));
  });

  test.each(rows)("$label (lineItems null)", (row) => {
    expect(computeCashback(row.terms, { ...row.amounts, lineItems: null })).toEqual(full(row));
  });

  test.each(rows)("$label (terms re-parsed with the new defaults)", (row) => {
    const parsed = CashbackTermsSchema.parse(JSON.parse(JSON.stringify(row.terms)));
    expect(computeCashback(parsed, row.amounts)).toEqual(full(row));
  });

  // Categories come from network postbacks (any 1..64-char string) and terms come back from
  // JSON, so names of Object.prototype members must not be mistaken for configured rates.
  test.each([
    { label: "constructor", category: "constructor" },
    { label: "toString", category: "toString" },
    { label: "hasOwnProperty", category: "hasOwnProperty" },
    { label: "__proto__", category: "__proto__" },
  ])("category named like a prototype member ($label) falls back to default", ({ category }) => {
    const terms = JSON.parse(JSON.stringify(SALE_EXCL)) as CashbackTerms;
    const viaOrder = computeCashback(terms, {
      saleAmountMinor: 100_000,
      commissionMinor: 8_000,
      category,
    });
    const viaLine = computeCashback(terms, order([line(category, 100_000)]));
    for (const quote of [viaOrder, viaLine]) {
      expect(quote).toMatchObject({
        cashbackMinor: 5_000,
        rateBps: 500,
        basisAmountMinor: 100_000,
      });
      expect(quote.lines[0]?.excluded).toBe(false);
    }
  });
});

describe("computeCashback: rounding across lines", () => {
  test.each([
    {
      label: "two 7.5-paisa halves make 15, not 7 + 7",
      lines: [line(null, 150), line(null, 150)],
      want: { cashbackMinor: 15, rateBps: 500, basisAmountMinor: 300 },
    },
    {
      label: "5.5 + 50.5 make 56 across different rates, not 5 + 50",
      lines: [line("fashion", 55), line("electronics", 2_525)],
      // 55 × 1000 + 2525 × 200 = 560,000 → 56; blended rate 560,000 / 2,580 = 217.05
      want: { cashbackMinor: 56, rateBps: 217, basisAmountMinor: 2_580 },
    },
    {
      label: "a split order rounds like the whole: 925.875 → 925",
      lines: [line("x", 6_000), line("y", 6_345)],
      terms: { ...SALE, defaultRateBps: 750 },
      want: { cashbackMinor: 925, rateBps: 750, basisAmountMinor: 12_345 },
    },
    {
      label: "three 0.3333-paisa lines still round down to 0",
      lines: [line(null, 1), line(null, 1), line(null, 1)],
      terms: { ...SALE, defaultRateBps: 3_333 },
      want: { cashbackMinor: 0, rateBps: 3_333, basisAmountMinor: 3 },
    },
    {
      label: "many tiny lines add up to whole paise",
      lines: Array.from({ length: 100 }, () => line(null, 1)),
      want: { cashbackMinor: 5, rateBps: 500, basisAmountMinor: 100 },
    },
    {
      label: "largest amounts on several lines at 100% keep every paisa",
      lines: [line(null, 999_999_999_999), line(null, 999_999_999_999), line(null, 3)],
      terms: { ...SALE, defaultRateBps: 10_000 },
      want: {
        cashbackMinor: 2_000_000_000_001,
        rateBps: 10_000,
        basisAmountMinor: 2_000_000_000_001,
      },
    },
  ])("$label", ({ lines, terms, want }) => {
    expect(computeCashback(terms ?? SALE, order(lines))).toMatchObject(want);
  });
});

describe("computeCashback: exclusions", () => {
  test.each([
    {
      label: "a gift-card line earns nothing, the fashion line earns its rate",
      terms: SALE_EXCL,
      amounts: order([line("gift_cards", 50_000), line("fashion", 10_000)]),
      want: {
        cashbackMinor: 1_000,
        rateBps: 1_000,
        basisAmountMinor: 10_000,
        lines: [
          { category: "gift_cards", basisMinor: 50_000, rateBps: 0, excluded: true },
          { category: "fashion", basisMinor: 10_000, rateBps: 1_000, excluded: false },
        ],
      },
    },
    {
      label: "exclusion wins over a category rate",
      terms: { ...SALE, categoryRates: { gift_cards: 800 }, excludedCategories: ["gift_cards"] },
      amounts: order([line("gift_cards", 10_000)]),
      want: { cashbackMinor: 0, rateBps: 0, basisAmountMinor: 0 },
    },
    {
      label: "without line items, an excluded order category earns nothing",
      terms: SALE_EXCL,
      amounts: { saleAmountMinor: 100_000, commissionMinor: 8_000, category: "recharges" },
      want: {
        cashbackMinor: 0,
        rateBps: 0,
        basisAmountMinor: 0,
        lines: [{ category: "recharges", basisMinor: 100_000, rateBps: 0, excluded: true }],
      },
    },
    {
      label: "every line excluded → 0",
      terms: SALE_EXCL,
      amounts: order([line("gift_cards", 10_000), line("recharges", 20_000)]),
      want: { cashbackMinor: 0, uncappedCashbackMinor: 0, rateBps: 0, basisAmountMinor: 0 },
    },
    {
      label: "every line excluded on commission basis → 0",
      terms: { ...SALE_EXCL, basis: "commission" as const },
      amounts: order([line("gift_cards", 10_000, 300), line("recharges", 20_000)], 900),
      want: { cashbackMinor: 0, rateBps: 0, basisAmountMinor: 0 },
    },
    {
      label: "a line without a category is never excluded, even by a 'null' entry",
      terms: { ...SALE, excludedCategories: ["null"] },
      amounts: order([line(null, 10_000)]),
      want: { cashbackMinor: 500, rateBps: 500, basisAmountMinor: 10_000 },
    },
    {
      label: "exclusion is case-sensitive, like rates",
      terms: SALE_EXCL,
      amounts: order([line("Gift_Cards", 10_000)]),
      want: { cashbackMinor: 500, rateBps: 500, basisAmountMinor: 10_000 },
    },
    {
      label: "a listed prototype name is excluded; an unlisted one is not",
      terms: { ...SALE, excludedCategories: ["constructor"] },
      amounts: order([line("constructor", 10_000), line("toString", 10_000)]),
      want: {
        cashbackMinor: 500,
        basisAmountMinor: 10_000,
        lines: [
          { category: "constructor", basisMinor: 10_000, rateBps: 0, excluded: true },
          { category: "toString", basisMinor: 10_000, rateBps: 500, excluded: false },
        ],
      },
    },
  ])("$label", ({ terms, amounts, want }) => {
    expect(computeCashback(terms, amounts)).toMatchObject(want);
  });
});

describe("computeCashback: per_line vs lowest_rate on the same order", () => {
  const TERMS: CashbackTerms = {
    ...SALE_EXCL,
    categoryRates: { ...SALE.categoryRates, gift_cards: 0 },
  };
  // fashion 1000 bps, electronics 200, no category → default 500, gift cards excluded.
  const MIXED = order([
    line("fashion", 10_000),
    line("electronics", 20_000),
    line(null, 5_000),
    line("gift_cards", 3_000),
  ]);

  test.each([
    {
      label: "per_line: each line its own rate",
      terms: { ...TERMS, policy: "per_line" as const },
      amounts: MIXED,
      // 10,000,000 + 4,000,000 + 2,500,000 = 16,500,000 → 1,650; 16,500,000 / 35,000 = 471.4
      want: { cashbackMinor: 1_650, rateBps: 471, basisAmountMinor: 35_000 },
      wantLineRates: [1_000, 200, 500, 0],
    },
    {
      label: "lowest_rate: electronics' 200 bps for every eligible line",
      terms: { ...TERMS, policy: "lowest_rate" as const },
      amounts: MIXED,
      want: { cashbackMinor: 700, rateBps: 200, basisAmountMinor: 35_000 },
      wantLineRates: [200, 200, 200, 0],
    },
    {
      label: "lowest_rate ignores the excluded line's 0 bps",
      terms: { ...TERMS, policy: "lowest_rate" as const },
      amounts: order([line("fashion", 10_000), line("gift_cards", 10_000)]),
      want: { cashbackMinor: 1_000, rateBps: 1_000, basisAmountMinor: 10_000 },
      wantLineRates: [1_000, 0],
    },
    {
      label: "lowest_rate with one line is per_line",
      terms: { ...TERMS, policy: "lowest_rate" as const },
      amounts: order([line("fashion", 10_000)]),
      want: { cashbackMinor: 1_000, rateBps: 1_000, basisAmountMinor: 10_000 },
      wantLineRates: [1_000],
    },
    {
      label: "lowest_rate without line items is today's single rate",
      terms: { ...TERMS, policy: "lowest_rate" as const },
      amounts: { saleAmountMinor: 100_000, commissionMinor: 8_000, category: "fashion" },
      want: { cashbackMinor: 10_000, rateBps: 1_000, basisAmountMinor: 100_000 },
      wantLineRates: [1_000],
    },
    {
      label: "lowest_rate on commission basis",
      terms: { ...TERMS, basis: "commission" as const, policy: "lowest_rate" as const },
      amounts: order([line("fashion", 10_000, 900), line(null, 10_000, 600)]),
      // (900 + 600) × 500 bps = 75
      want: { cashbackMinor: 75, rateBps: 500, basisAmountMinor: 1_500 },
      wantLineRates: [500, 500],
    },
  ])("$label", ({ terms, amounts, want, wantLineRates }) => {
    const quote = computeCashback(terms, amounts);
    expect(quote).toMatchObject(want);
    expect(quote.lines.map((l) => l.rateBps)).toEqual(wantLineRates);
  });
});

describe("computeCashback: commission basis with line items", () => {
  const ALL_100: CashbackTerms = { basis: "commission", defaultRateBps: 10_000, categoryRates: {} };

  test.each([
    {
      label: "every line reports commission: each line's own is used",
      terms: COMMISSION,
      amounts: order([line("fashion", 10_000, 800), line("electronics", 20_000, 400)], 5_000),
      // 800 × 1000 + 400 × 200 = 880,000 → 88
      wantBases: [800, 400],
      want: { cashbackMinor: 88, basisAmountMinor: 1_200, rateBps: 733 },
    },
    {
      label: "one line lacks commission: the order's is split by amount",
      terms: COMMISSION,
      amounts: order([line("fashion", 10_000, 800), line("electronics", 20_000)], 1_200),
      // 400 × 1000 + 800 × 200 = 560,000 → 56
      wantBases: [400, 800],
      want: { cashbackMinor: 56, basisAmountMinor: 1_200 },
    },
    {
      label: "100 paise over three equal lines: 34 + 33 + 33",
      terms: ALL_100,
      amounts: order([line("a", 1_000), line("b", 1_000), line("c", 1_000)], 100),
      wantBases: [34, 33, 33],
      want: { cashbackMinor: 100, basisAmountMinor: 100 },
    },
    {
      label: "1 paisa over three lines goes to the first",
      terms: ALL_100,
      amounts: order([line("a", 1), line("b", 1), line("c", 1)], 1),
      wantBases: [1, 0, 0],
      want: { cashbackMinor: 1, basisAmountMinor: 1 },
    },
    {
      label: "the leftover paisa goes to the largest dropped fraction (1.43 / 8.57 → 1 + 9)",
      terms: ALL_100,
      amounts: order([line("a", 1), line("b", 6)], 10),
      wantBases: [1, 9],
      want: { cashbackMinor: 10, basisAmountMinor: 10 },
    },
    {
      label: "equal fractions: the earlier line wins the paisa (1.0 / 1.5 / 2.5 → 1 + 2 + 2)",
      terms: ALL_100,
      amounts: order([line("a", 2), line("b", 3), line("c", 5)], 5),
      wantBases: [1, 2, 2],
      want: { cashbackMinor: 5, basisAmountMinor: 5 },
    },
    {
      label: "an excluded line keeps its share of the order's commission",
      terms: { ...COMMISSION, excludedCategories: ["gift_cards"] },
      amounts: order([line("gift_cards", 50_000), line("fashion", 50_000)], 1_000),
      wantBases: [500, 500],
      want: { cashbackMinor: 50, basisAmountMinor: 500 },
    },
    {
      label: "an excluded line need not report commission for per-line commissions to apply",
      terms: { ...COMMISSION, excludedCategories: ["gift_cards"] },
      amounts: order([line("gift_cards", 50_000), line("fashion", 50_000, 300)], 1_000),
      wantBases: [0, 300],
      want: { cashbackMinor: 30, basisAmountMinor: 300 },
    },
    {
      label: "all line amounts 0: the commission is split equally",
      terms: ALL_100,
      amounts: order([line("a", 0), line("b", 0), line("c", 0)], 10),
      wantBases: [4, 3, 3],
      want: { cashbackMinor: 10, basisAmountMinor: 10 },
    },
    {
      label: "per-line commissions need not add up to the order's",
      terms: ALL_100,
      amounts: order([line("a", 100, 7), line("b", 100, 8)], 1_000),
      wantBases: [7, 8],
      want: { cashbackMinor: 15, basisAmountMinor: 15 },
    },
  ])("$label", ({ terms, amounts, wantBases, want }) => {
    const quote = computeCashback(terms, amounts);
    expect(quote.lines.map((l) => l.basisMinor)).toEqual(wantBases);
    expect(quote).toMatchObject(want);
  });
});

describe("computeCashback: cap per order", () => {
  // 5% of 1,000.00 = 50.00 before any cap.
  const amounts = { saleAmountMinor: 100_000, commissionMinor: 8_000, category: null };
  test.each([
    { label: "no cap", capMinor: null, want: 5_000, capped: false },
    { label: "cashback below the cap", capMinor: 6_000, want: 5_000, capped: false },
    { label: "cashback exactly at the cap", capMinor: 5_000, want: 5_000, capped: false },
    { label: "cashback one paisa above the cap", capMinor: 4_999, want: 4_999, capped: true },
    { label: "cashback far above the cap", capMinor: 1_000, want: 1_000, capped: true },
    { label: "a cap of 0 pays nothing", capMinor: 0, want: 0, capped: true },
  ])("$label", ({ capMinor, want, capped }) => {
    const quote = computeCashback({ ...SALE, capMinor }, amounts);
    expect(quote).toMatchObject({
      cashbackMinor: want,
      uncappedCashbackMinor: 5_000,
      capped,
      rateBps: 500,
      basisAmountMinor: 100_000,
    });
  });

  test("the cap applies to the order, not to each line", () => {
    const quote = computeCashback(
      { ...SALE, capMinor: 1_500 },
      order([line("fashion", 10_000), line("fashion", 10_000)]),
    );
    expect(quote).toMatchObject({
      cashbackMinor: 1_500,
      uncappedCashbackMinor: 2_000,
      capped: true,
    });
  });

  test("nothing earned at a cap of 0 is not 'capped'", () => {
    const quote = computeCashback({ ...SALE_EXCL, capMinor: 0 }, order([line("gift_cards", 1)]));
    expect(quote).toMatchObject({ cashbackMinor: 0, capped: false });
  });
});

describe("computeCashback: odd line lists", () => {
  test.each([
    { label: "empty line list, sale basis", terms: SALE },
    { label: "empty line list, commission basis", terms: COMMISSION },
  ])("$label earns nothing", ({ terms }) => {
    const quote = computeCashback(terms, {
      saleAmountMinor: 100_000,
      commissionMinor: 8_000,
      category: "fashion",
      lineItems: [],
    });
    expect(quote).toEqual({
      cashbackMinor: 0,
      uncappedCashbackMinor: 0,
      rateBps: 0,
      basisAmountMinor: 0,
      lines: [],
      capped: false,
    });
  });

  test.each([
    {
      label: "lines below the order total (shipping outside the lines): the lines count",
      lines: [line("fashion", 40_000), line(null, 50_000)],
      saleAmountMinor: 100_000,
      want: { cashbackMinor: 6_500, basisAmountMinor: 90_000 },
    },
    {
      label: "lines above the order total: the lines still count",
      lines: [line("fashion", 60_000), line(null, 60_000)],
      saleAmountMinor: 100_000,
      want: { cashbackMinor: 9_000, basisAmountMinor: 120_000 },
    },
    {
      label: "the order's category is ignored when lines are given",
      lines: [line(null, 100_000)],
      saleAmountMinor: 100_000,
      category: "fashion",
      want: { cashbackMinor: 5_000, basisAmountMinor: 100_000 },
    },
  ])("$label", ({ lines, saleAmountMinor, category, want }) => {
    const quote = computeCashback(SALE, {
      saleAmountMinor,
      commissionMinor: 0,
      category: category ?? null,
      lineItems: lines,
    });
    expect(quote).toMatchObject(want);
  });

  test.each([
    { label: "negative line amount", terms: SALE, lines: [line(null, -1)] },
    { label: "fractional line amount", terms: SALE, lines: [line(null, 1.5)] },
    { label: "negative line commission", terms: COMMISSION, lines: [line(null, 1, -1)] },
  ])("rejects $label", ({ terms, lines }) => {
    expect(() => computeCashback(terms, order(lines))).toThrow(RangeError);
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
    {
      label: "an excluded category's rate is not advertised",
      terms: { ...SALE, excludedCategories: ["fashion"] },
      want: 500,
    },
    {
      label: "the best category that earns is",
      terms: { ...SALE, categoryRates: { a: 900, b: 700 }, excludedCategories: ["a"] },
      want: 700,
    },
    {
      label: "policy and cap do not change the headline",
      terms: { ...SALE, policy: "lowest_rate" as const, capMinor: 100 },
      want: 1_000,
    },
  ])("$label", ({ terms, want }) => {
    expect(headlineRateBps(terms)).toBe(want);
  });
});

describe("CashbackTermsSchema", () => {
  test("terms stored before the new fields parse with defaults", () => {
    expect(CashbackTermsSchema.parse({ basis: "sale", defaultRateBps: 500 })).toEqual({
      basis: "sale",
      defaultRateBps: 500,
      categoryRates: {},
      excludedCategories: [],
      policy: "per_line",
      capMinor: null,
    });
  });

  test("full terms round-trip", () => {
    const terms = {
      basis: "commission",
      defaultRateBps: 500,
      categoryRates: { fashion: 1_000 },
      excludedCategories: ["gift_cards"],
      policy: "lowest_rate",
      capMinor: 50_000,
    };
    expect(CashbackTermsSchema.parse(terms)).toEqual(terms);
  });

  test.each([
    { label: "rate above 100%", terms: { basis: "sale", defaultRateBps: 10_001 } },
    { label: "fractional rate", terms: { basis: "sale", defaultRateBps: 2.5 } },
    { label: "negative category rate", terms: { ...SALE, categoryRates: { a: -1 } } },
    { label: "unknown basis", terms: { basis: "profit", defaultRateBps: 500 } },
    { label: "extra field", terms: { ...SALE, boostBps: 100 } },
    { label: "unknown policy", terms: { ...SALE, policy: "highest_rate" } },
    { label: "negative cap", terms: { ...SALE, capMinor: -1 } },
    { label: "fractional cap", terms: { ...SALE, capMinor: 10.5 } },
    { label: "empty excluded category", terms: { ...SALE, excludedCategories: [""] } },
    {
      label: "excluded category over 64 chars",
      terms: { ...SALE, excludedCategories: ["x".repeat(65)] },
    },
    {
      label: "too many excluded categories",
      terms: {
        ...SALE,
        excludedCategories: Array.from({ length: MAX_EXCLUDED_CATEGORIES + 1 }, (_, i) => `c${i}`),
      },
    },
  ])("rejects $label", ({ terms }) => {
    expect(CashbackTermsSchema.safeParse(terms).success).toBe(false);
    expect(StoredCashbackTermsSchema.safeParse(terms).success).toBe(false);
  });
});

describe("StoredCashbackTermsSchema", () => {
  test("terms without the newer fields are stored exactly as sent", () => {
    const terms = { basis: "sale", defaultRateBps: 500, categoryRates: { fashion: 1_000 } };
    expect(StoredCashbackTermsSchema.parse(terms)).toEqual(terms);
  });

  test("categoryRates still defaults to {}", () => {
    expect(StoredCashbackTermsSchema.parse({ basis: "sale", defaultRateBps: 500 })).toEqual({
      basis: "sale",
      defaultRateBps: 500,
      categoryRates: {},
    });
  });

  test("the newer fields are kept when sent", () => {
    const terms = {
      ...SALE,
      excludedCategories: ["gift_cards"],
      policy: "per_line",
      capMinor: null,
    };
    expect(StoredCashbackTermsSchema.parse(terms)).toEqual(terms);
  });

  test("stored terms price exactly as the same terms with defaults filled in", () => {
    const stored = StoredCashbackTermsSchema.parse({ ...SALE, excludedCategories: ["fashion"] });
    const full = CashbackTermsSchema.parse(stored);
    const amounts = order([line("fashion", 10_000), line("electronics", 7_777)]);
    expect(computeCashback(stored, amounts)).toEqual(computeCashback(full, amounts));
  });
});

describe("computeCashback properties", () => {
  const CATEGORIES = ["a", "b", "c", "gift_cards", "constructor"] as const;
  const categoryArb = fc.option(fc.constantFrom(...CATEGORIES), { nil: null });
  const rateArb = fc.integer({ min: 0, max: 10_000 });
  const amountArb = fc.integer({ min: 0, max: 1_000_000_000 });

  const termsArb = fc.record({
    basis: fc.constantFrom("sale" as const, "commission" as const),
    defaultRateBps: rateArb,
    categoryRates: fc.dictionary(fc.constantFrom(...CATEGORIES), rateArb),
    excludedCategories: fc.subarray([...CATEGORIES]),
    policy: fc.constantFrom("per_line" as const, "lowest_rate" as const),
    capMinor: fc.option(fc.integer({ min: 0, max: 100_000_000 }), { nil: null }),
  });
  const lineArb = fc.record({
    category: categoryArb,
    amountMinor: amountArb,
    commissionMinor: fc.option(amountArb, { nil: null }),
  });
  const amountsArb = fc.record({
    saleAmountMinor: amountArb,
    commissionMinor: amountArb,
    category: categoryArb,
    lineItems: fc.option(fc.array(lineArb, { maxLength: 8 }), { nil: null }),
  });

  const maxRateBps = (terms: CashbackTerms) =>
    Math.max(terms.defaultRateBps, ...Object.values(terms.categoryRates));

  test("cashback is a non-negative integer, within basis × max rate and within the cap", () => {
    fc.assert(
      fc.property(termsArb, amountsArb, (terms, amounts) => {
        const quote = computeCashback(terms, amounts);
        expect(Number.isSafeInteger(quote.cashbackMinor)).toBe(true);
        expect(quote.cashbackMinor).toBeGreaterThanOrEqual(0);
        expect(quote.cashbackMinor).toBeLessThanOrEqual(quote.uncappedCashbackMinor);
        expect(BigInt(quote.uncappedCashbackMinor) * 10_000n).toBeLessThanOrEqual(
          BigInt(quote.basisAmountMinor) * BigInt(maxRateBps(terms)),
        );
        if (terms.capMinor !== null)
          expect(quote.cashbackMinor).toBeLessThanOrEqual(terms.capMinor);
        expect(quote.capped).toBe(quote.cashbackMinor < quote.uncappedCashbackMinor);
      }),
    );
  });

  test("per_line cashback never falls when one line's amount grows (sale basis)", () => {
    fc.assert(
      fc.property(
        termsArb,
        fc.array(lineArb, { minLength: 1, maxLength: 8 }),
        fc.nat(),
        amountArb,
        (terms, lines, pick, extraMinor) => {
          const perLine = { ...terms, basis: "sale" as const, policy: "per_line" as const };
          const i = pick % lines.length;
          const grown = lines.map((l, j) =>
            j === i ? { ...l, amountMinor: l.amountMinor + extraMinor } : l,
          );
          const before = computeCashback(perLine, order(lines));
          const after = computeCashback(perLine, order(grown));
          expect(after.cashbackMinor).toBeGreaterThanOrEqual(before.cashbackMinor);
        },
      ),
    );
  });

  // On commission basis with the order's commission split by amount, a bigger line takes
  // commission from the others, so cashback can fall when it has the lower rate. With
  // per-line commissions the same monotonicity holds in each line's commission.
  test("per_line cashback never falls when one line's commission grows (commission basis)", () => {
    fc.assert(
      fc.property(
        termsArb,
        fc.array(lineArb, { minLength: 1, maxLength: 8 }),
        fc.nat(),
        amountArb,
        (terms, lines, pick, extraMinor) => {
          const perLine = { ...terms, basis: "commission" as const, policy: "per_line" as const };
          const withCommission = lines.map((l) => ({
            ...l,
            commissionMinor: l.commissionMinor ?? 0,
          }));
          const i = pick % lines.length;
          const grown = withCommission.map((l, j) =>
            j === i ? { ...l, commissionMinor: l.commissionMinor + extraMinor } : l,
          );
          const before = computeCashback(perLine, order(withCommission));
          const after = computeCashback(perLine, order(grown));
          expect(after.cashbackMinor).toBeGreaterThanOrEqual(before.cashbackMinor);
        },
      ),
    );
  });

  test("a split order commission sums exactly to the order's commission", () => {
    fc.assert(
      fc.property(
        termsArb,
        fc.array(lineArb, { minLength: 1, maxLength: 8 }),
        amountArb,
        (terms, lines, commissionMinor) => {
          const split = lines.map((l, j) => (j === 0 ? { ...l, commissionMinor: null } : l));
          const quote = computeCashback(
            { ...terms, basis: "commission", excludedCategories: [] },
            order(split, commissionMinor),
          );
          const total = quote.lines.reduce((sum, l) => sum + l.basisMinor, 0);
          expect(total).toBe(commissionMinor);
          expect(quote.basisAmountMinor).toBe(commissionMinor);
        },
      ),
    );
  });

  test("lowest_rate never pays more than per_line on the same order", () => {
    fc.assert(
      fc.property(termsArb, amountsArb, (terms, amounts) => {
        const lowest = computeCashback({ ...terms, policy: "lowest_rate" }, amounts);
        const perLine = computeCashback({ ...terms, policy: "per_line" }, amounts);
        expect(lowest.cashbackMinor).toBeLessThanOrEqual(perLine.cashbackMinor);
      }),
    );
  });

  test("no line items prices like one line of the order's category", () => {
    fc.assert(
      fc.property(termsArb, amountsArb, (terms, amounts) => {
        const oneLine = line(amounts.category, amounts.saleAmountMinor, amounts.commissionMinor);
        expect(computeCashback(terms, { ...amounts, lineItems: null })).toEqual(
          computeCashback(terms, { ...amounts, lineItems: [oneLine] }),
        );
      }),
    );
  });
});

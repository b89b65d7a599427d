import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  allocateProRata,
  applyRateBps,
  applyRatesBps,
  blendedRateBps,
  mulDivRound,
} from "./rounding";

describe("mulDivRound", () => {
  test.each([
    { label: "exact", amount: 10_000, num: 500, den: 10_000, mode: "floor", want: 500 },
    {
      label: "floor drops the fraction",
      amount: 12_345,
      num: 750,
      den: 10_000,
      mode: "floor",
      want: 925,
    },
    {
      label: "half_even rounds .875 up",
      amount: 12_345,
      num: 750,
      den: 10_000,
      mode: "half_even",
      want: 926,
    },
    {
      label: "half_even keeps even on a tie",
      amount: 5,
      num: 1,
      den: 2,
      mode: "half_even",
      want: 2,
    },
    {
      label: "half_even goes to even on a tie",
      amount: 3,
      num: 1,
      den: 2,
      mode: "half_even",
      want: 2,
    },
    {
      label: "below one minor unit floors to zero",
      amount: 1,
      num: 1,
      den: 10_000,
      mode: "floor",
      want: 0,
    },
    { label: "zero amount", amount: 0, num: 9_999, den: 10_000, mode: "floor", want: 0 },
    {
      label: "no precision loss above 2^53 product",
      amount: 999_999_999_999,
      num: 9_999,
      den: 10_000,
      mode: "floor",
      want: 999_899_999_999,
    },
  ] as const)("$label", ({ amount, num, den, mode, want }) => {
    expect(mulDivRound(amount, num, den, mode)).toBe(want);
  });

  test.each([
    { label: "negative amount", amount: -1, num: 1, den: 1 },
    { label: "fractional amount", amount: 1.5, num: 1, den: 1 },
    { label: "zero denominator", amount: 1, num: 1, den: 0 },
    { label: "unsafe amount", amount: 2 ** 60, num: 1, den: 1 },
  ])("rejects $label", ({ amount, num, den }) => {
    expect(() => mulDivRound(amount, num, den, "floor")).toThrow(RangeError);
  });
});

describe("applyRateBps", () => {
  test.each([
    { label: "5% of 999.00", amount: 99_900, rate: 500, want: 4_995 },
    { label: "7.5% of 123.45 rounds down", amount: 12_345, rate: 750, want: 925 },
    { label: "100%", amount: 4_242, rate: 10_000, want: 4_242 },
    { label: "0%", amount: 4_242, rate: 0, want: 0 },
    { label: "1 bps of 99.99 is below a paisa", amount: 9_999, rate: 1, want: 0 },
  ])("$label", ({ amount, rate, want }) => {
    expect(applyRateBps(amount, rate)).toBe(want);
  });
});

describe("applyRatesBps", () => {
  test.each([
    { label: "no parts", parts: [], want: 0 },
    {
      label: "one part is applyRateBps",
      parts: [{ amountMinor: 12_345, rateBps: 750 }],
      want: 925,
    },
    {
      label: "two 7.5s make 15 (per-part rounding would give 14)",
      parts: [
        { amountMinor: 150, rateBps: 500 },
        { amountMinor: 150, rateBps: 500 },
      ],
      want: 15,
    },
    {
      label: "fractions across different rates add up before rounding",
      parts: [
        { amountMinor: 55, rateBps: 1_000 },
        { amountMinor: 2_525, rateBps: 200 },
      ],
      want: 56,
    },
    {
      label: "0.9999 in total still rounds down",
      parts: [
        { amountMinor: 1, rateBps: 3_333 },
        { amountMinor: 2, rateBps: 3_333 },
      ],
      want: 0,
    },
    {
      label: "no precision loss above 2^53",
      parts: [
        { amountMinor: 999_999_999_999, rateBps: 9_999 },
        { amountMinor: 999_999_999_999, rateBps: 10_000 },
      ],
      // 999,899,999,999.0001 + 999,999,999,999
      want: 1_999_899_999_998,
    },
  ])("$label", ({ parts, want }) => {
    expect(applyRatesBps(parts)).toBe(want);
  });

  test("half_even rounds the sum once", () => {
    // 0.5 + 0.5 + 0.5 = 1.5 → 2; rounding each half to even first would give 0.
    const half = { amountMinor: 1, rateBps: 5_000 };
    expect(applyRatesBps([half, half, half], "half_even")).toBe(2);
  });

  test.each([
    { label: "negative amount", part: { amountMinor: -1, rateBps: 1 } },
    { label: "fractional amount", part: { amountMinor: 0.5, rateBps: 1 } },
    { label: "negative rate", part: { amountMinor: 1, rateBps: -1 } },
  ])("rejects $label", ({ part }) => {
    expect(() => applyRatesBps([part])).toThrow(RangeError);
  });
});

describe("blendedRateBps", () => {
  test.each([
    { label: "no parts", parts: [], want: 0 },
    { label: "zero amounts", parts: [{ amountMinor: 0, rateBps: 700 }], want: 0 },
    {
      label: "one shared rate is returned exactly",
      parts: [
        { amountMinor: 7, rateBps: 333 },
        { amountMinor: 11, rateBps: 333 },
      ],
      want: 333,
    },
    {
      label: "weighted by amount",
      parts: [
        { amountMinor: 100, rateBps: 200 },
        { amountMinor: 300, rateBps: 1_000 },
      ],
      want: 800,
    },
    {
      label: "rounds down",
      parts: [
        { amountMinor: 1, rateBps: 0 },
        { amountMinor: 2, rateBps: 1 },
      ],
      want: 0,
    },
  ])("$label", ({ parts, want }) => {
    expect(blendedRateBps(parts)).toBe(want);
  });
});

describe("allocateProRata", () => {
  test.each([
    { label: "nothing to split", total: 0, weights: [1, 2], want: [0, 0] },
    { label: "no parts, nothing to split", total: 0, weights: [], want: [] },
    { label: "exact shares", total: 1_000, weights: [3_000, 1_000], want: [750, 250] },
    {
      label: "100 in thirds: the first gets the paisa",
      total: 100,
      weights: [1, 1, 1],
      want: [34, 33, 33],
    },
    { label: "1 paisa over three", total: 1, weights: [5, 5, 5], want: [1, 0, 0] },
    { label: "2 paise over three", total: 2, weights: [5, 5, 5], want: [1, 1, 0] },
    {
      label: "largest dropped fraction wins (1.43 / 8.57)",
      total: 10,
      weights: [1, 6],
      want: [1, 9],
    },
    {
      label: "the later part wins when its fraction is larger",
      total: 10,
      weights: [6, 1],
      want: [9, 1],
    },
    {
      label: "equal fractions: the earlier part wins (1.0 / 1.5 / 2.5)",
      total: 5,
      weights: [2, 3, 5],
      want: [1, 2, 2],
    },
    { label: "a zero weight gets nothing", total: 7, weights: [0, 1, 0], want: [0, 7, 0] },
    { label: "all weights zero: equal split", total: 10, weights: [0, 0, 0], want: [4, 3, 3] },
    {
      label: "large figures stay exact",
      total: 999_999_999_999,
      weights: [1_000_000_000_000, 1_000_000_000_000],
      want: [500_000_000_000, 499_999_999_999],
    },
  ])("$label", ({ total, weights, want }) => {
    expect(allocateProRata(total, weights)).toEqual(want);
  });

  test.each([
    { label: "a total with no parts", total: 1, weights: [] },
    { label: "a negative weight", total: 1, weights: [1, -1] },
    { label: "a fractional total", total: 1.5, weights: [1] },
  ])("rejects $label", ({ total, weights }) => {
    expect(() => allocateProRata(total, weights)).toThrow(RangeError);
  });

  test("parts sum to the total, each within one unit of its exact share", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000_000_000_000 }),
        fc.array(fc.integer({ min: 0, max: 1_000_000_000_000 }), { minLength: 1, maxLength: 20 }),
        (total, weights) => {
          const parts = allocateProRata(total, weights);
          expect(parts).toHaveLength(weights.length);
          expect(parts.reduce((sum, p) => sum + p, 0)).toBe(total);
          const weightTotal = weights.reduce((sum, w) => sum + BigInt(w), 0n);
          for (const [i, part] of parts.entries()) {
            // part is floor(exact) or floor(exact) + 1, exact = total × w / Σw (or total / n).
            const num =
              weightTotal === 0n ? BigInt(total) : BigInt(total) * BigInt(weights[i] ?? 0);
            const den = weightTotal === 0n ? BigInt(weights.length) : weightTotal;
            expect(BigInt(part) * den).toBeGreaterThanOrEqual(num - den + 1n);
            expect(BigInt(part) * den).toBeLessThan(num + den);
          }
        },
      ),
    );
  });
});

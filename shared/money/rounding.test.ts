import { describe, expect, test } from "vitest";
import { applyRateBps, mulDivRound } from "./rounding";

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

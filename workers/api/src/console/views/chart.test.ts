import { describe, expect, test } from "vitest";
import { niceCeiling, scaleBars } from "./chart";

describe("niceCeiling", () => {
  test.each([
    { label: "zero still gets an axis", value: 0, top: 1 },
    { label: "negative still gets an axis", value: -5, top: 1 },
    { label: "one", value: 1, top: 1 },
    { label: "just over one", value: 1.5, top: 2 },
    { label: "three → five", value: 3, top: 5 },
    { label: "seven → ten", value: 7, top: 10 },
    { label: "exactly ten", value: 10, top: 10 },
    { label: "twelve → twenty", value: 12, top: 20 },
    { label: "fifty-one → hundred", value: 51, top: 100 },
    { label: "exactly a thousand (log10 rounding)", value: 1000, top: 1000 },
    { label: "a thousand and one", value: 1001, top: 2000 },
    { label: "money in minor units", value: 123_456, top: 200_000 },
  ])("$label", ({ value, top }) => {
    expect(niceCeiling(value)).toBe(top);
  });
});

describe("scaleBars", () => {
  test.each([
    {
      label: "proportional to the axis top",
      values: [0, 5, 10],
      plot: 100,
      axisMax: 10,
      heights: [0, 50, 100],
    },
    {
      label: "the top is the nice ceiling, not the maximum",
      values: [7],
      plot: 100,
      axisMax: 10,
      heights: [70],
    },
    {
      label: "a tiny positive value stays visible",
      values: [1, 10_000],
      plot: 100,
      axisMax: 10_000,
      heights: [1, 100],
    },
    { label: "all zero", values: [0, 0], plot: 100, axisMax: 1, heights: [0, 0] },
    { label: "no values", values: [], plot: 100, axisMax: 1, heights: [] },
    {
      label: "negative and non-finite draw as zero",
      values: [-3, Number.NaN, 2],
      plot: 50,
      axisMax: 2,
      heights: [0, 0, 50],
    },
    { label: "rounds to whole pixels", values: [1, 3], plot: 10, axisMax: 5, heights: [2, 6] },
  ])("$label", ({ values, plot, axisMax, heights }) => {
    expect(scaleBars(values, plot)).toEqual({ axisMax, heightsPx: heights });
  });
});

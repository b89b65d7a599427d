import { describe, expect, test } from "vitest";
import { bpsToPercentText, percentToBps } from "./percent";

describe("percentToBps", () => {
  test.each([
    { label: "whole percent", text: "5", expected: 500 },
    { label: "one decimal", text: "7.5", expected: 750 },
    { label: "two decimals", text: "0.25", expected: 25 },
    { label: "the smallest rate", text: "0.01", expected: 1 },
    { label: "a trailing percent sign", text: "12 %", expected: 1200 },
    { label: "a decimal comma", text: "2,5", expected: 250 },
    { label: "zero", text: "0", expected: 0 },
    { label: "the largest rate", text: "100", expected: 10_000 },
  ])("$label: $text → $expected bps", ({ text, expected }) => {
    expect(percentToBps(text)).toEqual({ ok: true, rateBps: expected });
  });

  test.each([
    { label: "empty", text: "" },
    { label: "three decimals (not a whole basis point)", text: "7.555" },
    { label: "negative", text: "-1" },
    { label: "above 100%", text: "100.01" },
    { label: "not a number", text: "seven" },
    { label: "exponent", text: "1e2" },
  ])("refused: $label", ({ text }) => {
    expect(percentToBps(text).ok).toBe(false);
  });
});

describe("bpsToPercentText", () => {
  test.each([
    { bps: 750, expected: "7.5" },
    { bps: 1, expected: "0.01" },
    { bps: 1000, expected: "10" },
    { bps: 0, expected: "0" },
    { bps: 1234, expected: "12.34" },
  ])("$bps bps → $expected", ({ bps, expected }) => {
    expect(bpsToPercentText(bps)).toBe(expected);
    expect(percentToBps(expected)).toEqual({ ok: true, rateBps: bps });
  });
});

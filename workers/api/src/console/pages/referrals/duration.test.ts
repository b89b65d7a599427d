import { describe, expect, test } from "vitest";
import { formatDurationMs } from "./duration";

describe("formatDurationMs", () => {
  test.each([
    { label: "none", ms: null, text: "—" },
    { label: "negative is not a duration", ms: -1, text: "—" },
    { label: "zero", ms: 0, text: "0 s" },
    { label: "seconds round", ms: 1_499, text: "1 s" },
    { label: "59.4 s stays seconds", ms: 59_400, text: "59 s" },
    { label: "a minute", ms: 60_000, text: "1 min" },
    { label: "minutes floor", ms: 2_459_000, text: "40 min" },
    { label: "whole hours", ms: 7_200_000, text: "2 h" },
    { label: "hours and minutes", ms: 7_500_000, text: "2 h 5 min" },
    { label: "whole days", ms: 172_800_000, text: "2 d" },
    { label: "days and hours", ms: 93_600_000, text: "1 d 2 h" },
  ])("$label", ({ ms, text }) => {
    expect(formatDurationMs(ms)).toBe(text);
  });
});

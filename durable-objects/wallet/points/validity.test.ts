import { describe, expect, test } from "vitest";
import { expiresAtMs, parsePeriod, type Validity, validityProblem } from "./validity";

const utc = (y: number, m: number, d: number, h = 0) => Date.UTC(y, m - 1, d, h);

describe("parsePeriod", () => {
  test.each([
    { label: "months", period: "12M", want: { unit: "M", count: 12 } },
    { label: "days", period: "90D", want: { unit: "D", count: 90 } },
    { label: "a year is 12 months", period: "1Y", want: { unit: "M", count: 12 } },
    { label: "zero months: the day itself", period: "0M", want: { unit: "M", count: 0 } },
    { label: "lower case unit", period: "12m", want: null },
    { label: "no number", period: "M", want: null },
    { label: "negative", period: "-1M", want: null },
    { label: "over ten years", period: "11Y", want: null },
    { label: "days over the bound", period: "3661D", want: null },
  ])("$label: $period", ({ period, want }) => {
    expect(parsePeriod(period)).toEqual(want);
  });

  test("a malformed period is refused with a reason", () => {
    expect(validityProblem({ period: "twelve" })).toMatch(/validity period/);
    expect(validityProblem({ period: "12M" })).toBeNull();
  });
});

describe("expiresAtMs (UTC program)", () => {
  test.each<{ label: string; startMs: number; validity: Validity; want: number }>([
    {
      label: "1 month from the 25th: spendable through the 25th, gone at midnight",
      startMs: utc(2027, 1, 25, 10),
      validity: { period: "1M" },
      want: utc(2027, 2, 26),
    },
    {
      label: "31 Jan + 1 month → through 28 Feb (common year)",
      startMs: utc(2027, 1, 31, 23),
      validity: { period: "1M" },
      want: utc(2027, 3, 1),
    },
    {
      label: "31 Jan + 1 month → through 29 Feb (leap year)",
      startMs: utc(2028, 1, 31, 1),
      validity: { period: "1M" },
      want: utc(2028, 3, 1),
    },
    {
      label: "30 Mar + 1 month → through 30 Apr",
      startMs: utc(2027, 3, 30),
      validity: { period: "1M" },
      want: utc(2027, 5, 1),
    },
    {
      label: "31 Mar + 1 month → through 30 Apr (clamped)",
      startMs: utc(2027, 3, 31),
      validity: { period: "1M" },
      want: utc(2027, 5, 1),
    },
    {
      label: "29 Feb + 12 months → through 28 Feb",
      startMs: utc(2028, 2, 29, 12),
      validity: { period: "12M" },
      want: utc(2029, 3, 1),
    },
    {
      label: "1Y is 12M",
      startMs: utc(2028, 2, 29, 12),
      validity: { period: "1Y" },
      want: utc(2029, 3, 1),
    },
    {
      label: "0 months: expires at the midnight after the earn day",
      startMs: utc(2027, 1, 1, 9),
      validity: { period: "0M" },
      want: utc(2027, 1, 2),
    },
    {
      label: "90 days crosses a month end",
      startMs: utc(2027, 1, 1, 9),
      validity: { period: "90D" },
      want: utc(2027, 4, 2),
    },
    {
      label: "rounded up to the end of the month",
      startMs: utc(2027, 1, 5),
      validity: { period: "12M", roundUpTo: "month" },
      want: utc(2028, 2, 1),
    },
    {
      label: "rounded up to the end of the quarter",
      startMs: utc(2027, 1, 5),
      validity: { period: "12M", roundUpTo: "quarter" },
      want: utc(2028, 4, 1),
    },
    {
      label: "already the last day of a quarter stays",
      startMs: utc(2026, 3, 31),
      validity: { period: "12M", roundUpTo: "quarter" },
      want: utc(2027, 4, 1),
    },
    {
      label: "rounded up to the end of the half-year",
      startMs: utc(2027, 7, 1),
      validity: { period: "1M", roundUpTo: "half_year" },
      want: utc(2028, 1, 1),
    },
    {
      label: "rounded up to the end of the year",
      startMs: utc(2027, 2, 10),
      validity: { period: "12M", roundUpTo: "year" },
      want: utc(2029, 1, 1),
    },
    {
      label: "31 Jan + 1 month rounded to the month end → through 28 Feb",
      startMs: utc(2027, 1, 31),
      validity: { period: "1M", roundUpTo: "month" },
      want: utc(2027, 3, 1),
    },
  ])("$label", ({ startMs, validity, want }) => {
    expect(expiresAtMs(startMs, validity, "UTC")).toBe(want);
  });
});

describe("expiresAtMs in a program's time zone", () => {
  test.each([
    {
      label: "Kolkata: 31 Jan 20:00 UTC is already 1 Feb locally → through 1 Mar",
      startMs: utc(2027, 1, 31, 20),
      timeZone: "Asia/Kolkata",
      // Local midnight 2 Mar IST = 1 Mar 18:30 UTC.
      want: Date.UTC(2027, 2, 1, 18, 30),
    },
    {
      label: "New York: 1 Feb 03:00 UTC is still 31 Jan locally → through 28 Feb",
      startMs: utc(2027, 2, 1, 3),
      timeZone: "America/New_York",
      // Local midnight 1 Mar EST (UTC−5) = 1 Mar 05:00 UTC.
      want: utc(2027, 3, 1, 5),
    },
    {
      label: "Berlin across DST: the expiry midnight is in summer time (UTC+2)",
      startMs: utc(2027, 3, 1, 12),
      timeZone: "Europe/Berlin",
      // Through 1 Apr; local midnight 2 Apr CEST = 1 Apr 22:00 UTC.
      want: utc(2027, 4, 1, 22),
    },
  ])("$label", ({ startMs, timeZone, want }) => {
    expect(expiresAtMs(startMs, { period: "1M" }, timeZone)).toBe(want);
  });
});

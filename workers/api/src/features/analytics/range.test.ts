import { describe, expect, it } from "vitest";
import { analyticsRange } from "./range";

const NOW = Date.parse("2026-03-31T15:00:00Z");

describe("analyticsRange", () => {
  const cases: Array<[string, { from?: string; to?: string }, unknown]> = [
    [
      "defaults to the 30 days up to today",
      {},
      {
        from: "2026-03-02",
        to: "2026-03-31",
        days: 30,
        previous: { from: "2026-01-31", to: "2026-03-01" },
      },
    ],
    [
      "one day compares with the day before",
      { from: "2026-03-01", to: "2026-03-01" },
      {
        from: "2026-03-01",
        to: "2026-03-01",
        days: 1,
        previous: { from: "2026-02-28", to: "2026-02-28" },
      },
    ],
    [
      "ten days compare with the ten before, across a month",
      { from: "2026-03-01", to: "2026-03-10" },
      {
        from: "2026-03-01",
        to: "2026-03-10",
        days: 10,
        previous: { from: "2026-02-19", to: "2026-02-28" },
      },
    ],
    [
      "from alone ends today",
      { from: "2026-03-30" },
      {
        from: "2026-03-30",
        to: "2026-03-31",
        days: 2,
        previous: { from: "2026-03-28", to: "2026-03-29" },
      },
    ],
  ];
  it.each(cases)("%s", (_name, query, expected) => {
    expect(analyticsRange(query, NOW)).toEqual(expected);
  });

  it("refuses an inverted range, naming from", () => {
    expect(() => analyticsRange({ from: "2026-03-02", to: "2026-03-01" }, NOW)).toThrow(/after/);
  });

  it("refuses more than 366 days", () => {
    expect(() => analyticsRange({ from: "2025-01-01", to: "2026-03-01" }, NOW)).toThrow(/366/);
    expect(analyticsRange({ from: "2025-03-01", to: "2026-03-01" }, NOW).days).toBe(366);
  });
});

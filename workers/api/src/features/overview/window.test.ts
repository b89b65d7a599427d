import { describe, expect, test } from "vitest";
import { overviewWindow, perDay } from "./window";

describe("overviewWindow", () => {
  test.each([
    {
      label: "mid-day: today is the day of asOf",
      asOf: "2026-03-05T10:00:00Z",
      windowDays: 3,
      days: ["2026-03-03", "2026-03-04", "2026-03-05"],
      from: "2026-03-03T00:00:00.000Z",
      to: "2026-03-06T00:00:00.000Z",
      today: "2026-03-05T00:00:00.000Z",
    },
    {
      label: "at midnight the new day is today",
      asOf: "2026-03-05T00:00:00Z",
      windowDays: 1,
      days: ["2026-03-05"],
      from: "2026-03-05T00:00:00.000Z",
      to: "2026-03-06T00:00:00.000Z",
      today: "2026-03-05T00:00:00.000Z",
    },
    {
      label: "one millisecond before midnight is still the old day",
      asOf: "2026-03-04T23:59:59.999Z",
      windowDays: 2,
      days: ["2026-03-03", "2026-03-04"],
      from: "2026-03-03T00:00:00.000Z",
      to: "2026-03-05T00:00:00.000Z",
      today: "2026-03-04T00:00:00.000Z",
    },
    {
      label: "across a month end",
      asOf: "2026-03-01T08:00:00Z",
      windowDays: 2,
      days: ["2026-02-28", "2026-03-01"],
      from: "2026-02-28T00:00:00.000Z",
      to: "2026-03-02T00:00:00.000Z",
      today: "2026-03-01T00:00:00.000Z",
    },
  ])("$label", ({ asOf, windowDays, days, from, to, today }) => {
    const w = overviewWindow(Date.parse(asOf), windowDays);
    expect(w.days).toEqual(days);
    expect(new Date(w.fromMs).toISOString()).toBe(from);
    expect(new Date(w.toMs).toISOString()).toBe(to);
    expect(new Date(w.todayFromMs).toISOString()).toBe(today);
  });

  test("30 days by default", () => {
    expect(overviewWindow(Date.parse("2026-03-05T10:00:00Z")).days).toHaveLength(30);
  });
});

describe("perDay", () => {
  const days = ["d1", "d2", "d3"];
  test.each([
    { label: "no rows: zeros", rows: [], values: [0, 0, 0] },
    { label: "sparse rows fill their day", rows: [{ day: "d2", value: 5 }], values: [0, 5, 0] },
    {
      label: "rows of one day add up",
      rows: [
        { day: "d3", value: 2 },
        { day: "d3", value: 4 },
      ],
      values: [0, 0, 6],
    },
    {
      label: "days outside the window are ignored",
      rows: [{ day: "d9", value: 7 }],
      values: [0, 0, 0],
    },
  ])("$label", ({ rows, values }) => {
    expect(perDay(days, rows).map((r) => r.value)).toEqual(values);
    expect(perDay(days, rows).map((r) => r.day)).toEqual(days);
  });
});

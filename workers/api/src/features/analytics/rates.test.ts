import { describe, expect, it } from "vitest";
import { dayBounds, everyDay, holdOutcome, isFalsePositive, rateBps } from "./rates";

describe("holdOutcome and isFalsePositive", () => {
  it.each([
    { status: "active", endedHow: null, label: null, outcome: "pending", fp: false },
    { status: "released", endedHow: "operator", label: null, outcome: "released", fp: true },
    { status: "released", endedHow: "operator", label: "not_fraud", outcome: "released", fp: true },
    { status: "released", endedHow: "operator", label: "fraud", outcome: "released", fp: false },
    { status: "released", endedHow: "operator", label: "unsure", outcome: "released", fp: true },
    { status: "released", endedHow: "auto", label: null, outcome: "released", fp: true },
    { status: "released", endedHow: "step_up", label: null, outcome: "step_up", fp: true },
    {
      status: "upheld",
      endedHow: "operator",
      label: "fraud",
      outcome: "confirmed_fraud",
      fp: false,
    },
    { status: "upheld", endedHow: "operator", label: null, outcome: "confirmed_fraud", fp: false },
    {
      status: "upheld",
      endedHow: "operator",
      label: "not_fraud",
      outcome: "confirmed_fraud",
      fp: true,
    },
  ])("$status/$endedHow/$label → $outcome, false positive $fp", (h) => {
    expect(holdOutcome(h)).toBe(h.outcome);
    expect(isFalsePositive(h)).toBe(h.fp);
  });
});

describe("rateBps", () => {
  it.each([
    [0, 0, null],
    [5, 0, null],
    [0, 4, 0],
    [1, 3, 3333],
    [2, 3, 6667],
    [1, 8, 1250],
    [3, 3, 10_000],
  ])("%i of %i → %s", (part, whole, want) => {
    expect(rateBps(part, whole)).toBe(want);
  });
});

describe("everyDay and dayBounds", () => {
  it("lists every day, filling the gaps with zero rows", () => {
    const rows = [{ day: "2026-02-28", n: 2 }];
    expect(everyDay("2026-02-27", "2026-03-01", rows, (day) => ({ day, n: 0 }))).toEqual([
      { day: "2026-02-27", n: 0 },
      { day: "2026-02-28", n: 2 },
      { day: "2026-03-01", n: 0 },
    ]);
  });
  it("one day is [midnight, next midnight)", () => {
    expect(dayBounds({ from: "2026-03-01", to: "2026-03-01" })).toEqual({
      fromMs: Date.parse("2026-03-01T00:00:00Z"),
      toMs: Date.parse("2026-03-02T00:00:00Z"),
    });
  });
});

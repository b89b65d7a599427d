import { describe, expect, test } from "vitest";
import type { Budget, ConditionTrace, Effect } from "#shared/rules/index";
import {
  budgetSummary,
  conditionRows,
  effectSummary,
  factText,
  ruleIdAt,
  unitValue,
} from "./summary";

describe("effectSummary", () => {
  test.each<[string, Effect, string]>([
    ["percent cashback", { kind: "cashback_percent", rateBps: 250 }, "2.5% cashback"],
    [
      "fixed cashback",
      { kind: "cashback_fixed", amountMinor: 5_000, currency: "INR" },
      "₹50.00 cashback",
    ],
    ["fixed points", { kind: "points_fixed", points: 1_500 }, "1,500 points"],
    [
      "points per unit",
      { kind: "points_per_unit", points: 10, perUnitMinor: 10_000 },
      "10 points per 10,000 minor units spent",
    ],
    [
      "points multiplier",
      { kind: "multiplier", factorBps: 15_000, appliesTo: "points" },
      "×1.5 points",
    ],
    [
      "referral",
      { kind: "referral_reward", programId: "friends" },
      "referral reward (program friends)",
    ],
  ])("%s", (_label, effect, text) => {
    expect(effectSummary(effect)).toBe(text);
  });
});

describe("budgetSummary and unitValue", () => {
  test.each<[string, Budget, string]>([
    [
      "user points",
      { entity: "user", period: "month", limit: { points: 500 } },
      "per user, month: 500 points",
    ],
    [
      "global money",
      { entity: "global", period: "day", limit: { amountMinor: 500_000, currency: "INR" } },
      "global, day: ₹5,000.00",
    ],
    [
      "campaign",
      { entity: "campaign", period: "lifetime", limit: { points: 1 } },
      "per campaign, lifetime: 1 points",
    ],
    [
      "global, split",
      { entity: "global", period: "month", limit: { points: 9_000 }, parts: 4 },
      "global, month: 9,000 points, in 4 parts",
    ],
  ])("%s", (_label, budget, text) => {
    expect(budgetSummary(budget)).toBe(text);
  });

  test.each([
    ["points", 1_234, "points", "1,234 points"],
    ["money", 12_345, "INR", "₹123.45"],
  ])("%s", (_label, value, unit, text) => {
    expect(unitValue(value as number, unit as string)).toBe(text);
  });
});

describe("conditionRows", () => {
  const tree: ConditionTrace = {
    kind: "all",
    result: "fail",
    children: [
      {
        kind: "attribute",
        attr: "event.amountMinor",
        op: "gte",
        expected: 100_000,
        actual: 50_000,
        result: "fail",
      },
      {
        kind: "any",
        result: "not_evaluated",
        children: [
          { kind: "day_of_week", expected: ["sat", "sun"], actual: null, result: "not_evaluated" },
          { kind: "time_window", from: "22:00", to: "02:00", actual: "23:10", result: "pass" },
        ],
      },
      {
        kind: "attribute",
        attr: "event.category",
        op: "in",
        expected: ["books"],
        actual: null,
        result: "not_evaluated",
      },
    ],
  };

  test("flattens the tree parents first, with depth and the values compared", () => {
    expect(conditionRows(tree)).toEqual([
      { depth: 0, test: "all of", expected: "", actual: "", result: "fail" },
      {
        depth: 1,
        test: "event.amountMinor gte",
        expected: "100000",
        actual: "50000",
        result: "fail",
      },
      { depth: 1, test: "any of", expected: "", actual: "", result: "not_evaluated" },
      {
        depth: 2,
        test: "local day of week in",
        expected: "sat, sun",
        actual: "—",
        result: "not_evaluated",
      },
      { depth: 2, test: "local time in", expected: "22:00–02:00", actual: "23:10", result: "pass" },
      {
        depth: 1,
        test: "event.category in",
        expected: '["books"]',
        actual: "—",
        result: "not_evaluated",
      },
    ]);
  });

  test.each([
    ["out of schedule: no rows", null, 0],
    [
      "a lone leaf",
      {
        kind: "attribute",
        attr: "user.tier",
        op: "eq",
        expected: "gold",
        actual: "gold",
        result: "pass",
      },
      1,
    ],
  ] as const)("%s", (_label, trace, rows) => {
    expect(conditionRows(trace as ConditionTrace | null)).toHaveLength(rows);
  });

  test.each([
    ["string", "gold", '"gold"'],
    ["number", 5, "5"],
    ["absent", null, "—"],
    ["list", ["a", "b"], '["a","b"]'],
  ])("factText of a %s", (_label, value, text) => {
    expect(factText(value)).toBe(text);
  });
});

describe("ruleIdAt", () => {
  const typed = { rules: [{ id: "a" }, { id: 7 }, { name: "no id" }] };
  test.each([
    ["a rule's field", "rules[0].conditions.all[1].op", typed, "a"],
    ["the rule itself", "rules[0]", typed, "a"],
    ["an id that is not a string", "rules[1].id", typed, undefined],
    ["a rule without an id", "rules[2].effects", typed, undefined],
    ["past the end", "rules[9].group", typed, undefined],
    ["not in a rule", "groups[0].mode", typed, undefined],
    ["rules that are not a list", "rules[0].id", { rules: {} }, undefined],
    ["nothing typed", "rules[0].id", null, undefined],
  ])("%s", (_label, path, value, id) => {
    expect(ruleIdAt(path, value)).toBe(id);
  });
});

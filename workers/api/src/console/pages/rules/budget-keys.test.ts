import { describe, expect, test } from "vitest";
import type { Rule } from "#shared/rules/index";
import { budgetsOf, type LookupInput, lookupKey } from "./budget-keys";

const rule = (id: string, extra: Partial<Rule>): Rule => ({
  id,
  name: id,
  eventTypes: ["purchase.completed"],
  conditions: { all: [] },
  effects: [{ kind: "points_fixed", points: 10 }],
  priority: 0,
  group: "base",
  schedule: {},
  budgets: [],
  active: true,
  ...extra,
});

// 31 March 2026 20:00 UTC is 1 April 01:30 in Kolkata.
const NOW = Date.UTC(2026, 2, 31, 20);

describe("budgetsOf", () => {
  test("keys the current period in the rule set's zone for global and campaign budgets, none for users", () => {
    const rows = budgetsOf(
      {
        timeZone: "Asia/Kolkata",
        groups: [{ name: "base", mode: "stackable" }],
        rules: [
          rule("no-budget", {}),
          rule("capped", {
            budgets: [
              { entity: "global", period: "month", limit: { points: 1_000 } },
              { entity: "user", period: "day", limit: { points: 50 } },
            ],
          }),
          rule("diwali", {
            campaignId: "diwali-2026",
            budgets: [{ entity: "campaign", period: "lifetime", limit: { points: 9 } }],
          }),
        ],
      },
      NOW,
    );
    expect(rows.map((r) => [r.ruleId, r.budget.entity, r.period, r.key])).toEqual([
      ["capped", "global", "month:2026-04", "rule:capped:global:month:2026-04"],
      ["capped", "user", "day:2026-04-01", null],
      ["diwali", "campaign", "lifetime", "rule:diwali:campaign:diwali-2026:lifetime"],
    ]);
  });
});

describe("lookupKey", () => {
  const base: LookupInput = {
    ruleId: "r1",
    entity: "user",
    entityId: "u9",
    period: "month",
    date: "",
  };
  test.each<[string, Partial<LookupInput>, string]>([
    ["now, in the zone", {}, "rule:r1:user:u9:month:2026-04"],
    ["a date's month", { date: "2026-03-15" }, "rule:r1:user:u9:month:2026-03"],
    [
      "a date's ISO week across the year",
      { period: "week", date: "2027-01-01" },
      "rule:r1:user:u9:week:2026-W53",
    ],
    ["a date's day", { period: "day", date: "2026-02-28" }, "rule:r1:user:u9:day:2026-02-28"],
    ["lifetime", { period: "lifetime", date: "2026-02-28" }, "rule:r1:user:u9:lifetime"],
    ["global needs no id", { entity: "global", entityId: "" }, "rule:r1:global:month:2026-04"],
    ["a user id with a colon is encoded", { entityId: "a:b" }, "rule:r1:user:a%3Ab:month:2026-04"],
  ])("%s", (_label, change, key) => {
    expect(lookupKey({ ...base, ...change }, "Asia/Kolkata", NOW)).toEqual({ ok: true, key });
  });

  test.each<[string, Partial<LookupInput>, string[]]>([
    ["no rule", { ruleId: "" }, ["ruleId"]],
    ["a user budget without the user", { entityId: "" }, ["entityId"]],
    ["a date that is not one", { date: "5 Dec" }, ["date"]],
    [
      "all at once",
      { ruleId: "", entity: "campaign", entityId: "", date: "2026-13-45" },
      ["ruleId", "entityId", "date"],
    ],
  ])("refuses %s", (_label, change, paths) => {
    const result = lookupKey({ ...base, ...change }, "Asia/Kolkata", NOW);
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.errors.map((e) => e.path)).toEqual(paths);
  });
});

import { describe, expect, test } from "vitest";
import type { Facts } from "./attributes";
import { CompiledRuleSetCache, compileRuleSet } from "./compile";
import type { Condition } from "./conditions";
import { evaluate } from "./evaluate";
import { type RuleInput, validateRuleSet } from "./rule-schema";
import { compiled, NOW_MS, purchase, rule, ruleSetInput } from "./testing/fixtures";

const matches = (condition: Condition, facts: Facts, timeZone = "UTC") => {
  const set = compiled([rule({ id: "r", conditions: condition })], { timeZone });
  return evaluate(set, facts, { nowMs: NOW_MS }).applied.length === 1;
};

describe("condition operators", () => {
  test.each([
    {
      label: "eq string, equal",
      c: { attr: "user.tier", op: "eq", value: "gold" },
      facts: {},
      want: true,
    },
    {
      label: "eq string, different",
      c: { attr: "user.tier", op: "eq", value: "silver" },
      facts: {},
      want: false,
    },
    {
      label: "eq string, absent",
      c: { attr: "user.tier", op: "eq", value: "gold" },
      facts: { "user.tier": undefined },
      want: false,
    },
    {
      label: "eq boolean",
      c: { attr: "context.firstOfKindThisMonth", op: "eq", value: true },
      facts: {},
      want: true,
    },
    {
      label: "eq boolean false",
      c: { attr: "context.firstOfKindThisMonth", op: "eq", value: false },
      facts: {},
      want: false,
    },
    {
      label: "eq number",
      c: { attr: "event.amountMinor", op: "eq", value: 250_000 },
      facts: {},
      want: true,
    },
    {
      label: "ne, different",
      c: { attr: "event.category", op: "ne", value: "books" },
      facts: {},
      want: true,
    },
    {
      label: "ne, equal",
      c: { attr: "event.category", op: "ne", value: "electronics" },
      facts: {},
      want: false,
    },
    {
      label: "ne, absent fails",
      c: { attr: "event.category", op: "ne", value: "books" },
      facts: { "event.category": undefined },
      want: false,
    },
    {
      label: "gt above",
      c: { attr: "event.amountMinor", op: "gt", value: 249_999 },
      facts: {},
      want: true,
    },
    {
      label: "gt at the bound",
      c: { attr: "event.amountMinor", op: "gt", value: 250_000 },
      facts: {},
      want: false,
    },
    {
      label: "gte at the bound",
      c: { attr: "event.amountMinor", op: "gte", value: 250_000 },
      facts: {},
      want: true,
    },
    {
      label: "gte below",
      c: { attr: "event.amountMinor", op: "gte", value: 250_001 },
      facts: {},
      want: false,
    },
    {
      label: "lt below",
      c: { attr: "user.accountAgeDays", op: "lt", value: 41 },
      facts: {},
      want: true,
    },
    {
      label: "lt at the bound",
      c: { attr: "user.accountAgeDays", op: "lt", value: 40 },
      facts: {},
      want: false,
    },
    {
      label: "lte at the bound",
      c: { attr: "user.accountAgeDays", op: "lte", value: 40 },
      facts: {},
      want: true,
    },
    {
      label: "lte above",
      c: { attr: "user.accountAgeDays", op: "lte", value: 39 },
      facts: {},
      want: false,
    },
    {
      label: "gt, absent fails",
      c: { attr: "event.amountMinor", op: "gt", value: 0 },
      facts: { "event.amountMinor": undefined },
      want: false,
    },
    {
      label: "in, listed",
      c: { attr: "event.merchantId", op: "in", value: ["a", "shopkart"] },
      facts: {},
      want: true,
    },
    {
      label: "in, not listed",
      c: { attr: "event.merchantId", op: "in", value: ["a", "b"] },
      facts: {},
      want: false,
    },
    {
      label: "in numbers",
      c: { attr: "context.countOfKindThisMonth", op: "in", value: [0, 1] },
      facts: {},
      want: true,
    },
    {
      label: "not_in, not listed",
      c: { attr: "event.category", op: "not_in", value: ["books"] },
      facts: {},
      want: true,
    },
    {
      label: "not_in, listed",
      c: { attr: "event.category", op: "not_in", value: ["electronics"] },
      facts: {},
      want: false,
    },
    {
      label: "not_in, absent fails",
      c: { attr: "event.category", op: "not_in", value: ["books"] },
      facts: { "event.category": undefined },
      want: false,
    },
    {
      label: "contains_any, one shared",
      c: { attr: "user.segments", op: "contains_any", value: ["vip", "app"] },
      facts: {},
      want: true,
    },
    {
      label: "contains_any, none shared",
      c: { attr: "user.segments", op: "contains_any", value: ["vip"] },
      facts: {},
      want: false,
    },
    {
      label: "contains_any, empty segments",
      c: { attr: "user.segments", op: "contains_any", value: ["vip"] },
      facts: { "user.segments": [] },
      want: false,
    },
    {
      label: "contains_all, all present",
      c: { attr: "user.segments", op: "contains_all", value: ["app", "new"] },
      facts: {},
      want: true,
    },
    {
      label: "contains_all, one missing",
      c: { attr: "user.segments", op: "contains_all", value: ["app", "vip"] },
      facts: {},
      want: false,
    },
    {
      label: "exists true, present",
      c: { attr: "user.tier", op: "exists", value: true },
      facts: {},
      want: true,
    },
    {
      label: "exists true, absent",
      c: { attr: "user.tier", op: "exists", value: true },
      facts: { "user.tier": undefined },
      want: false,
    },
    {
      label: "exists false, absent",
      c: { attr: "user.signedUpAtMs", op: "exists", value: false },
      facts: {},
      want: true,
    },
    {
      label: "exists false, present",
      c: { attr: "user.tier", op: "exists", value: false },
      facts: {},
      want: false,
    },
    {
      label: "custom attribute eq",
      c: { attr: "event.attributes.channel", op: "eq", value: "app" },
      facts: { "event.attributes.channel": "app" },
      want: true,
    },
    {
      label: "custom attribute gt",
      c: { attr: "event.attributes.score", op: "gt", value: 8 },
      facts: { "event.attributes.score": 9 },
      want: true,
    },
    {
      label: "custom attribute gt on a string fails",
      c: { attr: "event.attributes.score", op: "gt", value: 8 },
      facts: { "event.attributes.score": "9" },
      want: false,
    },
    { label: "all of none", c: { all: [] }, facts: {}, want: true },
    {
      label: "all, one fails",
      c: {
        all: [
          { attr: "user.tier", op: "eq", value: "gold" },
          { attr: "event.category", op: "eq", value: "books" },
        ],
      },
      facts: {},
      want: false,
    },
    {
      label: "any, one passes",
      c: {
        any: [
          { attr: "event.category", op: "eq", value: "books" },
          { attr: "user.tier", op: "eq", value: "gold" },
        ],
      },
      facts: {},
      want: true,
    },
    {
      label: "any of five, none passes",
      c: { any: [1, 2, 3, 4, 5].map((n) => ({ attr: "user.accountAgeDays", op: "eq", value: n })) },
      facts: {},
      want: false,
    },
    {
      label: "all of four, all pass",
      c: { all: [1, 2, 3, 4].map((n) => ({ attr: "user.accountAgeDays", op: "gt", value: n })) },
      facts: {},
      want: true,
    },
    {
      label: "not",
      c: { not: { attr: "user.tier", op: "eq", value: "gold" } },
      facts: {},
      want: false,
    },
    // 18 March 2026 12:00 UTC is a Wednesday.
    {
      label: "day of week, listed",
      c: { local: "day_of_week", in: ["wed"] },
      facts: {},
      want: true,
    },
    {
      label: "day of week, not listed",
      c: { local: "day_of_week", in: ["sat", "sun"] },
      facts: {},
      want: false,
    },
    {
      label: "day of week, an event time past the end of Date",
      c: { local: "day_of_week", in: ["wed"] },
      facts: { "event.occurredAtMs": 1e20 },
      want: false,
    },
    {
      label: "day of week, no event time",
      c: { local: "day_of_week", in: ["wed"] },
      facts: { "event.occurredAtMs": undefined },
      want: false,
    },
    {
      label: "time window, inside",
      c: { local: "time_window", from: "11:00", to: "13:00" },
      facts: {},
      want: true,
    },
    {
      label: "time window, from is inclusive",
      c: { local: "time_window", from: "12:00", to: "13:00" },
      facts: {},
      want: true,
    },
    {
      label: "time window, to is exclusive",
      c: { local: "time_window", from: "10:00", to: "12:00" },
      facts: {},
      want: false,
    },
    {
      label: "time window across midnight, late",
      c: { local: "time_window", from: "22:00", to: "02:00" },
      facts: { "event.occurredAtMs": Date.UTC(2026, 2, 18, 23, 30) },
      want: true,
    },
    {
      label: "time window across midnight, early",
      c: { local: "time_window", from: "22:00", to: "02:00" },
      facts: { "event.occurredAtMs": Date.UTC(2026, 2, 18, 1, 59) },
      want: true,
    },
    {
      label: "time window across midnight, outside",
      c: { local: "time_window", from: "22:00", to: "02:00" },
      facts: { "event.occurredAtMs": Date.UTC(2026, 2, 18, 2, 0) },
      want: false,
    },
  ] as { label: string; c: Condition; facts: Facts; want: boolean }[])(
    "$label",
    ({ c, facts, want }) => {
      expect(matches(c, purchase(facts))).toBe(want);
    },
  );

  test.each([
    // 18:45 UTC on Wednesday is 00:15 on Thursday in Kolkata.
    {
      label: "Kolkata: local day is Thursday",
      c: { local: "day_of_week", in: ["thu"] },
      zone: "Asia/Kolkata",
      want: true,
    },
    {
      label: "Kolkata: local time is 00:15",
      c: { local: "time_window", from: "00:00", to: "00:30" },
      zone: "Asia/Kolkata",
      want: true,
    },
    {
      label: "New York: still Wednesday 14:45",
      c: { local: "time_window", from: "14:00", to: "15:00" },
      zone: "America/New_York",
      want: true,
    },
    {
      label: "Auckland: Thursday 07:45",
      c: { local: "day_of_week", in: ["thu"] },
      zone: "Pacific/Auckland",
      want: true,
    },
  ] as { label: string; c: Condition; zone: string; want: boolean }[])(
    "$label",
    ({ c, zone, want }) => {
      expect(
        matches(c, purchase({ "event.occurredAtMs": Date.UTC(2026, 2, 18, 18, 45) }), zone),
      ).toBe(want);
    },
  );
});

const points = (id: string, p: number, extra: Partial<RuleInput> = {}) =>
  rule({ id, effects: [{ kind: "points_fixed", points: p }], ...extra });
const appliedIds = (result: ReturnType<typeof evaluate>) => result.applied.map((a) => a.ruleId);

describe("stacking modes", () => {
  const rules = [
    points("a", 30, { priority: 1, group: "g" }),
    points("b", 50, { priority: 5, group: "g" }),
    points("c", 10, { priority: 5, group: "g" }),
    points("d", 70, {
      priority: 0,
      group: "g",
      conditions: { attr: "user.tier", op: "eq", value: "silver" },
    }),
  ];
  test.each([
    {
      label: "stackable: every matching rule applies",
      mode: "stackable",
      want: ["b", "c", "a"],
      outranked: [],
    },
    {
      label: "first_match: highest priority, ties by id",
      mode: "first_match",
      want: ["b"],
      outranked: ["c", "a"],
    },
    { label: "highest: the largest value", mode: "highest", want: ["b"], outranked: ["c", "a"] },
    { label: "lowest: the smallest value", mode: "lowest", want: ["c"], outranked: ["b", "a"] },
  ] as const)("$label", ({ mode, want, outranked }) => {
    const set = compiled(rules, { groups: [{ name: "g", mode }] });
    const fast = evaluate(set, purchase(), { nowMs: NOW_MS });
    const traced = evaluate(set, purchase(), { nowMs: NOW_MS, trace: true });
    expect(appliedIds(fast)).toEqual(want);
    expect(traced.applied).toEqual(fast.applied);
    const trace = traced.trace?.rules ?? [];
    expect(trace.filter((r) => r.outcome === "outranked").map((r) => r.ruleId)).toEqual(outranked);
    for (const r of trace.filter((t) => t.outcome === "outranked"))
      expect(r.outrankedBy).toBe(want[0]);
    expect(trace.find((r) => r.ruleId === "d")?.outcome).toBe("conditions_failed");
  });

  test("highest: equal values go to the higher priority, then the smaller id", () => {
    const set = compiled(
      [
        points("z", 40, { priority: 2, group: "g" }),
        points("y", 40, { priority: 2, group: "g" }),
        points("x", 40, { group: "g" }),
      ],
      { groups: [{ name: "g", mode: "highest" }] },
    );
    expect(appliedIds(evaluate(set, purchase(), { nowMs: NOW_MS }))).toEqual(["y"]);
  });

  test("highest by money: percent against fixed in the event's currency", () => {
    const set = compiled(
      [
        rule({ id: "pct", group: "g", effects: [{ kind: "cashback_percent", rateBps: 100 }] }), // 2,500
        rule({
          id: "fixed",
          group: "g",
          effects: [{ kind: "cashback_fixed", amountMinor: 3_000, currency: "INR" }],
        }),
        rule({
          id: "usd",
          group: "g",
          effects: [{ kind: "cashback_fixed", amountMinor: 9_999, currency: "USD" }],
        }),
      ],
      { groups: [{ name: "g", mode: "highest" }] },
    );
    const result = evaluate(set, purchase(), { nowMs: NOW_MS, trace: true });
    expect(appliedIds(result)).toEqual(["fixed"]);
    expect(result.trace?.rules.map((r) => [r.ruleId, r.rankValue])).toEqual([
      ["fixed", 3_000],
      ["pct", 2_500],
      ["usd", 0], // another currency is never compared with INR
    ]);
  });

  test("groups are independent and keep their declared order", () => {
    const set = compiled(
      [
        points("s1", 1, { group: "base" }),
        points("s2", 2, { group: "base" }),
        points("h1", 5, { group: "bonus" }),
        points("h2", 9, { group: "bonus" }),
      ],
      {
        groups: [
          { name: "bonus", mode: "highest" },
          { name: "base", mode: "stackable" },
        ],
      },
    );
    expect(appliedIds(evaluate(set, purchase(), { nowMs: NOW_MS }))).toEqual(["h2", "s1", "s2"]);
  });
});

describe("schedules", () => {
  test.each([
    {
      label: "before the start",
      schedule: { startsAtMs: NOW_MS + 1 },
      status: "not_started",
      applies: false,
    },
    {
      label: "at the start (inclusive)",
      schedule: { startsAtMs: NOW_MS },
      status: "in",
      applies: true,
    },
    {
      label: "a millisecond before the end",
      schedule: { endsAtMs: NOW_MS + 1 },
      status: "in",
      applies: true,
    },
    {
      label: "at the end (exclusive)",
      schedule: { endsAtMs: NOW_MS },
      status: "ended",
      applies: false,
    },
    { label: "open on both sides", schedule: {}, status: "in", applies: true },
  ] as const)("$label", ({ schedule, status, applies }) => {
    const set = compiled([points("r", 5, { schedule })]);
    const result = evaluate(set, purchase(), { nowMs: NOW_MS, trace: true });
    expect(result.applied.length === 1).toBe(applies);
    expect(result.trace?.rules[0]?.schedule.status).toBe(status);
    if (!applies) {
      expect(result.trace?.rules[0]?.outcome).toBe("out_of_schedule");
      expect(result.trace?.rules[0]?.conditions).toBeNull();
    }
  });

  test("first_match falls through to the next rule when the first is out of schedule", () => {
    const set = compiled(
      [
        points("early", 5, { priority: 9, group: "g", schedule: { endsAtMs: NOW_MS } }),
        points("late", 7, { group: "g" }),
      ],
      { groups: [{ name: "g", mode: "first_match" }] },
    );
    expect(appliedIds(evaluate(set, purchase(), { nowMs: NOW_MS }))).toEqual(["late"]);
  });
});

describe("effect values and multipliers", () => {
  test.each([
    {
      label: "cashback percent rounds down",
      effect: { kind: "cashback_percent", rateBps: 333 },
      amount: 12_345,
      want: { cashbackAskedMinor: 411, currency: "INR" },
    },
    {
      label: "cashback fixed",
      effect: { kind: "cashback_fixed", amountMinor: 5_000, currency: "INR" },
      amount: 1,
      want: { cashbackAskedMinor: 5_000, currency: "INR" },
    },
    {
      label: "points fixed",
      effect: { kind: "points_fixed", points: 25 },
      amount: 1,
      want: { pointsAsked: 25 },
    },
    {
      label: "points per unit: whole units only",
      effect: { kind: "points_per_unit", points: 2, perUnitMinor: 10_000 },
      amount: 259_999,
      want: { pointsAsked: 50 },
    },
    {
      label: "points per unit below one unit",
      effect: { kind: "points_per_unit", points: 2, perUnitMinor: 10_000 },
      amount: 9_999,
      want: { pointsAsked: 0 },
    },
  ] as const)("$label", ({ effect, amount, want }) => {
    const set = compiled([rule({ id: "r", effects: [effect] })]);
    const [applied] = evaluate(set, purchase({ "event.amountMinor": amount }), {
      nowMs: NOW_MS,
    }).applied;
    expect(applied).toMatchObject(want);
  });

  test("multipliers: product of the factors on the base points, rounded once, bonus split pro rata", () => {
    const set = compiled([
      rule({ id: "base", effects: [{ kind: "points_per_unit", points: 1, perUnitMinor: 100 }] }), // 2,500
      rule({ id: "bonus", effects: [{ kind: "points_fixed", points: 1 }] }), // 1
      rule({
        id: "gold",
        effects: [{ kind: "multiplier", factorBps: 15_000, appliesTo: "points" }],
      }),
      rule({
        id: "weekend",
        effects: [{ kind: "multiplier", factorBps: 20_000, appliesTo: "points" }],
      }),
    ]);
    const result = evaluate(set, purchase(), { nowMs: NOW_MS, trace: true });
    // 2,501 × 1.5 × 2 = 7,503; bonus 5,002 split 1:2 (0.5 : 1.0) → 1,667 and 3,335.
    expect(result.applied.map((a) => [a.ruleId, a.pointsAsked])).toEqual([
      ["base", 2_500],
      ["bonus", 1],
      ["gold", 1_667],
      ["weekend", 3_335],
    ]);
    expect(result.trace?.multipliers).toEqual([
      {
        appliesTo: "points",
        base: 2_501,
        factorsBps: [15_000, 20_000],
        total: 7_503,
        bonus: 5_002,
      },
    ]);
  });

  test("a fractional product rounds down once, not per factor", () => {
    const set = compiled([
      rule({ id: "base", effects: [{ kind: "points_fixed", points: 3 }] }),
      rule({ id: "m1", effects: [{ kind: "multiplier", factorBps: 15_000, appliesTo: "points" }] }),
      rule({ id: "m2", effects: [{ kind: "multiplier", factorBps: 15_000, appliesTo: "points" }] }),
    ]);
    // 3 × 1.5 × 1.5 = 6.75 → 6.
    const result = evaluate(set, purchase(), { nowMs: NOW_MS });
    expect(result.applied.reduce((sum, a) => sum + (a.pointsAsked ?? 0), 0)).toBe(6);
    const three = compiled([
      rule({ id: "base", effects: [{ kind: "points_fixed", points: 3 }] }),
      ...["m1", "m2", "m3"].map((id) =>
        rule({ id, effects: [{ kind: "multiplier", factorBps: 15_000, appliesTo: "points" }] }),
      ),
    ]);
    // 3 × 3.375 = 10.125 → 10; per factor: 4 → 6 → 9.
    const total = evaluate(three, purchase(), { nowMs: NOW_MS }).applied.reduce(
      (s, a) => s + (a.pointsAsked ?? 0),
      0,
    );
    expect(total).toBe(10);
  });

  test("a cashback multiplier multiplies the cashback in the event's currency only", () => {
    const set = compiled([
      rule({ id: "pct", effects: [{ kind: "cashback_percent", rateBps: 500 }] }), // 12,500 INR
      rule({ id: "usd", effects: [{ kind: "cashback_fixed", amountMinor: 100, currency: "USD" }] }),
      rule({ id: "pts", effects: [{ kind: "points_fixed", points: 10 }] }),
      rule({
        id: "boost",
        effects: [{ kind: "multiplier", factorBps: 12_000, appliesTo: "cashback" }],
      }),
    ]);
    const boost = evaluate(set, purchase(), { nowMs: NOW_MS }).applied.find(
      (a) => a.ruleId === "boost",
    );
    expect(boost).toMatchObject({ cashbackAskedMinor: 2_500, currency: "INR" });
  });

  test.each([
    { label: "its category", category: "fashion", asked: 12_500 },
    { label: "another category", category: "travel", asked: 0 },
  ])("a percentage for one category pays an event of $label", ({ category, asked }) => {
    const set = compiled([
      rule({ id: "pct", effects: [{ kind: "cashback_percent", rateBps: 500, category }] }),
    ]);
    const facts = purchase({ "event.category": "fashion" });
    expect(evaluate(set, facts, { nowMs: NOW_MS }).applied[0]?.cashbackAskedMinor).toBe(asked);
  });

  test("a multiplier with nothing to multiply asks for 0", () => {
    const set = compiled([
      rule({ id: "m", effects: [{ kind: "multiplier", factorBps: 30_000, appliesTo: "points" }] }),
    ]);
    expect(evaluate(set, purchase(), { nowMs: NOW_MS }).applied[0]?.pointsAsked).toBe(0);
  });

  test("a referral reward is applied as is", () => {
    const set = compiled([
      rule({
        id: "ref",
        eventTypes: ["user.signed_up"],
        effects: [{ kind: "referral_reward", programId: "p1" }],
      }),
    ]);
    const [applied] = evaluate(set, purchase({ "event.type": "user.signed_up" }), {
      nowMs: NOW_MS,
    }).applied;
    expect(applied).toEqual({
      ruleId: "ref",
      ruleVersion: 1,
      group: "default",
      effect: { kind: "referral_reward", programId: "p1" },
      budgetKeys: [],
    });
  });
});

describe("budget keys on applied effects", () => {
  test("each applied effect carries its rule's keys in the set's zone, at nowMs", () => {
    const set = compiled(
      [
        rule({
          id: "r1",
          campaignId: "c7",
          budgets: [
            { entity: "user", period: "month", limit: { points: 1_000 } },
            { entity: "campaign", period: "day", limit: { points: 50_000 } },
            { entity: "global", period: "lifetime", limit: { points: 1_000_000 } },
          ],
        }),
      ],
      { timeZone: "Asia/Kolkata" },
    );
    // 31 March 20:00 UTC is 1 April 01:30 in Kolkata.
    const [applied] = evaluate(set, purchase(), { nowMs: Date.UTC(2026, 2, 31, 20) }).applied;
    expect(applied?.budgetKeys).toEqual([
      "rule:r1:user:u9:month:2026-04",
      "rule:r1:campaign:c7:day:2026-04-01",
      "rule:r1:global:lifetime",
    ]);
  });
});

describe("indexing, versions and the trace", () => {
  test("an event touches only the rules that listen to its type", () => {
    const set = compiled([
      points("buy", 1),
      points("login", 1, { eventTypes: ["user.logged_in"] }),
      points("both", 1, { eventTypes: ["user.logged_in", "purchase.completed"] }),
      points("off", 1, { active: false }),
    ]);
    const traced = evaluate(set, purchase(), { nowMs: NOW_MS, trace: true });
    expect(traced.trace?.rules.map((r) => r.ruleId)).toEqual(["both", "buy"]);
    expect(
      evaluate(set, purchase({ "event.type": "review.published" }), { nowMs: NOW_MS, trace: true }),
    ).toMatchObject({
      applied: [],
      trace: { rules: [] },
    });
  });

  test("the fast path builds no trace", () => {
    const set = compiled([points("r", 1)]);
    expect(evaluate(set, purchase(), { nowMs: NOW_MS })).not.toHaveProperty("trace");
  });

  test("the trace records each leaf's values and marks short-circuited ones", () => {
    const set = compiled([
      rule({
        id: "r",
        conditions: {
          all: [
            { attr: "event.amountMinor", op: "gte", value: 500_000 },
            { any: [{ attr: "user.tier", op: "eq", value: "gold" }] },
          ],
        },
      }),
      rule({
        id: "s",
        conditions: {
          any: [
            { attr: "user.tier", op: "eq", value: "gold" },
            { local: "day_of_week", in: ["sat"] },
          ],
        },
      }),
    ]);
    const trace = evaluate(set, purchase(), { nowMs: NOW_MS, trace: true }).trace;
    expect(trace?.local).toEqual({ date: "2026-03-18", dayOfWeek: "wed", time: "12:00" });
    expect(trace?.rules[0]).toMatchObject({
      ruleId: "r",
      outcome: "conditions_failed",
      conditions: {
        kind: "all",
        result: "fail",
        children: [
          {
            kind: "attribute",
            attr: "event.amountMinor",
            op: "gte",
            expected: 500_000,
            actual: 250_000,
            result: "fail",
          },
          {
            kind: "any",
            result: "not_evaluated",
            children: [
              { kind: "attribute", attr: "user.tier", actual: null, result: "not_evaluated" },
            ],
          },
        ],
      },
    });
    expect(trace?.rules[1]).toMatchObject({
      ruleId: "s",
      outcome: "applied",
      conditions: {
        kind: "any",
        result: "pass",
        children: [
          { kind: "attribute", actual: "gold", result: "pass" },
          { kind: "day_of_week", expected: ["sat"], actual: null, result: "not_evaluated" },
        ],
      },
    });
  });

  test("an applied effect cannot be used to change the compiled version", () => {
    const set = compiled([points("r", 5)]);
    const [first] = evaluate(set, purchase(), { nowMs: NOW_MS }).applied;
    expect(() => {
      (first?.effect as { points: number }).points = 500;
    }).toThrow(TypeError);
    expect(evaluate(set, purchase(), { nowMs: NOW_MS }).applied[0]?.pointsAsked).toBe(5);
  });

  test("applied effects carry the version they were evaluated in", () => {
    const set = compiled([points("r", 1)], { version: 7 });
    expect(evaluate(set, purchase(), { nowMs: NOW_MS }).applied[0]?.ruleVersion).toBe(7);
  });

  test("the cache compiles a version once and keeps the most recently used few", () => {
    const cache = new CompiledRuleSetCache(2);
    const version = (v: number) => {
      const result = validateRuleSet(ruleSetInput([points("r", v)], { version: v }));
      if (!result.ok) throw new Error("invalid");
      return result.ruleSet;
    };
    const one = cache.get(version(1));
    expect(cache.get(version(1))).toBe(one);
    cache.get(version(2));
    cache.get(version(1)); // 1 is now the most recent
    cache.get(version(3)); // 2 falls out
    expect(cache.size).toBe(2);
    expect(cache.peek(2)).toBeUndefined();
    expect(cache.peek(1)).toBe(one);
  });

  test("compiling leaves the rule set untouched and needs no JSON at evaluation", () => {
    const input = ruleSetInput([
      points("r", 1, { conditions: { attr: "user.tier", op: "in", value: ["gold"] } }),
    ]);
    const result = validateRuleSet(input);
    if (!result.ok) throw new Error("invalid");
    const before = JSON.stringify(result.ruleSet);
    const set = compileRuleSet(result.ruleSet);
    expect(JSON.stringify(result.ruleSet)).toBe(before);
    // Changing the source after compiling does not change the compiled closures.
    const leaf = result.ruleSet.rules[0]?.conditions as unknown as { value: string[] };
    leaf.value.push("silver");
    expect(evaluate(set, purchase({ "user.tier": "silver" }), { nowMs: NOW_MS }).applied).toEqual(
      [],
    );
  });
});

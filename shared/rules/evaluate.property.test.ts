import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { allocateProRata } from "#shared/money/rounding";
import type { Facts, FactValue } from "./attributes";
import { compileRuleSet } from "./compile";
import type { Condition } from "./conditions";
import type { Effect } from "./effects";
import { evaluate } from "./evaluate";
import { type RuleInput, type RuleSet, validateRuleSet } from "./rule-schema";

/**
 * The compiled engine against a tiny reference interpreter written here from the rules in
 * docs/rules.md: it walks the JSON per event, reads local time straight from Intl, sorts and
 * stacks naively. For random rule sets and events both must give the same applied effects
 * with the same values, and the traced evaluation the same as the fast one.
 */

const NOW = Date.UTC(2026, 2, 18, 12, 0);
const ZONE = "America/New_York";
const GROUPS = [
  { name: "stack", mode: "stackable" },
  { name: "first", mode: "first_match" },
  { name: "high", mode: "highest" },
  { name: "low", mode: "lowest" },
] as const;
const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;

// ---------- generators ----------

const numberLeaf = fc.record({
  attr: fc.constantFrom("event.amountMinor", "user.accountAgeDays", "event.attributes.score"),
  op: fc.constantFrom("eq", "ne", "gt", "gte", "lt", "lte"),
  value: fc.integer({ min: 0, max: 12 }).map((n) => n * 500),
});
const numberListLeaf = fc.record({
  attr: fc.constantFrom("event.amountMinor", "user.accountAgeDays"),
  op: fc.constantFrom("in", "not_in"),
  value: fc.uniqueArray(
    fc.integer({ min: 0, max: 12 }).map((n) => n * 500),
    { minLength: 1, maxLength: 4 },
  ),
});
const stringLeaf = fc.record({
  attr: fc.constantFrom("event.category", "user.tier", "event.currency"),
  op: fc.constantFrom("eq", "ne"),
  value: fc.constantFrom("a", "b", "gold", "silver", "INR", "USD"),
});
const stringListLeaf = fc.record({
  attr: fc.constantFrom("event.category", "user.tier"),
  op: fc.constantFrom("in", "not_in"),
  value: fc.uniqueArray(fc.constantFrom("a", "b", "c", "gold", "silver"), {
    minLength: 1,
    maxLength: 3,
  }),
});
const boolLeaf = fc.record({
  attr: fc.constant("context.firstOfKindThisMonth"),
  op: fc.constantFrom("eq", "ne"),
  value: fc.boolean(),
});
const segmentsLeaf = fc.record({
  attr: fc.constant("user.segments"),
  op: fc.constantFrom("contains_any", "contains_all"),
  value: fc.uniqueArray(fc.constantFrom("x", "y", "z"), { minLength: 1, maxLength: 3 }),
});
const existsLeaf = fc.record({
  attr: fc.constantFrom("user.tier", "event.category", "user.segments", "event.attributes.score"),
  op: fc.constant("exists"),
  value: fc.boolean(),
});
const dayLeaf = fc.record({
  local: fc.constant("day_of_week"),
  in: fc.uniqueArray(fc.constantFrom(...DAYS), { minLength: 1, maxLength: 4 }),
});
const time = fc
  .integer({ min: 0, max: 47 })
  .map((n) => `${String(Math.floor(n / 2)).padStart(2, "0")}:${n % 2 ? "30" : "00"}`);
const windowLeaf = fc
  .record({ local: fc.constant("time_window"), from: time, to: time })
  .filter((w) => w.from !== w.to);

const leaf = fc.oneof(
  numberLeaf,
  numberListLeaf,
  stringLeaf,
  stringListLeaf,
  boolLeaf,
  segmentsLeaf,
  existsLeaf,
  dayLeaf,
  windowLeaf,
);

/** A condition tree of at most `groups` nested all/any/not (the engine allows 6). */
function conditionArb(groups: number): fc.Arbitrary<unknown> {
  if (groups === 0) return leaf;
  const inner = conditionArb(groups - 1);
  return fc.oneof(
    { weight: 3, arbitrary: leaf },
    { weight: 1, arbitrary: fc.record({ all: fc.array(inner, { maxLength: 3 }) }) },
    { weight: 1, arbitrary: fc.record({ any: fc.array(inner, { minLength: 1, maxLength: 3 }) }) },
    { weight: 1, arbitrary: fc.record({ not: inner }) },
  );
}
const condition = conditionArb(4);

const pointsEffect = fc.oneof(
  fc.record({ kind: fc.constant("points_fixed"), points: fc.integer({ min: 1, max: 50 }) }),
  fc.record({
    kind: fc.constant("points_per_unit"),
    points: fc.integer({ min: 1, max: 5 }),
    perUnitMinor: fc.constantFrom(100, 250, 1_000),
  }),
);
const cashbackEffect = fc.oneof(
  fc.record({ kind: fc.constant("cashback_percent"), rateBps: fc.integer({ min: 1, max: 2_000 }) }),
  fc.record({
    kind: fc.constant("cashback_fixed"),
    amountMinor: fc.integer({ min: 1, max: 500 }),
    currency: fc.constantFrom("INR", "USD"),
  }),
);
const multiplierEffect = fc.record({
  kind: fc.constant("multiplier"),
  factorBps: fc.integer({ min: 10_000, max: 40_000 }),
  appliesTo: fc.constantFrom("points", "cashback"),
});

const ruleArb = (id: string) =>
  fc
    .record({
      group: fc.constantFrom("stack", "first", "high", "low"),
      eventTypes: fc.uniqueArray(fc.constantFrom("purchase.completed", "bill.paid"), {
        minLength: 1,
        maxLength: 2,
      }),
      priority: fc.integer({ min: 0, max: 3 }),
      conditions: condition,
      startsAtMs: fc.option(fc.constantFrom(NOW - 1, NOW, NOW + 1), { nil: undefined }),
      endsAtMs: fc.option(fc.constantFrom(NOW, NOW + 1, NOW + 2), { nil: undefined }),
      mixed: fc.array(fc.oneof(pointsEffect, cashbackEffect, multiplierEffect), {
        minLength: 1,
        maxLength: 3,
      }),
      points: fc.array(pointsEffect, { minLength: 1, maxLength: 2 }),
      cashback: fc.array(cashbackEffect, { minLength: 1, maxLength: 2 }),
      inactive: fc.integer({ min: 0, max: 9 }).map((n) => n === 0), // one rule in ten is off
    })
    .map(
      (r): RuleInput => ({
        id,
        name: id,
        eventTypes: r.eventTypes,
        conditions: r.conditions as Condition,
        // highest ranks points, lowest ranks cashback: one kind per ranked group.
        effects: (r.group === "high"
          ? r.points
          : r.group === "low"
            ? r.cashback
            : r.mixed) as Effect[],
        priority: r.priority,
        group: r.group,
        schedule:
          r.startsAtMs !== undefined && r.endsAtMs !== undefined && r.startsAtMs >= r.endsAtMs
            ? { startsAtMs: r.startsAtMs }
            : { startsAtMs: r.startsAtMs, endsAtMs: r.endsAtMs },
        active: !r.inactive,
      }),
    );

const ruleSetArb = fc
  .integer({ min: 1, max: 12 })
  .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => ruleArb(`r${i}`))))
  .map((rules) => {
    const result = validateRuleSet({ version: 3, timeZone: ZONE, groups: GROUPS, rules });
    if (!result.ok)
      throw new Error(`generator made an invalid set: ${JSON.stringify(result.issues)}`);
    return result.ruleSet;
  });

const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 4 });
const factsArb = fc
  .record({
    type: fc.constantFrom("purchase.completed", "bill.paid", "user.logged_in"),
    amount: maybe(fc.integer({ min: 0, max: 12 }).map((n) => n * 500)),
    currency: maybe(fc.constantFrom("INR", "USD")),
    category: maybe(fc.constantFrom("a", "b", "c")),
    tier: maybe(fc.constantFrom("gold", "silver")),
    segments: maybe(fc.uniqueArray(fc.constantFrom("x", "y", "z"))),
    age: fc.integer({ min: 0, max: 12 }).map((n) => n * 500),
    first: fc.boolean(),
    score: maybe(
      fc.oneof(
        fc.integer({ min: 0, max: 12 }).map((n) => n * 500),
        fc.constant("500"),
      ),
    ),
    at: maybe(fc.integer({ min: NOW - 7 * 86_400_000, max: NOW + 7 * 86_400_000 })),
  })
  .map(
    (f): Facts => ({
      "event.type": f.type,
      "event.amountMinor": f.amount,
      "event.currency": f.currency,
      "event.category": f.category,
      "event.occurredAtMs": f.at,
      "user.id": "u1",
      "user.tier": f.tier,
      "user.segments": f.segments,
      "user.accountAgeDays": f.age,
      "context.firstOfKindThisMonth": f.first,
      "event.attributes.score": f.score,
    }),
  );

// ---------- the reference interpreter ----------

function localOf(atMs: number): { day: string; minutes: number } {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone: ZONE,
    weekday: "short",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(atMs);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return {
    day: get("weekday").toLowerCase(),
    minutes: Number(get("hour")) * 60 + Number(get("minute")),
  };
}

function holds(c: Condition, facts: Facts): boolean {
  if ("all" in c) return c.all.every((child) => holds(child, facts));
  if ("any" in c) return c.any.some((child) => holds(child, facts));
  if ("not" in c) return !holds(c.not, facts);
  if ("local" in c) {
    const at = facts["event.occurredAtMs"];
    if (typeof at !== "number") return false;
    const local = localOf(at);
    if (c.local === "day_of_week") return (c.in as readonly string[]).includes(local.day);
    const [fh, fm] = c.from.split(":").map(Number);
    const [th, tm] = c.to.split(":").map(Number);
    const from = (fh ?? 0) * 60 + (fm ?? 0);
    const to = (th ?? 0) * 60 + (tm ?? 0);
    return from < to
      ? local.minutes >= from && local.minutes < to
      : local.minutes >= from || local.minutes < to;
  }
  const actual: FactValue | undefined = facts[c.attr];
  if (c.op === "exists") return (actual !== undefined) === c.value;
  if (actual === undefined) return false;
  const v = c.value;
  switch (c.op) {
    case "eq":
      return actual === v;
    case "ne":
      return actual !== v;
    case "gt":
      return typeof actual === "number" && actual > (v as number);
    case "gte":
      return typeof actual === "number" && actual >= (v as number);
    case "lt":
      return typeof actual === "number" && actual < (v as number);
    case "lte":
      return typeof actual === "number" && actual <= (v as number);
    case "in":
      return (v as unknown[]).includes(actual);
    case "not_in":
      return !(v as unknown[]).includes(actual);
    case "contains_any":
      return Array.isArray(actual) && (v as string[]).some((x) => actual.includes(x));
    case "contains_all":
      return Array.isArray(actual) && (v as string[]).every((x) => actual.includes(x));
  }
}

type Row = [
  ruleId: string,
  kind: string,
  points: number | undefined,
  cashback: number | undefined,
  currency: string | undefined,
];

function value(
  effect: Effect,
  facts: Facts,
): { points?: number; cashback?: number; currency?: string } {
  const amount = facts["event.amountMinor"];
  const amt = typeof amount === "number" ? amount : undefined;
  const currency = facts["event.currency"] as string | undefined;
  switch (effect.kind) {
    case "points_fixed":
      return { points: effect.points };
    case "points_per_unit":
      return {
        points: amt === undefined ? 0 : Math.floor(amt / effect.perUnitMinor) * effect.points,
      };
    case "cashback_fixed":
      return { cashback: effect.amountMinor, currency: effect.currency };
    case "cashback_percent":
      return {
        cashback: amt === undefined ? 0 : Math.floor((amt * effect.rateBps) / 10_000),
        currency,
      };
    default:
      return {};
  }
}

function reference(
  set: RuleSet,
  facts: Facts,
  nowMs: number,
): { rows: Row[]; matched: Set<string> } {
  const matched = new Set<string>();
  const winners: RuleSet["rules"] = [];
  for (const group of set.groups) {
    const rules = set.rules
      .filter(
        (r) =>
          r.active &&
          r.group === group.name &&
          r.eventTypes.includes(facts["event.type"] as string),
      )
      .sort((a, b) => b.priority - a.priority || (a.id < b.id ? -1 : 1));
    const candidates = rules.filter(
      (r) =>
        (r.schedule.startsAtMs === undefined || nowMs >= r.schedule.startsAtMs) &&
        (r.schedule.endsAtMs === undefined || nowMs < r.schedule.endsAtMs) &&
        holds(r.conditions, facts),
    );
    for (const c of candidates) matched.add(c.id);
    if (group.mode === "stackable") winners.push(...candidates);
    else if (group.mode === "first_match") winners.push(...candidates.slice(0, 1));
    else {
      const rankCurrency =
        (facts["event.currency"] as string | undefined) ??
        rules.flatMap((r) => r.effects).find((e) => e.kind === "cashback_fixed")?.currency;
      const score = (r: (typeof rules)[number]) =>
        r.effects.reduce((sum, e) => {
          const v = value(e, facts);
          if (v.points !== undefined) return sum + v.points;
          return v.currency === rankCurrency ? sum + (v.cashback ?? 0) : sum;
        }, 0);
      let best: (typeof rules)[number] | undefined;
      for (const c of candidates) {
        if (
          best === undefined ||
          (group.mode === "highest" ? score(c) > score(best) : score(c) < score(best))
        )
          best = c;
      }
      if (best) winners.push(best);
    }
  }
  const rows: Row[] = [];
  let basePoints = 0;
  const cashbackBy = new Map<string, number>();
  const pointMultipliers: { row: Row; f: number }[] = [];
  const cashMultipliers: { row: Row; f: number }[] = [];
  for (const rule of winners) {
    for (const effect of rule.effects) {
      const v = value(effect, facts);
      const row: Row = [
        rule.id,
        effect.kind,
        v.points,
        v.cashback,
        v.cashback === undefined ? undefined : v.currency,
      ];
      rows.push(row);
      if (v.points !== undefined) basePoints += v.points;
      if (v.cashback !== undefined && v.currency !== undefined) {
        cashbackBy.set(v.currency, (cashbackBy.get(v.currency) ?? 0) + v.cashback);
      }
      if (effect.kind === "multiplier")
        (effect.appliesTo === "points" ? pointMultipliers : cashMultipliers).push({
          row,
          f: effect.factorBps,
        });
    }
  }
  const spread = (
    base: number,
    slots: { row: Row; f: number }[],
    index: 2 | 3,
    currency?: string,
  ) => {
    if (slots.length === 0) return;
    const product = slots.reduce((p, s) => p * BigInt(s.f), 1n);
    const total = Number((BigInt(base) * product) / 10_000n ** BigInt(slots.length));
    const shares = allocateProRata(
      total - base,
      slots.map((s) => s.f - 10_000),
    );
    slots.forEach((s, i) => {
      s.row[index] = shares[i] ?? 0;
      if (index === 3) s.row[4] = currency;
    });
  };
  spread(basePoints, pointMultipliers, 2);
  const currency =
    (facts["event.currency"] as string | undefined) ??
    (cashbackBy.size === 1 ? [...cashbackBy.keys()][0] : undefined);
  spread(
    currency === undefined ? 0 : (cashbackBy.get(currency) ?? 0),
    cashMultipliers,
    3,
    currency,
  );
  return { rows, matched };
}

describe("compiled evaluation equals the reference interpreter", () => {
  test("random rule sets and events", () => {
    fc.assert(
      fc.property(
        ruleSetArb,
        fc.array(factsArb, { minLength: 1, maxLength: 5 }),
        fc.constantFrom(NOW - 1, NOW, NOW + 1),
        (set, events, nowMs) => {
          const compiled = compileRuleSet(set);
          for (const facts of events) {
            const fast = evaluate(compiled, facts, { nowMs });
            const traced = evaluate(compiled, facts, { nowMs, trace: true });
            const want = reference(set, facts, nowMs);
            const rows: Row[] = fast.applied.map((a) => [
              a.ruleId,
              a.effect.kind,
              a.pointsAsked,
              a.cashbackAskedMinor,
              a.currency,
            ]);
            expect(rows).toEqual(want.rows);
            expect(traced.applied).toEqual(fast.applied);
            const matched = new Set(
              (traced.trace?.rules ?? [])
                .filter((r) => r.outcome === "applied" || r.outcome === "outranked")
                .map((r) => r.ruleId),
            );
            expect(matched).toEqual(want.matched);
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});

import type { Facts } from "#shared/rules/attributes";
import type { Condition } from "#shared/rules/conditions";
import type { Effect } from "#shared/rules/effects";
import type { RuleInput, RuleSetInput } from "#shared/rules/rule-schema";

/**
 * The rules benchmark's data (`npm run bench:rules`), deterministic from a seed: a rule set
 * of N active rules over a realistic mix of event types, conditions and effects, and a
 * stream of events, each in the three shapes the engines take (flat facts for Boomerang's,
 * nested objects for json-rules-engine and json-logic-js). Shared by the Node comparison and
 * the workerd worker (bench/rules-worker/), so both measure the same rules and events.
 */

export const BENCH_NOW_MS = Date.UTC(2026, 2, 18, 12, 0); // a Wednesday
export const BENCH_TIME_ZONE = "Asia/Kolkata";
const DAY_MS = 86_400_000;

/** mulberry32: small, fast, deterministic. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

type Rand = () => number;
const pick = <T>(rand: Rand, items: readonly T[]): T =>
  items[Math.floor(rand() * items.length)] as T;
const pickSome = <T>(rand: Rand, items: readonly T[], min: number, max: number): T[] => {
  const count = min + Math.floor(rand() * (max - min + 1));
  const chosen = new Set<T>();
  while (chosen.size < Math.min(count, items.length)) chosen.add(pick(rand, items));
  return [...chosen];
};
/** Picks by weight: [[value, weight], …]. */
const weighted = <T>(rand: Rand, table: readonly (readonly [T, number])[]): T => {
  const total = table.reduce((sum, [, w]) => sum + w, 0);
  let r = rand() * total;
  for (const [value, weight] of table) {
    r -= weight;
    if (r < 0) return value;
  }
  return (table[table.length - 1] as readonly [T, number])[0];
};

const EVENT_TYPES_FOR_RULES = [
  ["purchase.completed", 40],
  ["bill.paid", 15],
  ["deposit.completed", 10],
  ["user.logged_in", 10],
  ["review.published", 10],
  ["quiz.passed", 10],
  ["user.signed_up", 5],
] as const;
const EVENT_TYPES_FOR_EVENTS = [
  ["purchase.completed", 50],
  ["user.logged_in", 20],
  ["bill.paid", 10],
  ["quiz.passed", 8],
  ["deposit.completed", 5],
  ["review.published", 5],
  ["user.signed_up", 2],
] as const;
const CATEGORIES = Array.from({ length: 30 }, (_, i) => `cat-${i}`);
const MERCHANTS = Array.from({ length: 200 }, (_, i) => `m-${i}`);
const TIERS = ["bronze", "silver", "gold"] as const;
const SEGMENTS = Array.from({ length: 12 }, (_, i) => `seg-${i}`);
const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
const MONEY_TYPES = new Set(["purchase.completed", "bill.paid", "deposit.completed"]);

function leaf(rand: Rand, eventType: string): Condition {
  const money = MONEY_TYPES.has(eventType);
  const kind = weighted(rand, [
    ["amount", money ? 5 : 0],
    ["category", eventType === "purchase.completed" ? 4 : 0],
    ["merchant", eventType === "purchase.completed" ? 3 : 0],
    ["currency", money ? 1 : 0],
    ["score", eventType === "quiz.passed" ? 4 : 0],
    ["tier", 3],
    ["segments", 2],
    ["age", 2],
    ["first", 2],
    ["count", 1],
    ["day", 1],
    ["window", 1],
  ] as const);
  switch (kind) {
    case "amount":
      return {
        attr: "event.amountMinor",
        op: pick(rand, ["gte", "gt", "lt"] as const),
        value: pick(rand, [10_000, 50_000, 100_000, 250_000, 500_000]),
      };
    case "category":
      return {
        attr: "event.category",
        op: rand() < 0.85 ? "in" : "not_in",
        value: pickSome(rand, CATEGORIES, 1, 5),
      };
    case "merchant":
      return { attr: "event.merchantId", op: "in", value: pickSome(rand, MERCHANTS, 1, 20) };
    case "currency":
      return { attr: "event.currency", op: "eq", value: "INR" };
    case "score":
      return { attr: "event.attributes.score", op: "gte", value: pick(rand, [50, 70, 90]) };
    case "tier":
      return rand() < 0.5
        ? { attr: "user.tier", op: "eq", value: pick(rand, TIERS) }
        : { attr: "user.tier", op: "in", value: pickSome(rand, TIERS, 1, 2) };
    case "segments":
      return {
        attr: "user.segments",
        op: rand() < 0.8 ? "contains_any" : "contains_all",
        value: pickSome(rand, SEGMENTS, 1, 3),
      };
    case "age":
      return {
        attr: "user.accountAgeDays",
        op: rand() < 0.5 ? "gte" : "lt",
        value: pick(rand, [7, 30, 90, 365]),
      };
    case "first":
      return { attr: "context.firstOfKindThisMonth", op: "eq", value: true };
    case "count":
      return { attr: "context.countOfKindThisMonth", op: "lt", value: pick(rand, [3, 5, 10]) };
    case "day":
      return { local: "day_of_week", in: pickSome(rand, DAYS, 1, 3) };
    case "window": {
      const from = pick(rand, [0, 6, 9, 12, 18, 20, 22]);
      const to = (from + pick(rand, [2, 4, 6, 8])) % 24;
      return {
        local: "time_window",
        from: `${String(from).padStart(2, "0")}:00`,
        to: `${String(to).padStart(2, "0")}:00`,
      };
    }
  }
}

function conditions(rand: Rand, eventType: string): Condition {
  const leaves = 1 + Math.floor(rand() * 4); // 1–4 at the top
  const all: Condition[] = [];
  for (let i = 0; i < leaves; i++) all.push(leaf(rand, eventType));
  const shape = rand();
  if (shape < 0.2) all.push({ any: [leaf(rand, eventType), leaf(rand, eventType)] });
  else if (shape < 0.25) all.push({ not: leaf(rand, eventType) });
  return { all };
}

function effect(rand: Rand, eventType: string, group: string): Effect[] {
  const money = MONEY_TYPES.has(eventType);
  if (group === "multipliers") {
    return [
      {
        kind: "multiplier",
        factorBps: pick(rand, [12_500, 15_000, 20_000, 30_000]),
        appliesTo: rand() < 0.8 ? "points" : "cashback",
      },
    ];
  }
  if (group === "best-points" || !money) {
    return [
      money && rand() < 0.6
        ? {
            kind: "points_per_unit",
            points: pick(rand, [1, 2, 5]),
            perUnitMinor: pick(rand, [10_000, 20_000]),
          }
        : { kind: "points_fixed", points: pick(rand, [10, 25, 50, 100]) },
    ];
  }
  if (group === "best-cashback") {
    return [
      rand() < 0.6
        ? { kind: "cashback_percent", rateBps: pick(rand, [100, 200, 500]) }
        : { kind: "cashback_fixed", amountMinor: pick(rand, [5_000, 10_000]), currency: "INR" },
    ];
  }
  return rand() < 0.5
    ? [{ kind: "points_per_unit", points: 1, perUnitMinor: 10_000 }]
    : [
        { kind: "cashback_percent", rateBps: pick(rand, [50, 100, 150]) },
        { kind: "points_fixed", points: 10 },
      ];
}

/** A rule set of `count` active rules (one in 20 out of its schedule at BENCH_NOW_MS). */
export function benchRuleSet(count: number, seed = 20261205): RuleSetInput {
  const rand = prng(seed);
  const rules: RuleInput[] = [];
  for (let i = 0; i < count; i++) {
    const eventType = weighted(rand, EVENT_TYPES_FOR_RULES);
    const eventTypes =
      rand() < 0.1 ? [eventType, weighted(rand, EVENT_TYPES_FOR_RULES)] : [eventType];
    const money = MONEY_TYPES.has(eventType);
    const group = weighted(rand, [
      ["base", 55],
      ["promo", 20],
      ["best-points", 10],
      ["best-cashback", money ? 5 : 0],
      ["multipliers", 10],
    ] as const);
    const scheduled = rand();
    rules.push({
      id: `rule-${String(i).padStart(4, "0")}`,
      name: `Bench rule ${i}`,
      eventTypes: [...new Set(eventTypes)],
      conditions: conditions(rand, eventType),
      effects: effect(rand, eventType, group),
      priority: Math.floor(rand() * 10),
      group,
      schedule:
        scheduled < 0.15
          ? { startsAtMs: BENCH_NOW_MS - 10 * DAY_MS, endsAtMs: BENCH_NOW_MS + 10 * DAY_MS }
          : scheduled < 0.2
            ? { startsAtMs: BENCH_NOW_MS + DAY_MS }
            : {},
      budgets: rand() < 0.3 ? [{ entity: "user", period: "month", limit: { points: 5_000 } }] : [],
      active: true,
    });
  }
  return {
    version: 1,
    timeZone: BENCH_TIME_ZONE,
    groups: [
      { name: "best-points", mode: "highest" },
      { name: "best-cashback", mode: "highest" },
      { name: "promo", mode: "first_match" },
      { name: "base", mode: "stackable" },
      { name: "multipliers", mode: "stackable" },
    ],
    rules,
  };
}

/** One event in the engines' three shapes. `local`: what the others get precomputed. */
export interface BenchEvent {
  type: string;
  flat: Facts;
  nested: {
    event: Record<string, unknown>;
    user: Record<string, unknown>;
    context: Record<string, unknown>;
    local: { day: string; minutes: number };
    now: number;
  };
}

export function benchEvents(count: number, seed = 7): BenchEvent[] {
  const rand = prng(seed);
  const events: BenchEvent[] = [];
  const dayFormat = new Intl.DateTimeFormat("en-GB", {
    timeZone: BENCH_TIME_ZONE,
    weekday: "short",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  });
  for (let i = 0; i < count; i++) {
    const type = weighted(rand, EVENT_TYPES_FOR_EVENTS);
    const money = MONEY_TYPES.has(type);
    const occurredAtMs = BENCH_NOW_MS - Math.floor(rand() * 7 * DAY_MS);
    const event: Record<string, unknown> = { type, id: `evt-${i}`, occurredAtMs };
    if (money) {
      event.amountMinor = Math.floor(rand() * 800_000);
      event.currency = rand() < 0.95 ? "INR" : "USD";
    }
    if (type === "purchase.completed") {
      event.merchantId = pick(rand, MERCHANTS);
      event.category = pick(rand, CATEGORIES);
    }
    const attributes: Record<string, unknown> =
      type === "quiz.passed" ? { score: Math.floor(rand() * 101) } : {};
    const user: Record<string, unknown> = {
      id: `u-${Math.floor(rand() * 1_000)}`,
      segments: pickSome(rand, SEGMENTS, 0, 3),
      accountAgeDays: Math.floor(rand() * 700),
    };
    if (rand() < 0.9)
      user.tier = weighted(rand, [
        ["bronze", 6],
        ["silver", 3],
        ["gold", 1],
      ] as const);
    const context = {
      firstOfKindThisMonth: rand() < 0.3,
      countOfKindThisMonth: Math.floor(rand() * 12),
    };
    const flat: Record<string, Facts[string]> = {};
    for (const [key, value] of Object.entries(event)) flat[`event.${key}`] = value as Facts[string];
    for (const [key, value] of Object.entries(attributes))
      flat[`event.attributes.${key}`] = value as Facts[string];
    for (const [key, value] of Object.entries(user)) flat[`user.${key}`] = value as Facts[string];
    for (const [key, value] of Object.entries(context))
      flat[`context.${key}`] = value as Facts[string];
    const parts = dayFormat.formatToParts(occurredAtMs);
    const get = (t: string) => parts.find((p) => p.type === t)?.value ?? "";
    events.push({
      type,
      flat,
      nested: {
        event: { ...event, attributes },
        user,
        context,
        local: {
          day: get("weekday").toLowerCase(),
          minutes: Number(get("hour")) * 60 + Number(get("minute")),
        },
        now: BENCH_NOW_MS,
      },
    });
  }
  return events;
}

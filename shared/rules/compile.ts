import type { Facts, FactValue } from "./attributes";
import {
  type AttributeCondition,
  type Condition,
  DAYS_OF_WEEK,
  type DayOfWeekCondition,
  minutesOf,
  type TimeWindowCondition,
} from "./conditions";
import type { Effect } from "./effects";
import { type LocalParts, localParts } from "./local-time";
import type { Budget, GroupMode, RuleSet } from "./rule-schema";
import type { ConditionTrace } from "./trace";

/**
 * Compiles a validated rule set once into plain closures, indexed by event type, so an event
 * touches only the rules that listen to it and no JSON is interpreted per event (and no
 * `eval`/`new Function`, which Workers forbid). Pure.
 */

/** Per-evaluation state the closures share: the event's local time, computed at most once. */
export interface EvalContext {
  timeZone: string;
  /** undefined: not computed yet; null: the event has no `event.occurredAtMs`. */
  local: LocalParts | null | undefined;
}

type Test = (facts: Facts, ctx: EvalContext) => boolean;

/**
 * A condition judged with some facts not known yet: true or false when the known facts decide
 * it whatever the unknown ones turn out to be, undefined when they could go either way.
 */
export type Possible = (
  facts: Facts,
  ctx: EvalContext,
  isUnknown: (attr: string) => boolean,
) => boolean | undefined;

const MAX_EPOCH_MS = 8_640_000_000_000_000;

/** A compiled condition: the fast test, and the traced evaluation for the simulator. */
interface CompiledCondition {
  test: Test;
  trace(facts: Facts, ctx: EvalContext): ConditionTrace;
  /** The node as "not evaluated" (a sibling decided first). */
  skipped(): ConditionTrace;
  possible: Possible;
}

export interface CompiledRule {
  id: string;
  name: string;
  priority: number;
  group: string;
  mode: GroupMode;
  startsAtMs: number | undefined;
  endsAtMs: number | undefined;
  test: Test;
  condition: CompiledCondition;
  effects: readonly Effect[];
  budgets: readonly Budget[];
  campaignId: string | undefined;
}

/** The rules of one group that listen to one event type, priority descending, then id. */
export interface CompiledGroup {
  name: string;
  mode: GroupMode;
  rules: readonly CompiledRule[];
}

export interface CompiledRuleSet {
  version: number;
  timeZone: string;
  /** Event type → its groups in declaration order (only groups with rules for the type). */
  byEventType: ReadonlyMap<string, readonly CompiledGroup[]>;
  /** Active rules by id. */
  rules: ReadonlyMap<string, CompiledRule>;
}

/**
 * Compiles a rule set that passed `validateRuleSet`. Inactive rules are left out.
 *
 * @example
 * const compiled = compileRuleSet(validated.ruleSet);
 * evaluate(compiled, facts, { nowMs });
 */
export function compileRuleSet(ruleSet: RuleSet): CompiledRuleSet {
  const modes = new Map(ruleSet.groups.map((group) => [group.name, group.mode]));
  const groupOrder = new Map(ruleSet.groups.map((group, index) => [group.name, index]));
  const rules = new Map<string, CompiledRule>();
  const byTypeAndGroup = new Map<string, Map<string, CompiledRule[]>>();
  for (const rule of ruleSet.rules) {
    if (!rule.active) continue;
    const mode = modes.get(rule.group);
    if (mode === undefined) throw new RangeError(`rule ${rule.id}: no group "${rule.group}"`);
    const condition = compileCondition(rule.conditions);
    const compiled: CompiledRule = {
      id: rule.id,
      name: rule.name,
      priority: rule.priority,
      group: rule.group,
      mode,
      startsAtMs: rule.schedule.startsAtMs,
      endsAtMs: rule.schedule.endsAtMs,
      test: condition.test,
      condition,
      // Frozen copies: applied effects hand these objects to callers, who must not be able
      // to change the compiled version through them.
      effects: Object.freeze(rule.effects.map((effect) => Object.freeze({ ...effect }))),
      budgets: Object.freeze(
        rule.budgets.map((budget) =>
          Object.freeze({ ...budget, limit: Object.freeze({ ...budget.limit }) }),
        ),
      ),
      campaignId: rule.campaignId,
    };
    rules.set(rule.id, compiled);
    for (const type of new Set(rule.eventTypes)) {
      let groups = byTypeAndGroup.get(type);
      if (groups === undefined) {
        groups = new Map();
        byTypeAndGroup.set(type, groups);
      }
      const list = groups.get(rule.group);
      if (list === undefined) groups.set(rule.group, [compiled]);
      else list.push(compiled);
    }
  }
  const byEventType = new Map<string, CompiledGroup[]>();
  for (const [type, groups] of byTypeAndGroup) {
    const list: CompiledGroup[] = [];
    for (const [name, groupRules] of groups) {
      groupRules.sort(byPriorityThenId);
      list.push({ name, mode: modes.get(name) as GroupMode, rules: groupRules });
    }
    list.sort((a, b) => (groupOrder.get(a.name) ?? 0) - (groupOrder.get(b.name) ?? 0));
    byEventType.set(type, list);
  }
  return { version: ruleSet.version, timeZone: ruleSet.timeZone, byEventType, rules };
}

/** Higher priority first; equal priorities by id, so the order never depends on the input's. */
export function byPriorityThenId(
  a: { priority: number; id: string },
  b: { priority: number; id: string },
): number {
  if (a.priority !== b.priority) return b.priority - a.priority;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * Compiled rule sets by version. Published versions are immutable, so a version compiles
 * once per isolate; the map keeps the few most recently used (a publish adds one, an old one
 * falls out). Drafts (the simulator) compile directly with `compileRuleSet`, never through
 * this cache, since a draft's content can change under the same number.
 *
 * @example
 * const cache = new CompiledRuleSetCache();
 * const compiled = cache.get(liveRuleSet); // compiles on first use of the version
 */
export class CompiledRuleSetCache {
  readonly #byVersion = new Map<number, CompiledRuleSet>();

  constructor(readonly maxVersions = 4) {}

  get(ruleSet: RuleSet): CompiledRuleSet {
    const cached = this.#byVersion.get(ruleSet.version);
    if (cached !== undefined) {
      // Most recently used last: a Map iterates in insertion order.
      this.#byVersion.delete(ruleSet.version);
      this.#byVersion.set(ruleSet.version, cached);
      return cached;
    }
    const compiled = compileRuleSet(ruleSet);
    this.#byVersion.set(ruleSet.version, compiled);
    while (this.#byVersion.size > this.maxVersions) {
      const oldest = this.#byVersion.keys().next().value as number;
      this.#byVersion.delete(oldest);
    }
    return compiled;
  }

  /** The compiled set of `version` if it is cached. */
  peek(version: number): CompiledRuleSet | undefined {
    return this.#byVersion.get(version);
  }

  get size(): number {
    return this.#byVersion.size;
  }
}

/** The event's local time, computed on first use within one evaluation. */
export function localOf(facts: Facts, ctx: EvalContext): LocalParts | null {
  if (ctx.local !== undefined) return ctx.local;
  const at = facts["event.occurredAtMs"];
  // Beyond ±8.64e15 ms there is no Date (Intl would throw): such an event has no local time.
  ctx.local =
    typeof at === "number" && Math.abs(at) <= MAX_EPOCH_MS ? localParts(at, ctx.timeZone) : null;
  return ctx.local;
}

function compileCondition(node: Condition): CompiledCondition {
  if ("all" in node) return compileGroup("all", node.all.map(compileCondition));
  if ("any" in node) return compileGroup("any", node.any.map(compileCondition));
  if ("not" in node) {
    const inner = compileCondition(node.not);
    const innerTest = inner.test;
    return {
      test: (facts, ctx) => !innerTest(facts, ctx),
      trace(facts, ctx) {
        const child = inner.trace(facts, ctx);
        return {
          kind: "not",
          result: child.result === "pass" ? "fail" : "pass",
          children: [child],
        };
      },
      skipped: () => ({ kind: "not", result: "not_evaluated", children: [inner.skipped()] }),
      possible(facts, ctx, isUnknown) {
        const result = inner.possible(facts, ctx, isUnknown);
        return result === undefined ? undefined : !result;
      },
    };
  }
  if ("local" in node) {
    return node.local === "day_of_week" ? compileDayOfWeek(node) : compileTimeWindow(node);
  }
  return compileAttribute(node);
}

function compileGroup(kind: "all" | "any", children: CompiledCondition[]): CompiledCondition {
  const tests = children.map((child) => child.test);
  const decisive = kind === "any"; // the child result that decides the group
  return {
    test: groupTest(kind, tests),
    trace(facts, ctx) {
      const traced: ConditionTrace[] = [];
      let decided = false;
      for (const child of children) {
        if (decided) {
          traced.push(child.skipped());
          continue;
        }
        const result = child.trace(facts, ctx);
        traced.push(result);
        if ((result.result === "pass") === decisive) decided = true;
      }
      const passed = decided ? decisive : !decisive;
      return { kind, result: passed ? "pass" : "fail", children: traced };
    },
    skipped: () => ({ kind, result: "not_evaluated", children: children.map((c) => c.skipped()) }),
    possible(facts, ctx, isUnknown) {
      // A decisive child decides; otherwise an open child leaves the group open.
      let open = false;
      for (const child of children) {
        const result = child.possible(facts, ctx, isUnknown);
        if (result === undefined) open = true;
        else if (result === decisive) return decisive;
      }
      return open ? undefined : !decisive;
    },
  };
}

/** Unrolled for the common small groups: no loop, no array access per event. */
function groupTest(kind: "all" | "any", tests: Test[]): Test {
  const [a, b, c] = tests;
  if (kind === "all") {
    switch (tests.length) {
      case 0:
        return () => true;
      case 1:
        return a as Test;
      case 2:
        return (f, x) => (a as Test)(f, x) && (b as Test)(f, x);
      case 3:
        return (f, x) => (a as Test)(f, x) && (b as Test)(f, x) && (c as Test)(f, x);
      default:
        return (f, x) => {
          for (let i = 0; i < tests.length; i++) if (!(tests[i] as Test)(f, x)) return false;
          return true;
        };
    }
  }
  switch (tests.length) {
    case 1:
      return a as Test;
    case 2:
      return (f, x) => (a as Test)(f, x) || (b as Test)(f, x);
    case 3:
      return (f, x) => (a as Test)(f, x) || (b as Test)(f, x) || (c as Test)(f, x);
    default:
      return (f, x) => {
        for (let i = 0; i < tests.length; i++) if ((tests[i] as Test)(f, x)) return true;
        return false;
      };
  }
}

function compileAttribute(node: AttributeCondition): CompiledCondition {
  const test = attributeTest(node);
  const expected = node.value as FactValue;
  const { attr, op } = node;
  return {
    test,
    trace(facts, ctx) {
      const actual = facts[attr];
      const result = test(facts, ctx) ? "pass" : "fail";
      return { kind: "attribute", attr, op, expected, actual: actual ?? null, result };
    },
    skipped: () => ({
      kind: "attribute",
      attr,
      op,
      expected,
      actual: null,
      result: "not_evaluated",
    }),
    possible: (facts, ctx, isUnknown) => (isUnknown(attr) ? undefined : test(facts, ctx)),
  };
}

/**
 * Every comparison fails on an absent fact (`ne` and `not_in` included: an event without a
 * category is not "a category other than books"); `exists` is the one way to test absence.
 */
function attributeTest(node: AttributeCondition): Test {
  const attr = node.attr;
  const value = node.value;
  switch (node.op) {
    case "exists":
      return value === true ? (f) => f[attr] !== undefined : (f) => f[attr] === undefined;
    case "eq":
      return (f) => f[attr] === value;
    case "ne":
      return (f) => {
        const actual = f[attr];
        return actual !== undefined && actual !== value;
      };
    case "gt": {
      const bound = value as number;
      return (f) => {
        const actual = f[attr];
        return typeof actual === "number" && actual > bound;
      };
    }
    case "gte": {
      const bound = value as number;
      return (f) => {
        const actual = f[attr];
        return typeof actual === "number" && actual >= bound;
      };
    }
    case "lt": {
      const bound = value as number;
      return (f) => {
        const actual = f[attr];
        return typeof actual === "number" && actual < bound;
      };
    }
    case "lte": {
      const bound = value as number;
      return (f) => {
        const actual = f[attr];
        return typeof actual === "number" && actual <= bound;
      };
    }
    case "in": {
      const set = new Set<unknown>(value as readonly unknown[]);
      return (f) => {
        const actual = f[attr];
        return actual !== undefined && set.has(actual);
      };
    }
    case "not_in": {
      const set = new Set<unknown>(value as readonly unknown[]);
      return (f) => {
        const actual = f[attr];
        return actual !== undefined && !Array.isArray(actual) && !set.has(actual);
      };
    }
    case "contains_any": {
      const set = new Set<unknown>(value as readonly unknown[]);
      return (f) => {
        const actual = f[attr];
        if (!Array.isArray(actual)) return false;
        for (let i = 0; i < actual.length; i++) if (set.has(actual[i])) return true;
        return false;
      };
    }
    case "contains_all": {
      const wanted = [...new Set(value as readonly string[])];
      return (f) => {
        const actual = f[attr];
        if (!Array.isArray(actual)) return false;
        for (let i = 0; i < wanted.length; i++) if (!actual.includes(wanted[i])) return false;
        return true;
      };
    }
  }
}

function compileDayOfWeek(node: DayOfWeekCondition): CompiledCondition {
  let mask = 0;
  for (const day of node.in) mask |= 1 << (DAYS_OF_WEEK.indexOf(day) + 1);
  const test: Test = (facts, ctx) => {
    const local = localOf(facts, ctx);
    return local !== null && (mask & (1 << local.isoDayOfWeek)) !== 0;
  };
  const expected = [...node.in];
  return {
    test,
    trace(facts, ctx) {
      const local = localOf(facts, ctx);
      const actual = local === null ? null : (DAYS_OF_WEEK[local.isoDayOfWeek - 1] ?? null);
      return { kind: "day_of_week", expected, actual, result: test(facts, ctx) ? "pass" : "fail" };
    },
    skipped: () => ({ kind: "day_of_week", expected, actual: null, result: "not_evaluated" }),
    // The event's time is always known.
    possible: (facts, ctx) => test(facts, ctx),
  };
}

function compileTimeWindow(node: TimeWindowCondition): CompiledCondition {
  const from = minutesOf(node.from);
  const to = minutesOf(node.to);
  const test: Test =
    from < to
      ? (facts, ctx) => {
          const local = localOf(facts, ctx);
          return local !== null && local.minuteOfDay >= from && local.minuteOfDay < to;
        }
      : (facts, ctx) => {
          // Crosses midnight: 22:00–02:00 is [22:00, 24:00) ∪ [00:00, 02:00).
          const local = localOf(facts, ctx);
          return local !== null && (local.minuteOfDay >= from || local.minuteOfDay < to);
        };
  return {
    test,
    trace(facts, ctx) {
      const local = localOf(facts, ctx);
      return {
        kind: "time_window",
        from: node.from,
        to: node.to,
        actual: local === null ? null : hhmm(local.minuteOfDay),
        result: test(facts, ctx) ? "pass" : "fail",
      };
    },
    skipped: () => ({
      kind: "time_window",
      from: node.from,
      to: node.to,
      actual: null,
      result: "not_evaluated",
    }),
    possible: (facts, ctx) => test(facts, ctx),
  };
}

/** `HH:MM` of minutes since midnight. */
export function hhmm(minuteOfDay: number): string {
  const h = Math.floor(minuteOfDay / 60);
  const m = minuteOfDay % 60;
  return `${h < 10 ? "0" : ""}${h}:${m < 10 ? "0" : ""}${m}`;
}

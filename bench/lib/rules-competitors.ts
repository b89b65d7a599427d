import jsonLogic, { type RulesLogic } from "json-logic-js";
import { Engine, type NestedCondition, type TopLevelCondition } from "json-rules-engine";
import type { Condition } from "#shared/rules/conditions";
import type { RuleSet } from "#shared/rules/rule-schema";
import type { BenchEvent } from "./rules-fixture";

/**
 * The same rules in json-rules-engine's and json-logic-js's formats, with the same meaning
 * as Boomerang's engine (the bench checks every event matches the same rules in all three
 * before timing). Both get what is fair and more: one engine (or rule list) per event type,
 * as Boomerang indexes them; the event's local day and minute precomputed; json-rules-engine
 * a plain dot-path `pathResolver` instead of its JSONPath default.
 *
 * Semantics kept equal: a comparison on an absent fact fails (`ne`, `not_in` and `lt`
 * included), so those get an explicit presence check or a custom operator.
 */

const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
const inWindow = (m: unknown, from: number, to: number) =>
  typeof m === "number" && (from < to ? m >= from && m < to : m >= from || m < to);

/** `event.attributes.score` → fact `event`, path `attributes.score`. */
function factAndPath(attr: string): { fact: string; path: string } {
  const dot = attr.indexOf(".");
  return { fact: attr.slice(0, dot), path: attr.slice(dot + 1) };
}

// ---------- json-rules-engine ----------

const JRE_OPS: Record<string, string> = {
  eq: "equal",
  gt: "greaterThan",
  gte: "greaterThanInclusive",
  lt: "lessThan",
  lte: "lessThanInclusive",
  in: "in",
  ne: "presentNotEqual",
  not_in: "presentNotIn",
  contains_any: "containsAny",
  contains_all: "containsAll",
  exists: "exists",
};

function toJre(c: Condition): NestedCondition {
  if ("all" in c) return { all: c.all.map(toJre) };
  if ("any" in c) return { any: c.any.map(toJre) };
  if ("not" in c) return { not: toJre(c.not) };
  if ("local" in c) {
    return c.local === "day_of_week"
      ? { fact: "local", path: "day", operator: "in", value: [...c.in] }
      : {
          fact: "local",
          path: "minutes",
          operator: "timeWindow",
          value: [minutes(c.from), minutes(c.to)],
        };
  }
  return { ...factAndPath(c.attr), operator: JRE_OPS[c.op] as string, value: c.value as never };
}

/** One json-rules-engine Engine per event type, holding the rules that listen to it. */
export function jreEngines(ruleSet: RuleSet): Map<string, Engine> {
  const engines = new Map<string, Engine>();
  const dotPath = (object: unknown, path: string) => {
    let value = object as Record<string, unknown> | undefined;
    for (const key of path.split(".")) value = value?.[key] as Record<string, unknown> | undefined;
    return value;
  };
  for (const rule of ruleSet.rules) {
    if (!rule.active) continue;
    const schedule: NestedCondition[] = [];
    if (rule.schedule.startsAtMs !== undefined) {
      schedule.push({
        fact: "now",
        operator: "greaterThanInclusive",
        value: rule.schedule.startsAtMs,
      });
    }
    if (rule.schedule.endsAtMs !== undefined) {
      schedule.push({ fact: "now", operator: "lessThan", value: rule.schedule.endsAtMs });
    }
    const conditions: TopLevelCondition = { all: [...schedule, toJre(rule.conditions)] };
    for (const type of rule.eventTypes) {
      let engine = engines.get(type);
      if (engine === undefined) {
        engine = new Engine([], { allowUndefinedFacts: true, pathResolver: dotPath });
        engine.addOperator<unknown, unknown>(
          "presentNotEqual",
          (a, b) => a !== undefined && a !== b,
        );
        engine.addOperator<unknown, unknown[]>(
          "presentNotIn",
          (a, b) => a !== undefined && !b.includes(a),
        );
        engine.addOperator<unknown, string[]>(
          "containsAny",
          (a, b) => Array.isArray(a) && b.some((x) => a.includes(x)),
        );
        engine.addOperator<unknown, string[]>(
          "containsAll",
          (a, b) => Array.isArray(a) && b.every((x) => a.includes(x)),
        );
        engine.addOperator<unknown, boolean>("exists", (a, b) => (a !== undefined) === b);
        engine.addOperator<unknown, [number, number]>("timeWindow", (a, b) =>
          inWindow(a, b[0], b[1]),
        );
        engines.set(type, engine);
      }
      engine.addRule({
        name: rule.id,
        priority: Math.max(1, rule.priority + 1),
        conditions,
        event: { type: rule.id },
      });
    }
  }
  return engines;
}

/** The ids of the rules json-rules-engine finds matching `event`. */
export async function jreMatched(
  engines: Map<string, Engine>,
  event: BenchEvent,
): Promise<string[]> {
  const engine = engines.get(event.type);
  if (engine === undefined) return [];
  const result = await engine.run(event.nested);
  return result.events.map((e) => e.type);
}

// ---------- json-logic-js ----------

let jsonLogicReady = false;
function addJsonLogicOperations(): void {
  if (jsonLogicReady) return;
  jsonLogic.add_operation(
    "containsAny",
    (a: unknown, b: string[]) => Array.isArray(a) && b.some((x) => a.includes(x)),
  );
  jsonLogic.add_operation(
    "containsAll",
    (a: unknown, b: string[]) => Array.isArray(a) && b.every((x) => a.includes(x)),
  );
  jsonLogic.add_operation("timeWindow", (m: unknown, from: number, to: number) =>
    inWindow(m, from, to),
  );
  jsonLogicReady = true;
}

function toLogic(c: Condition): RulesLogic {
  if ("all" in c) return c.all.length === 0 ? true : { and: c.all.map(toLogic) };
  if ("any" in c) return { or: c.any.map(toLogic) };
  if ("not" in c) return { "!": [toLogic(c.not)] };
  if ("local" in c) {
    return c.local === "day_of_week"
      ? { in: [{ var: "local.day" }, [...c.in]] }
      : ({ timeWindow: [{ var: "local.minutes" }, minutes(c.from), minutes(c.to)] } as never);
  }
  const v = { var: c.attr };
  const present = { "!==": [v, null] } as RulesLogic;
  const value = c.value as never;
  switch (c.op) {
    case "eq":
      return { "===": [v, value] };
    case "ne":
      return { and: [present, { "!==": [v, value] }] };
    case "gt":
      return { ">": [v, value] };
    case "gte":
      return { ">=": [v, value] };
    // null < 5 is true in JavaScript: an absent fact needs the presence check.
    case "lt":
      return { and: [present, { "<": [v, value] }] };
    case "lte":
      return { and: [present, { "<=": [v, value] }] };
    case "in":
      return { in: [v, value] };
    case "not_in":
      return { and: [present, { "!": [{ in: [v, value] }] }] };
    case "contains_any":
      return { containsAny: [v, value] } as never;
    case "contains_all":
      return { containsAll: [v, value] } as never;
    case "exists":
      return c.value ? present : { "===": [v, null] };
  }
}

export interface LogicRule {
  id: string;
  logic: RulesLogic;
}

/** json-logic rules per event type (schedule first, as a guard). */
export function jsonLogicRules(ruleSet: RuleSet): Map<string, LogicRule[]> {
  addJsonLogicOperations();
  const byType = new Map<string, LogicRule[]>();
  for (const rule of ruleSet.rules) {
    if (!rule.active) continue;
    const parts: RulesLogic[] = [];
    if (rule.schedule.startsAtMs !== undefined)
      parts.push({ ">=": [{ var: "now" }, rule.schedule.startsAtMs] });
    if (rule.schedule.endsAtMs !== undefined)
      parts.push({ "<": [{ var: "now" }, rule.schedule.endsAtMs] });
    parts.push(toLogic(rule.conditions));
    const logic: RulesLogic = parts.length === 1 ? (parts[0] as RulesLogic) : { and: parts };
    for (const type of rule.eventTypes) {
      const list = byType.get(type) ?? [];
      list.push({ id: rule.id, logic });
      byType.set(type, list);
    }
  }
  return byType;
}

/** The ids of the rules json-logic-js finds matching `event`. */
export function jsonLogicMatched(rules: Map<string, LogicRule[]>, event: BenchEvent): string[] {
  const matched: string[] = [];
  for (const rule of rules.get(event.type) ?? []) {
    if (jsonLogic.truthy(jsonLogic.apply(rule.logic, event.nested))) matched.push(rule.id);
  }
  return matched;
}

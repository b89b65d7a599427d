import { type AttributeKind, attributeKind } from "./attributes";

/**
 * Rule conditions: the tree's shape and the write-time check of every node against the
 * attribute catalog, with a path to each problem. Pure.
 */

export const COMPARISON_OPS = [
  "eq",
  "ne",
  "gt",
  "gte",
  "lt",
  "lte",
  "in",
  "not_in",
  "contains_any",
  "contains_all",
  "exists",
] as const;
export type ComparisonOp = (typeof COMPARISON_OPS)[number];

export const DAYS_OF_WEEK = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type DayOfWeek = (typeof DAYS_OF_WEEK)[number];

/** `{ attr, op, value }`: one attribute compared with a constant. */
export interface AttributeCondition {
  attr: string;
  op: ComparisonOp;
  value: string | number | boolean | readonly (string | number)[];
}
/** The event's local day of week (from `event.occurredAtMs`, in the rule set's zone). */
export interface DayOfWeekCondition {
  local: "day_of_week";
  in: readonly DayOfWeek[];
}
/** The event's local time in [from, to); `from > to` crosses midnight. `HH:MM`. */
export interface TimeWindowCondition {
  local: "time_window";
  from: string;
  to: string;
}
export type LeafCondition = AttributeCondition | DayOfWeekCondition | TimeWindowCondition;
export interface AllCondition {
  all: readonly Condition[];
}
export interface AnyCondition {
  any: readonly Condition[];
}
export interface NotCondition {
  not: Condition;
}
export type Condition = AllCondition | AnyCondition | NotCondition | LeafCondition;

/** Nesting levels of all/any/not, the root group counting as 1. */
export const MAX_CONDITION_DEPTH = 6;
export const MAX_CONDITION_LEAVES = 64;
/** Items in one `in`/`not_in`/`contains_*` list. */
export const MAX_LIST_ITEMS = 1_000;
const MAX_STRING = 200;
const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;

/** A problem with a rule set, at a path into it (the shape zod gives its issues). */
export interface RuleIssue {
  path: (string | number)[];
  message: string;
}

/** Which ops each attribute type accepts (open attributes: judged by the value's type). */
const OPS_BY_TYPE: Record<Exclude<AttributeKind, undefined>, readonly ComparisonOp[]> = {
  string: ["eq", "ne", "in", "not_in", "exists"],
  number: ["eq", "ne", "gt", "gte", "lt", "lte", "in", "not_in", "exists"],
  boolean: ["eq", "ne", "exists"],
  "string[]": ["contains_any", "contains_all", "exists"],
  open: ["eq", "ne", "gt", "gte", "lt", "lte", "in", "not_in", "exists"],
};

/** Minutes since midnight of a validated `HH:MM`. */
export function minutesOf(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

/**
 * Every problem with a condition tree, each with its path (prefixed by `path`). Empty when
 * the tree is well formed, within the depth and leaf bounds, and every leaf fits the
 * attribute catalog.
 *
 * @example
 * conditionIssues({ attr: "event.category", op: "gt", value: 5 }, ["conditions"])
 * // [{ path: ["conditions", "op"], message: 'operator "gt" does not apply to "event.category" (a string); use one of eq, ne, in, not_in, exists' }]
 */
export function conditionIssues(node: unknown, path: (string | number)[]): RuleIssue[] {
  const issues: RuleIssue[] = [];
  let leaves = 0;
  const walk = (value: unknown, at: (string | number)[], depth: number): void => {
    if (!isRecord(value)) {
      issues.push({ path: at, message: "a condition must be an object" });
      return;
    }
    const groupKeys = ["all", "any", "not"].filter((key) => key in value);
    if (groupKeys.length > 0) {
      if (groupKeys.length > 1 || Object.keys(value).length > 1) {
        issues.push({ path: at, message: "a group has exactly one key: all, any or not" });
        return;
      }
      if (depth + 1 > MAX_CONDITION_DEPTH) {
        issues.push({
          path: at,
          message: `conditions nest at most ${MAX_CONDITION_DEPTH} groups deep`,
        });
        return;
      }
      const key = groupKeys[0] as "all" | "any" | "not";
      const inner = value[key];
      if (key === "not") {
        walk(inner, [...at, "not"], depth + 1);
        return;
      }
      if (!Array.isArray(inner)) {
        issues.push({ path: [...at, key], message: `"${key}" takes a list of conditions` });
        return;
      }
      if (key === "any" && inner.length === 0) {
        issues.push({ path: [...at, key], message: '"any" needs at least one condition' });
      }
      inner.forEach((child, index) => {
        walk(child, [...at, key, index], depth + 1);
      });
      return;
    }
    leaves += 1;
    if (leaves === MAX_CONDITION_LEAVES + 1) {
      issues.push({ path: at, message: `a rule has at most ${MAX_CONDITION_LEAVES} conditions` });
    }
    if ("local" in value) localIssues(value, at, issues);
    else attributeIssues(value, at, issues);
  };
  walk(node, path, 0);
  return issues;
}

function localIssues(
  value: Record<string, unknown>,
  at: (string | number)[],
  issues: RuleIssue[],
): void {
  if (value.local === "day_of_week") {
    onlyKeys(value, ["local", "in"], at, issues);
    const days = value.in;
    if (!Array.isArray(days) || days.length === 0 || days.length > 7) {
      issues.push({ path: [...at, "in"], message: "list 1 to 7 days: mon, tue, … sun" });
      return;
    }
    days.forEach((day, index) => {
      if (!(DAYS_OF_WEEK as readonly unknown[]).includes(day)) {
        issues.push({
          path: [...at, "in", index],
          message: `"${String(day)}" is not a day; use mon, tue, wed, thu, fri, sat or sun`,
        });
      }
    });
    return;
  }
  if (value.local === "time_window") {
    onlyKeys(value, ["local", "from", "to"], at, issues);
    for (const key of ["from", "to"] as const) {
      const time = value[key];
      if (typeof time !== "string" || !HH_MM.test(time)) {
        issues.push({ path: [...at, key], message: "a local time is HH:MM, 00:00 to 23:59" });
      }
    }
    if (value.from === value.to && typeof value.from === "string") {
      issues.push({
        path: [...at, "to"],
        message: "an empty window (from = to); leave the condition out to match all day",
      });
    }
    return;
  }
  issues.push({
    path: [...at, "local"],
    message: 'a local condition is "day_of_week" or "time_window"',
  });
}

function attributeIssues(
  value: Record<string, unknown>,
  at: (string | number)[],
  issues: RuleIssue[],
): void {
  onlyKeys(value, ["attr", "op", "value"], at, issues);
  const { attr, op } = value;
  if (typeof attr !== "string") {
    issues.push({ path: [...at, "attr"], message: "attr names an attribute" });
    return;
  }
  const kind = attributeKind(attr);
  if (kind === undefined) {
    issues.push({
      path: [...at, "attr"],
      message: `unknown attribute "${attr}"; see the attribute catalog (event.*, user.*, context.*, event.attributes.<name>, signal.* on risk.* rules)`,
    });
    return;
  }
  if (typeof op !== "string" || !(COMPARISON_OPS as readonly string[]).includes(op)) {
    issues.push({
      path: [...at, "op"],
      message: `unknown operator; use one of ${COMPARISON_OPS.join(", ")}`,
    });
    return;
  }
  const allowed = OPS_BY_TYPE[kind];
  if (!allowed.includes(op as ComparisonOp)) {
    issues.push({
      path: [...at, "op"],
      message: `operator "${op}" does not apply to "${attr}" (${describe(kind)}); use one of ${allowed.join(", ")}`,
    });
    return;
  }
  const message = valueProblem(kind, op as ComparisonOp, value.value);
  if (message !== undefined) issues.push({ path: [...at, "value"], message });
}

function valueProblem(
  kind: Exclude<AttributeKind, undefined>,
  op: ComparisonOp,
  value: unknown,
): string | undefined {
  if (op === "exists") return typeof value === "boolean" ? undefined : "exists takes true or false";
  if (op === "gt" || op === "gte" || op === "lt" || op === "lte") {
    return isFiniteNumber(value) ? undefined : `"${op}" compares with a number`;
  }
  if (op === "in" || op === "not_in" || op === "contains_any" || op === "contains_all") {
    if (!Array.isArray(value) || value.length === 0 || value.length > MAX_LIST_ITEMS) {
      return `"${op}" takes a list of 1 to ${MAX_LIST_ITEMS} values`;
    }
    const itemKind =
      kind === "string[]" ? "string" : kind === "open" ? typeof value[0] : (kind as string);
    if (itemKind !== "string" && itemKind !== "number") {
      return `"${op}" takes a list of strings or of numbers`;
    }
    const bad = value.findIndex((item) => !scalarFits(itemKind, item));
    return bad === -1 ? undefined : `item ${bad} must be a ${itemKind}, like the others`;
  }
  // eq, ne
  if (kind === "open") {
    return typeof value === "string" || typeof value === "boolean" || isFiniteNumber(value)
      ? validString(value)
      : "compare with a string, number or boolean";
  }
  return scalarFits(kind, value) ? validString(value) : `compare with a ${kind}`;
}

function scalarFits(kind: string, value: unknown): boolean {
  if (kind === "number") return isFiniteNumber(value);
  if (kind === "string") return typeof value === "string" && value.length <= MAX_STRING;
  return typeof value === kind;
}

function validString(value: unknown): string | undefined {
  return typeof value === "string" && value.length > MAX_STRING
    ? `at most ${MAX_STRING} characters`
    : undefined;
}

function describe(kind: Exclude<AttributeKind, undefined>): string {
  if (kind === "open") return "a custom event attribute";
  if (kind === "string[]") return "a list of strings";
  return `a ${kind}`;
}

function onlyKeys(
  value: Record<string, unknown>,
  keys: readonly string[],
  at: (string | number)[],
  issues: RuleIssue[],
): void {
  for (const key of Object.keys(value)) {
    if (!keys.includes(key)) {
      issues.push({
        path: [...at, key],
        message: `unexpected key; this condition has ${keys.join(", ")}`,
      });
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

import type { Budget, ConditionTrace, Effect } from "#shared/rules/index";
import { formatMoney, formatRateBps } from "../../format/money";

/**
 * Pure one-line readings of a rule's parts for the rules pages: an effect, a budget, a
 * factor, a value the trace compared. Nothing here decides anything; the engine and the API do.
 */

const count = (n: number) => new Intl.NumberFormat("en").format(n);

/** A multiplier factor in basis points as "×1.5". */
export function formatFactorBps(factorBps: number): string {
  return `×${(factorBps / 10_000).toLocaleString("en", { maximumFractionDigits: 4 })}`;
}

/**
 * What one effect gives, in words.
 *
 * @example
 * effectSummary({ kind: "points_per_unit", points: 10, perUnitMinor: 10_000 })
 * // "10 points per 10,000 minor units spent"
 */
export function effectSummary(effect: Effect): string {
  switch (effect.kind) {
    case "cashback_percent":
      return `${formatRateBps(effect.rateBps)} cashback`;
    case "cashback_fixed":
      return `${formatMoney(effect.amountMinor, effect.currency)} cashback`;
    case "points_fixed":
      return `${count(effect.points)} points`;
    case "points_per_unit":
      return `${count(effect.points)} points per ${count(effect.perUnitMinor)} minor units spent`;
    case "multiplier":
      return `${formatFactorBps(effect.factorBps)} ${effect.appliesTo}`;
    case "referral_reward":
      return effect.programId === undefined
        ? "referral reward"
        : `referral reward (program ${effect.programId})`;
    case "hold_payouts":
    case "hold_transaction":
    case "hold_referral":
    case "require_step_up":
    case "flag":
    case "ignore_click":
      // A fraud rule's effect (docs/fraud.md): what it does, its reason and its weight.
      return `${effect.kind.replaceAll("_", " ")}: ${effect.reasonCode} (+${effect.score})`;
  }
}

/**
 * A budget in words: who it is per, its period and its limit.
 *
 * @example
 * budgetSummary({ entity: "user", period: "month", limit: { points: 500 } }) // "per user, month: 500 points"
 */
export function budgetSummary(budget: Budget): string {
  const who = budget.entity === "global" ? "global" : `per ${budget.entity}`;
  // A split budget says so: its use is read from the root, which sums the parts.
  const parts = (budget.parts ?? 1) > 1 ? `, in ${budget.parts} parts` : "";
  return `${who}, ${budget.period}: ${limitSummary(budget.limit)}${parts}`;
}

export function limitSummary(limit: Budget["limit"]): string {
  return "points" in limit
    ? `${count(limit.points)} points`
    : formatMoney(limit.amountMinor, limit.currency);
}

/**
 * A budget object's value in its unit: points, or money in minor units of the currency.
 *
 * @example
 * unitValue(12_345, "INR") // "₹123.45"
 */
export function unitValue(value: number, unit: string): string {
  return unit === "points" ? `${count(value)} points` : formatMoney(value, unit);
}

/** A value a condition compared, as JSON reads (strings quoted, lists bracketed); — for none. */
export function factText(value: unknown): string {
  if (value === null || value === undefined) return "—";
  return JSON.stringify(value);
}

/** One row of a condition trace, flattened with its depth, for a table. */
export interface ConditionRow {
  depth: number;
  /** "all of", "any of", "not", or the leaf's test ("event.amountMinor gte"). */
  test: string;
  expected: string;
  actual: string;
  result: string;
}

/**
 * The condition trace as table rows, parents before children, each with its depth.
 *
 * @example
 * conditionRows({ kind: "all", result: "pass", children: [] })
 * // [{ depth: 0, test: "all of", expected: "", actual: "", result: "pass" }]
 */
export function conditionRows(trace: ConditionTrace | null, depth = 0): ConditionRow[] {
  if (trace === null) return [];
  switch (trace.kind) {
    case "all":
    case "any":
    case "not": {
      const test = trace.kind === "not" ? "not" : `${trace.kind} of`;
      return [
        { depth, test, expected: "", actual: "", result: trace.result },
        ...trace.children.flatMap((child) => conditionRows(child, depth + 1)),
      ];
    }
    case "attribute":
      return [
        {
          depth,
          test: `${trace.attr} ${trace.op}`,
          expected: factText(trace.expected),
          actual: factText(trace.actual),
          result: trace.result,
        },
      ];
    case "day_of_week":
      return [
        {
          depth,
          test: "local day of week in",
          expected: trace.expected.join(", "),
          actual: trace.actual ?? "—",
          result: trace.result,
        },
      ];
    case "time_window":
      return [
        {
          depth,
          test: "local time in",
          expected: `${trace.from}–${trace.to}`,
          actual: trace.actual ?? "—",
          result: trace.result,
        },
      ];
  }
}

/**
 * The id of the rule a problem's path points into, read from the text as typed, so a message
 * about `rules[12]` says which rule that is. Undefined when the path is not in a rule or the
 * rule has no string id.
 *
 * @example
 * ruleIdAt("rules[1].effects[0].points", { rules: [{ id: "a" }, { id: "b" }] }) // "b"
 */
export function ruleIdAt(path: string, typed: unknown): string | undefined {
  const index = /^rules\[(\d+)\]/.exec(path)?.[1];
  if (index === undefined || typeof typed !== "object" || typed === null) return undefined;
  const rules = (typed as { rules?: unknown }).rules;
  if (!Array.isArray(rules)) return undefined;
  const id = (rules[Number(index)] as { id?: unknown } | undefined)?.id;
  return typeof id === "string" ? id : undefined;
}

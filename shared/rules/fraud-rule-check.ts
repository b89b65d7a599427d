import { ACTIVITY_KINDS } from "../fraud/risk-contract";
import type { RuleIssue } from "./conditions";
import type { Effect } from "./effects";
import { isFraudEffect, RISK_EVENT_PREFIX, riskActivityOf } from "./fraud-effects";

/**
 * The write-time line between fraud rules and earning rules (docs/fraud.md "Fraud rules"): a
 * rule listening to `risk.<activityKind>` gives fraud effects only (no points, no money, no
 * budgets), and only such a rule gives them or reads `signal.*` facts. So the earning path
 * (the wallet's events) never meets a fraud effect, and a hold never comes from a reward rule.
 */

/** The fields of a rule this check reads (shape already checked by zod). */
interface RuleFields {
  eventTypes: readonly string[];
  effects: readonly Effect[];
  budgets: readonly unknown[];
  conditions: unknown;
}

const SIGNAL_PREFIX = "signal.";

/**
 * Every problem with a rule's fraud/earning split, each at its path under `at`.
 *
 * @example
 * fraudRuleIssues({ eventTypes: ["risk.click"], effects: [{ kind: "points_fixed", points: 5 }],
 *   budgets: [], conditions: { all: [] } }, ["rules", 0])
 * // [{ path: ["rules", 0, "effects", 0, "kind"], message: "a risk.* rule's effects are fraud effects …" }]
 */
export function fraudRuleIssues(rule: RuleFields, at: (string | number)[]): RuleIssue[] {
  const issues: RuleIssue[] = [];
  const riskTypes = rule.eventTypes.filter((type) => type.startsWith(RISK_EVENT_PREFIX));
  rule.eventTypes.forEach((type, index) => {
    if (type.startsWith(RISK_EVENT_PREFIX) && riskActivityOf(type) === undefined) {
      issues.push({
        path: [...at, "eventTypes", index],
        message: `"${type}" is no risk event; use risk.<kind>, kind one of ${ACTIVITY_KINDS.join(", ")}`,
      });
    }
  });
  const isRisk = riskTypes.length > 0;
  if (isRisk && riskTypes.length < rule.eventTypes.length) {
    issues.push({
      path: [...at, "eventTypes"],
      message: "a rule listens to risk.* event types or to others, never both",
    });
  }
  rule.effects.forEach((effect, index) => {
    if (isRisk && !isFraudEffect(effect)) {
      issues.push({
        path: [...at, "effects", index, "kind"],
        message:
          "a risk.* rule's effects are fraud effects (hold_payouts, hold_transaction, " +
          "hold_referral, require_step_up, flag, ignore_click): it never gives points or money",
      });
    } else if (!isRisk && isFraudEffect(effect)) {
      issues.push({
        path: [...at, "effects", index, "kind"],
        message: `${effect.kind} is a fraud effect: only a rule on risk.<kind> event types gives it`,
      });
    }
  });
  if (isRisk && rule.budgets.length > 0) {
    issues.push({
      path: [...at, "budgets"],
      message: "a risk.* rule gives nothing to budget: leave budgets empty",
    });
  }
  if (!isRisk) {
    for (const found of signalAttributes(rule.conditions, [...at, "conditions"])) {
      issues.push({
        path: found.path,
        message: `"${found.attr}" is a fraud signal: only rules on risk.<kind> event types see it`,
      });
    }
  }
  return issues;
}

/** Every leaf comparing a `signal.*` attribute, with the path to its `attr`. */
function signalAttributes(
  node: unknown,
  at: (string | number)[],
): Array<{ attr: string; path: (string | number)[] }> {
  if (typeof node !== "object" || node === null) return [];
  const record = node as Record<string, unknown>;
  for (const key of ["all", "any"] as const) {
    const children = record[key];
    if (Array.isArray(children)) {
      return children.flatMap((child, index) => signalAttributes(child, [...at, key, index]));
    }
  }
  if ("not" in record) return signalAttributes(record.not, [...at, "not"]);
  const attr = record.attr;
  return typeof attr === "string" && attr.startsWith(SIGNAL_PREFIX)
    ? [{ attr, path: [...at, "attr"] }]
    : [];
}

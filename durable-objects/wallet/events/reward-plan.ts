import type { AppliedEffect, Budget } from "#shared/rules/index";
import { type BudgetUnit, budgetTermsOf } from "../../budget/unit";

/**
 * Pure: what one event's applied effects come to, per rule and unit — the rows of
 * `event_rewards`. A rule's effects of one unit are summed (a points effect and its
 * multiplier bonus under one rule are one lot), so every reward is keyed by (event, rule, unit)
 * and processing the event again finds it. Each reward draws on the rule's budgets of its unit.
 */

/** One budget a reward draws on: its key, what it counts, and the limit of the rule version. */
export interface BudgetTerm {
  key: string;
  unit: BudgetUnit;
  limit: number;
  /**
   * The rule version the limit belongs to (`AppliedEffect.ruleVersion`), so the budget lets
   * only the newest version's limit move it: a reward's retries and releases keep their saved
   * request's terms, and an older limit must not set a lowered one back up. Absent on requests
   * saved before versions were sent; they are sent as version 0 (budget-asks.ts).
   */
  limitVersion?: number;
  /**
   * The rule version's split (`budgets[i].parts`, > 1; absent: the budget's own object). Saved
   * with the reward's requests, so its retries and its release reach the part its first
   * request went to whatever a later rule version says.
   */
  parts?: number;
}

/**
 * The term one of a rule's budgets gives a reward drawing on it under `key`.
 *
 * @example
 * budgetTermFor("rule:r:global:month:2026-03",
 *   { entity: "global", period: "month", limit: { points: 900 }, parts: 4 }, 7)
 * // { key: "rule:r:global:month:2026-03", unit: "points", limit: 900, limitVersion: 7, parts: 4 }
 */
export function budgetTermFor(key: string, budget: Budget, ruleVersion?: number): BudgetTerm {
  const { unit, limit } = budgetTermsOf(budget.limit);
  const parts = budget.parts ?? 1;
  const term: BudgetTerm = { key, unit, limit };
  if (ruleVersion !== undefined) term.limitVersion = ruleVersion;
  if (parts > 1) term.parts = parts;
  return term;
}

export interface RewardPlan {
  ruleId: string;
  ruleVersion: number;
  /** `points`, or the cashback's currency. */
  unit: BudgetUnit;
  /** What the rule asks for, in points or minor units; > 0. */
  asked: number;
  /** The rule's budgets in this unit; empty: the reward is posted at once. */
  budgets: BudgetTerm[];
}

export interface SkippedPlan {
  ruleId: string;
  ruleVersion: number;
  detail: string;
}

/** The budgets of one compiled rule, in the order its budget keys were computed. */
export type RuleBudgets = (ruleId: string) => readonly Budget[] | undefined;

/**
 * @example
 * planRewards([{ ruleId: "r1", ruleVersion: 3, pointsAsked: 50, budgetKeys: [], … }], () => [])
 * // { plans: [{ ruleId: "r1", ruleVersion: 3, unit: "points", asked: 50, budgets: [] }], skipped: [] }
 */
export function planRewards(
  applied: readonly AppliedEffect[],
  budgetsOf: RuleBudgets,
): { plans: RewardPlan[]; skipped: SkippedPlan[] } {
  const byKey = new Map<string, RewardPlan>();
  const skipped: SkippedPlan[] = [];
  for (const entry of applied) {
    const values: Array<[BudgetUnit, number]> = [];
    if ((entry.pointsAsked ?? 0) > 0) values.push(["points", entry.pointsAsked ?? 0]);
    const cashback = entry.cashbackAskedMinor ?? 0;
    if (cashback > 0) {
      if (entry.currency === undefined) {
        skipped.push({
          ruleId: entry.ruleId,
          ruleVersion: entry.ruleVersion,
          detail: "a cashback percentage of an event without a currency",
        });
      } else values.push([entry.currency, cashback]);
    }
    for (const [unit, value] of values) {
      const key = `${entry.ruleId}\u0000${unit}`;
      const known = byKey.get(key);
      if (known) {
        known.asked += value;
        continue;
      }
      byKey.set(key, {
        ruleId: entry.ruleId,
        ruleVersion: entry.ruleVersion,
        unit,
        asked: value,
        budgets: budgetsIn(
          unit,
          entry.budgetKeys,
          budgetsOf(entry.ruleId) ?? [],
          entry.ruleVersion,
        ),
      });
    }
  }
  const plans: RewardPlan[] = [];
  for (const plan of byKey.values()) {
    const moneyBudgets = (budgetsOf(plan.ruleId) ?? [])
      .map((b) => budgetTermsOf(b.limit).unit)
      .filter((unit) => unit !== "points");
    // Cashback in a currency none of the rule's money budgets counts cannot be capped by
    // them, so it is not paid: a budget is never exceeded by a unit it cannot see.
    if (plan.unit !== "points" && moneyBudgets.length > 0 && plan.budgets.length === 0) {
      skipped.push({
        ruleId: plan.ruleId,
        ruleVersion: plan.ruleVersion,
        detail: `cashback in ${plan.unit}, but the rule's budgets count ${moneyBudgets.join(", ")}`,
      });
      continue;
    }
    plans.push(plan);
  }
  return { plans, skipped };
}

function budgetsIn(
  unit: BudgetUnit,
  keys: readonly string[],
  budgets: readonly Budget[],
  ruleVersion: number,
): BudgetTerm[] {
  const terms: BudgetTerm[] = [];
  budgets.forEach((budget, index) => {
    const key = keys[index];
    if (key === undefined) return;
    const term = budgetTermFor(key, budget, ruleVersion);
    if (term.unit === unit) terms.push(term);
  });
  return terms;
}

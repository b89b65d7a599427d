import {
  type Budget,
  type BudgetEntity,
  type BudgetPeriod,
  joinBudgetKey,
  periodKey,
} from "#shared/rules/index";
import type { DraftRuleSet } from "./types";

/**
 * Which budget keys the budgets page reads (pure). A key is rule × entity × period in the rule
 * set's zone (docs/rules.md "Budget keys"), computed with the engine's `periodKey` and `joinBudgetKey` (what `budgetKey` is made of), so the
 * page reads exactly the budget object the wallet would draw on.
 */

export interface KnownBudget {
  ruleId: string;
  ruleName: string;
  budget: Budget;
  /** The current period in the rule set's zone: `month:2026-03`, `lifetime`. */
  period: string;
  /** The key of the current period; null for a user budget (one key per user). */
  key: string | null;
}

/**
 * Every budget of the live rules, with the current period's key for those that do not depend
 * on a user (global, campaign). A campaign budget of a rule without `campaignId` cannot be
 * validated, so it never reaches here; it is skipped all the same.
 *
 * @example
 * budgetsOf(live, Date.now())[0] // { ruleId: "cap", budget: {…global, day…}, key: "rule:cap:global:day:2026-12-05" }
 */
export function budgetsOf(ruleSet: DraftRuleSet, nowMs: number): KnownBudget[] {
  const out: KnownBudget[] = [];
  for (const rule of ruleSet.rules) {
    for (const budget of rule.budgets) {
      if (budget.entity === "campaign" && !rule.campaignId) continue;
      const period = periodKey(budget.period, nowMs, ruleSet.timeZone);
      const key =
        budget.entity === "user"
          ? null
          : joinBudgetKey(
              rule.id,
              budget.entity,
              budget.entity === "campaign" ? rule.campaignId : undefined,
              period,
            );
      out.push({ ruleId: rule.id, ruleName: rule.name, budget, period, key });
    }
  }
  return out;
}

export interface LookupInput {
  ruleId: string;
  entity: BudgetEntity;
  entityId: string;
  period: BudgetPeriod;
  /** A local calendar date (YYYY-MM-DD) in the period; empty: now in the rule set's zone. */
  date: string;
}

export type LookupResult =
  | { ok: true; key: string }
  | { ok: false; errors: Array<{ path: string; message: string }> };

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * The budget key the look-up form names, or what is missing. The date is already a local
 * date, so its period is pure calendar arithmetic (computed at noon UTC of that date).
 *
 * @example
 * lookupKey({ ruleId: "r1", entity: "user", entityId: "u9", period: "month", date: "2026-03-15" }, "Asia/Kolkata", now)
 * // { ok: true, key: "rule:r1:user:u9:month:2026-03" }
 */
export function lookupKey(input: LookupInput, timeZone: string, nowMs: number): LookupResult {
  const errors: Array<{ path: string; message: string }> = [];
  if (input.ruleId === "") errors.push({ path: "ruleId", message: "choose a rule" });
  if (input.entity !== "global" && input.entityId === "") {
    errors.push({
      path: "entityId",
      message: `a ${input.entity} budget needs the ${input.entity} id`,
    });
  }
  const date = DATE.exec(input.date);
  if (input.date !== "" && (!date || Number.isNaN(Date.parse(`${input.date}T12:00:00Z`)))) {
    errors.push({ path: "date", message: "a date such as 2026-12-05" });
  }
  if (errors.length > 0) return { ok: false, errors };
  const period = date
    ? periodKey(
        input.period,
        Date.UTC(Number(date[1]), Number(date[2]) - 1, Number(date[3]), 12),
        "UTC",
      )
    : periodKey(input.period, nowMs, timeZone);
  const entityId = input.entity === "global" ? undefined : input.entityId;
  return { ok: true, key: joinBudgetKey(input.ruleId, input.entity, entityId, period) };
}

import type { BudgetBinding } from "./env";

/**
 * The budget object of one budget key; the id is derived from the key, so no lookup.
 *
 * @example
 * const usage = await budgetFor(env, "rule:r1:user:u9:month:2026-03").usage();
 */
export function budgetFor(env: BudgetBinding, budgetKey: string) {
  return env.BUDGET.get(env.BUDGET.idFromName(budgetKey));
}

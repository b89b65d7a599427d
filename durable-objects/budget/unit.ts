import type { Budget } from "#shared/rules/index";

/**
 * What a budget counts: `points`, or money in one currency (its ISO 4217 code, the value in
 * minor units). One budget has one unit, fixed by its first request; a request in another
 * unit is refused (a rule's budget cannot change unit without changing its key's meaning).
 */
export type BudgetUnit = string;

const CURRENCY = /^[A-Z]{3}$/;

/** True for `points` and for a currency code such as `INR`. */
export function isBudgetUnit(value: unknown): value is BudgetUnit {
  return value === "points" || (typeof value === "string" && CURRENCY.test(value));
}

/**
 * The unit and limit a rule's budget declares (`budgets[i].limit` of the compiled rule), in
 * the form the budget object's requests carry.
 *
 * @example
 * budgetTermsOf({ amountMinor: 50_000, currency: "INR" }) // { unit: "INR", limit: 50_000 }
 * budgetTermsOf({ points: 1_000 }) // { unit: "points", limit: 1_000 }
 */
export function budgetTermsOf(limit: Budget["limit"]): { unit: BudgetUnit; limit: number } {
  return "points" in limit
    ? { unit: "points", limit: limit.points }
    : { unit: limit.currency, limit: limit.amountMinor };
}

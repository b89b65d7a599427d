/**
 * The budget Durable Object's entry module (one object per rule budget key): the class, its
 * client, the key parser and the types.
 *
 * @example
 * import { budgetFor, budgetTermsOf } from "#durable-objects/budget/index";
 */

export {
  campaignOfBudgetKey,
  MAX_BUDGET_KEY_LENGTH,
  type ParsedBudgetKey,
  parseBudgetKey,
} from "./budget-key";
export {
  type BudgetConfigureInput,
  type BudgetConfigureResult,
  BudgetDurableObject,
  type BudgetReleaseInput,
  type BudgetReserveInput,
  type BudgetReserveResult,
  type BudgetReserveStatus,
  type BudgetUsage,
} from "./budget-object";
export { budgetFor, budgetLayoutOf, LAYOUT_CACHE_MS, reserveIn } from "./client";
export type { BudgetBinding, BudgetEnv } from "./env";
export {
  type BudgetPart,
  isPartCount,
  MAX_BUDGET_PARTS,
  partName,
  partOfHolder,
  splitShares,
} from "./parts";
export { type BudgetUnit, budgetTermsOf, isBudgetUnit } from "./unit";

/**
 * The campaign-budget Durable Object's entry module: the class, its client and its types.
 *
 * @example
 * import { budgetOf } from "#durable-objects/campaign-budget/index";
 */
export {
  type BudgetTotals,
  CampaignBudgetDurableObject,
  type ReserveInput,
  type ReserveResult,
  type ReserveStatus,
} from "./budget-object";
export { budgetOf } from "./client";
export type { CampaignBudgetBinding, CampaignBudgetEnv } from "./env";

/**
 * The campaign-budget Durable Object's entry module: the class, its client and its types.
 *
 * @example
 * import { budgetOf } from "#durable-objects/campaign-budget/index";
 */
export {
  type BudgetTotals,
  CampaignBudgetDurableObject,
  type ConfigureResult,
  type ReserveInput,
  type ReserveResult,
  type ReserveStatus,
} from "./budget-object";
export { budgetOf } from "./client";
export type { CampaignBudgetBinding, CampaignBudgetEnv } from "./env";
export {
  type CampaignBudgetHandOver,
  HAND_OVER_PAGE_MAX,
  type HandOverCursor,
  type HandOverPage,
  type HandOverReservation,
} from "./hand-over";

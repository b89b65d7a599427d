import type { CampaignBudgetDurableObject } from "./budget-object";

/**
 * The budget object reads no bindings: everything it needs arrives in its RPC calls. Declared
 * so the object does not depend on the api worker's env (shared/env.ts composes the other way).
 */
export type CampaignBudgetEnv = Record<never, never>;

/** The binding a caller (the wallet, the api) reaches campaign budgets through. */
export interface CampaignBudgetBinding {
  /** One object per campaign: the single writer of its boost budget. */
  CAMPAIGN_BUDGET: DurableObjectNamespace<CampaignBudgetDurableObject>;
}

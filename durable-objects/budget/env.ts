import type { CampaignBudgetBinding } from "../campaign-budget/env";
import type { BudgetDurableObject } from "./budget-object";

/**
 * What the budget object reads from its env: the legacy campaign budget objects, which a
 * campaign's rule budget takes its budget and reservations over from on first touch
 * (legacy-import.ts), and its own namespace, through which a split budget's root and parts
 * reach each other (part-side.ts). Everything else arrives in the RPC calls. Declared here so the object
 * does not depend on the api worker's env (shared/env.ts composes the other way); the import
 * is type-only, so the two object folders never load each other.
 */
export type BudgetEnv = CampaignBudgetBinding & BudgetBinding;

/** The binding a caller (the wallet, the api) reaches rule budgets through. */
export interface BudgetBinding {
  /** One object per budget key (`rule:<id>:<entity>:<period>`): the single writer of it. */
  BUDGET: DurableObjectNamespace<BudgetDurableObject>;
}

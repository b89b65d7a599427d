import type { BudgetDurableObject } from "./budget-object";

/**
 * The budget object reads no bindings: everything it needs arrives in its RPC calls. Declared
 * so the object does not depend on the api worker's env (shared/env.ts composes the other way).
 */
export type BudgetEnv = Record<never, never>;

/** The binding a caller (the wallet, the api) reaches rule budgets through. */
export interface BudgetBinding {
  /** One object per budget key (`rule:<id>:<entity>:<period>`): the single writer of it. */
  BUDGET: DurableObjectNamespace<BudgetDurableObject>;
}

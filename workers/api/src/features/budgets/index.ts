/**
 * Budgets: the operator's read of rule budgets, each served by its budget object
 * (durable-objects/budget/, one per key). Read-only; rewards draw on budgets in the wallet.
 */
export { budgetAdminRoutes } from "./routes";

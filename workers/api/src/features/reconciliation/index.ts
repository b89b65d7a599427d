/** Reconciliation: a network's conversions report matched against our transactions. */
export {
  RECONCILE_LOOKBACK_DAYS,
  type ReconciliationSummary,
  reconcileNetwork,
  reportSourceOf,
  runScheduledReconciliations,
} from "./reconcile";
export { reconciliationAdminRoutes } from "./routes";

/**
 * Analytics (docs/analytics.md): funnel data points to Workers Analytics Engine, D1 rollups
 * recomputed per day and signup week by the crons (dirty markers), and the admin API that reads them.
 */
export {
  confirmedDaysOfPaidUsers,
  ledgerDirtyStatements,
  markDaysStatement,
  refreshDirty,
} from "./dirty";
export { analyticsFunnelRoutes } from "./funnels-routes";
export { pointsMovementStatements } from "./points";
export { analyticsAfterClicks, analyticsAfterLedgerBatch } from "./projection-hooks";
export { recordScoredPopulation } from "./risk-rates";
export { refreshDays, refreshRecent, refreshWeeks } from "./rollups";
export { analyticsAdminRoutes } from "./routes";

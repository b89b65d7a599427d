/**
 * Analytics (docs/analytics.md): funnel data points to Workers Analytics Engine, D1 rollups
 * recomputed per day and signup week by the crons (dirty markers), and the admin API that reads them.
 */
export { ledgerDirtyStatements, markDaysStatement, refreshDirty } from "./dirty";
export { analyticsAfterClicks, analyticsAfterLedgerBatch } from "./projection-hooks";
export { refreshDays, refreshRecent, refreshWeeks } from "./rollups";
export { analyticsAdminRoutes } from "./routes";

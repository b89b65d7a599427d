/**
 * Loyalty: a member's points and tier, for the member (`/v1/me/points…`) and for operators;
 * the projection of each wallet's next due time and the cron backstop that reads it.
 */

export { type PointsBackstopReport, runPointsBackstop } from "./backstop";
export { loyaltyDueProjection } from "./due-store";
export { pointsSummary } from "./points-reads";
export { loyaltyAdminRoutes, loyaltyUserRoutes } from "./routes";

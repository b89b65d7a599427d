/**
 * Risk holds (docs/fraud.md "Holds", "Fail-safe"): an operator's release or uphold of a hold,
 * and the sweep that retries redemptions held while scoring was unavailable, oldest first
 * across users.
 */

export { riskHoldProjection } from "./projection-store";
export { riskHoldAdminRoutes } from "./routes";
export { sweepRiskUnavailable } from "./sweep";

/** Loyalty: a member's points and tier, for the member (`/v1/me/points…`) and for operators. */

export { pointsSummary } from "./points-reads";
export { loyaltyAdminRoutes, loyaltyUserRoutes } from "./routes";

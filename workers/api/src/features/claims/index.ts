/** Claims: missing-cashback claims filed by users (held by wallets), the review queue and decisions. */
export { claimAdminRoutes } from "./admin-routes";
export { claimUserRoutes } from "./routes";
export { claimProjection } from "./store";

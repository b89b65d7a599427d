/** Claims: missing-cashback claims filed by users (held by wallets), the review queue and decisions. */
export { claimAdminRoutes } from "./admin-routes";
export { claimUserRoutes, claimView } from "./routes";
export { ClaimSchema } from "./schemas";
export { claimProjection } from "./store";

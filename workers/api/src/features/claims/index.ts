/** Claims: missing-cashback claims filed by users (held by wallets) and the review queue. */
export { claimAdminRoutes, claimUserRoutes } from "./routes";
export { claimProjection } from "./store";

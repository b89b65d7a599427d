/** Claims: missing-cashback claims filed by users (held by wallets) and the review queue. */
export { claimAdminRoutes, claimUserRoutes, claimView } from "./routes";
export { ClaimSchema } from "./schemas";
export { claimProjection } from "./store";

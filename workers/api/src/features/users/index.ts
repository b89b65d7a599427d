/** Users: the user API (offers, wallet, ledger, transactions) and users admin (KYC included). */
export { usersAdminRoutes } from "./admin-routes";
export { userMeRoutes } from "./me-routes";
export { type CardViewer, offerCards } from "./offer-cards";
export type { KycStatus } from "./schemas";
export { kycStatusOf, registerUserStatement } from "./store";

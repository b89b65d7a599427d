/** Users: the user API (offers, wallet, ledger, transactions) and users admin (KYC included). */
export { cursorInt, decodeCursor, encodeCursor } from "./cursor";
export { userMeRoutes } from "./me-routes";
export { type CardViewer, offerCards } from "./offer-cards";
export { usersAdminRoutes } from "./routes";
export type { KycStatus } from "./schemas";
export {
  knownUser,
  kycStatusOf,
  profileStatement,
  readUser,
  registerUserStatement,
  signupPages,
  signupTimesOf,
} from "./store";

/** Confirmation: the cron backstop that asks wallets to confirm what is due, and its trigger. */
export { type BackstopReport, runConfirmationBackstop } from "./backstop";
export { confirmationAdminRoutes } from "./routes";

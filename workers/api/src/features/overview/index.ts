/**
 * Overview: the console's front page figures (today and the last 30 days, what needs an
 * operator), one read-only admin route over D1's projections.
 */
export { overviewAdminRoutes } from "./routes";
export type { Overview } from "./schemas";
export { perDay } from "./window";

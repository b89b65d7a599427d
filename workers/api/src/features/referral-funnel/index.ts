/**
 * The referral funnel (docs/referrals.md, "Funnel"): link clicks, signups and each later stage
 * of the referrals, per campaign and per referrer, with click → qualification times; one
 * read-only admin route over D1's projections.
 */
export { referralFunnelAdminRoutes } from "./routes";
export type { ReferralFunnel } from "./schemas";

/**
 * Referrals (docs/referrals.md): codes (created lazily, mirrored to KV for the share link),
 * the program's settings (versions, propagated to KV), and the referral clicks the CLICKS
 * consumer stores. Other features reach it only through this file.
 */

export { storeReferralClicks } from "./clicks-consumer";
export { ensureReferralCode, findReferralCode } from "./codes-store";
export { referralAdminRoutes } from "./routes";

/**
 * Referrals (docs/referrals.md): codes (created lazily, mirrored to KV for the share link),
 * the program's settings (versions, propagated to KV), the referral clicks the CLICKS
 * consumer stores (and their retention), and the operators' translations of reason texts. Other features reach it only through this file.
 */

export { storeReferralClicks } from "./clicks-consumer";
export { pruneReferralClicks } from "./clicks-retention";
export {
  type ClickStageRow,
  clickStages,
  clicksOfReferrers,
  clickTimes,
  countClicks,
} from "./clicks-store";
export { ensureReferralCode, findReferralCode } from "./codes-store";
export { reasonTextAdminRoutes } from "./reason-texts-routes";
export { readReasonTextBooks } from "./reason-texts-store";
export { referralAdminRoutes } from "./routes";

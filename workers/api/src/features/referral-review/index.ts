/**
 * Referral review (docs/referrals.md "Fraud holds"): the review queue and a referral's
 * signals and timeline, an operator's approve or reject, referrer bans, and the risk lists
 * the fraud signals check; plus the D1 writer of the fraud identifiers.
 */
export { referralReviewRoutes } from "./routes";
export { riskIdentifierStatements } from "./store";

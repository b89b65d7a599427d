/**
 * Referral records: the D1 projection of each referee's referral (from the wallet's outbox)
 * and the referrer's view of them, GET /v1/me/referrals. Codes, links and clicks are the
 * referrals feature's (features/referrals/).
 */
export { referralUserRoutes } from "./routes";
export {
  referralIndexStatement,
  referralProjection,
  referralProjectionStatements,
} from "./store";

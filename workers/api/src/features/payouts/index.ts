/**
 * Payouts: destinations, step-up, redemptions, gift cards, payout admin, processor webhooks,
 * dispatch, user notices, payout reconciliation with wallet audits, and the finance summary.
 * Other features use payouts only through what is exported here.
 */

export { fanOutAuditPage } from "./audit-fanout";
export { consumeWalletAudits } from "./audits-consumer";
export { consumePayoutDeadLetters, consumePayoutDispatch } from "./dispatch";
export { giftCardById } from "./gift-card-store";
export { payoutProcessorFor, payoutProcessorOrNone } from "./processor-client";
export { compareStatuses, type StatusVerdict } from "./recon-compare";
export { registerPayoutReconAdmin } from "./recon-routes";
export { runPayoutReconciliation } from "./reconciliation";
export { payoutAdminRoutes, payoutUserRoutes, payoutWebhookRoutes } from "./routes";
export { payoutOwnerStatement, payoutProjection } from "./store";

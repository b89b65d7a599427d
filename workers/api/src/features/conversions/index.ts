/**
 * Conversions: the postbacks consumer and the one path from a normalised conversion to a
 * wallet (shared with report reconciliation), plus the received-postbacks audit trail.
 */
export { type ApplyResult, applyNormalizedConversion } from "./apply-conversion";
export { claimOrder, ownersOfOrders } from "./order-claims-store";
export { consumePostbacks } from "./postback-consumer";

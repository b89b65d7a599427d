/**
 * Catalog: networks, merchants and offers (and a network's health, which hides its offers).
 * Other features use the catalog only through what is exported here.
 */
export {
  emptyCounts,
  MAX_NETWORK_RECORDS,
  planSync as planFeedSync,
  type SyncCounts,
  type SyncPlan,
  type SyncReview,
} from "./feed-store";
export { type NetworkHealthRow, networkHealthRow, saveNetworkHealth } from "./health-store";
export {
  approveHeldFeedChange,
  dismissHeldFeedChange,
  type HeldFeedChange,
  type HeldFeedChangeStatus,
  listHeldFeedChanges,
} from "./held-feed-changes-store";
export { catalogAdminRoutes } from "./routes";
export { OfferSchema } from "./schemas";
export {
  activeNetworks,
  getNetwork,
  listLiveOffers,
  liveOfferCondition,
  liveOfferStateCondition,
  merchantExists,
  networkById,
  offerIdsOfMerchant,
  offerIdsOfNetwork,
  offerTarget,
} from "./store";

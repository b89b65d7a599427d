/** Merchant sync: a network's offer feed into the catalog, behind a circuit breaker. */
export { runMerchantSyncs, type SyncOutcome, syncNetwork } from "./merchant-sync";
export { syncAdminRoutes } from "./routes";
export { listSyncRuns, type NetworkHealthRecord, readNetworkHealth, type SyncRun } from "./store";

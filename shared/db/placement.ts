/**
 * Where each D1 table lives at seed 003's scale (docs/scaling.md "D1 router"):
 * - `global`: configuration, catalog, operations and cross-user indexes; one database.
 * - `user`: rows of one user, spread over the user databases by a hash of the user id
 *   (shared/db/router.ts `userDb`).
 * - `analytics`: rollups and logs, read in aggregate; candidates for Analytics Engine / R2,
 *   in the global database until they move.
 *
 * A placement is the target. A `user` table is actually spread only once it is in `ROUTED`:
 * every reader and writer of it goes through its store, and its store through the router
 * (scripts/check-imports.ts enforces both). Until then it stays in the global database.
 */
export type Placement = "global" | "user" | "analytics";

export const PLACEMENT = {
  // Catalog and configuration.
  networks: "global",
  merchants: "global",
  offers: "global",
  offer_search_docs: "global",
  offer_search_categories: "global",
  catalog_category_counts: "global",
  catalog_cache_generation: "global",
  campaigns: "global",
  gift_card_products: "global",
  custom_event_types: "global",
  rule_set_versions: "global",
  rule_set_draft: "global",
  rule_set_live: "global",
  loyalty_program_versions: "global",
  voucher_pools: "global",
  voucher_codes: "global",
  referral_program_versions: "global",
  referral_reason_texts: "global",
  notification_settings: "global",
  notification_templates: "global",
  promo_sends: "global",
  // Operations.
  reconciliation_runs: "global",
  reconciliation_items: "global",
  sync_runs: "global",
  held_feed_changes: "global",
  network_health: "global",
  payout_recon_runs: "global",
  payout_discrepancies: "global",
  admin_audit_log: "global",
  operators: "global",
  operator_sessions: "global",
  operator_alerts: "global",
  operator_alert_deliveries: "global",
  operator_alert_settings: "global",
  operator_alert_backlogs: "global",
  notification_dead_letters: "global",
  rollup_applied: "global",
  // The re-sharding job's progress (features/user-db-moves): one row per move of the user
  // databases from one count to another.
  user_db_moves: "global",
  // The consumers' fallback buffer while the risk queue is down: it has no user column (the
  // user is inside the kept observation's JSON) and is swept oldest first across every user by
  // the cron and counted by the alert signals, so it is an operations table, not a user's rows.
  // It is empty whenever the risk queue is up, so one database holds it at any scale.
  risk_observation_outbox: "global",
  // Cross-user indexes: looked up by something other than the user (an order, a code, an
  // identifier shared between users), so they stay in one place.
  order_claims: "global",
  payout_owners: "global",
  referral_codes: "global",
  referral_identifiers: "global",
  referral_risk_lists: "global",
  referral_referrer_bans: "global",
  risk_identifiers: "global",
  risk_return_rates: "global",
  notification_provider_refs: "global",
  // A referrer's referrals, which live in their referees' databases (referral id → referrer,
  // referee, signup time): the referrer's page reads it instead of every user database.
  referral_referrers: "global",
  // One user's rows.
  users: "user",
  transactions: "user",
  wallet_balances: "user",
  wallet_chain_anchors: "user",
  loyalty_due: "user",
  referrals: "user",
  referral_clicks: "user",
  claims: "user",
  payouts: "user",
  notification_outbox: "user",
  notification_deliveries: "user",
  notification_preferences: "user",
  notification_cap_claims: "user",
  notification_digests: "user",
  notification_digest_items: "user",
  member_segments: "user",
  // The version guard of a user's segments: written in the same batch as member_segments and
  // read by its statements' subquery, so it lives in the same (the user's) database.
  member_segment_versions: "user",
  risk_orders: "user",
  risk_holds: "user",
  // Analytics: rollups and logs.
  received_postbacks: "analytics",
  click_rollups: "analytics",
  click_campaign_rollups: "analytics",
  analytics_funnel_daily: "analytics",
  analytics_campaign_funnel_daily: "analytics",
  analytics_dirty: "analytics",
  analytics_latency_daily: "analytics",
  analytics_cohorts_weekly: "analytics",
  points_movements: "analytics",
  risk_scored_daily: "analytics",
} as const satisfies Record<string, Placement>;

export type TableName = keyof typeof PLACEMENT;

/**
 * User tables already spread over the user databases, each with the only files allowed to
 * name it (its store; tests, benches and migrations aside). The rest of the user tables are
 * read and written through `env.DB` in the global database until they move, table by table.
 */
export const ROUTED: Partial<Record<TableName, readonly string[]>> = {
  wallet_balances: ["workers/api/src/features/ledger/balances-store.ts"],
  loyalty_due: ["workers/api/src/features/loyalty/due-store.ts"],
  wallet_chain_anchors: ["workers/api/src/features/payouts/audit-anchors.ts"],
  claims: ["workers/api/src/features/claims/store.ts"],
  notification_cap_claims: ["workers/api/src/features/notifications/caps.ts"],
  notification_outbox: [
    "workers/api/src/features/notifications/channels/outbox.ts",
    "workers/api/src/features/operations/outbox-store.ts",
  ],
  risk_orders: [
    "shared/fraud/user-order-counts.ts",
    "workers/api/src/features/fraud/return-store.ts",
  ],
  risk_holds: [
    "workers/api/src/features/risk-holds/projection-store.ts",
    "workers/api/src/features/risk-holds/queue-store.ts",
    "workers/api/src/features/risk-labels/store.ts",
    "workers/api/src/features/analytics/risk-rates.ts",
  ],
  // The promotion audience joins users, their segments and their preferences inside each user
  // database, so the four move together.
  users: [
    "workers/api/src/features/users/store.ts",
    "workers/api/src/features/promotions/segments-store.ts",
  ],
  notification_preferences: [
    "workers/api/src/features/notifications/preferences-store.ts",
    "workers/api/src/features/promotions/segments-store.ts",
  ],
  member_segments: ["workers/api/src/features/promotions/segments-store.ts"],
  member_segment_versions: ["workers/api/src/features/promotions/segments-store.ts"],
  // Receipts find a delivery through the global provider-id index (provider-refs.ts) or, for
  // our signed links, by asking every user database; the escalation sweep visits each.
  notification_deliveries: [
    "workers/api/src/features/notifications/deliveries.ts",
    "workers/api/src/features/notifications/receipts.ts",
    "workers/api/src/features/notifications/escalation.ts",
  ],
  // A digest and its items are one user's; the flush message (the opening event plus its
  // digestId) names the user. The lost-flush sweep visits each user database.
  notification_digests: [
    "workers/api/src/features/notifications/digests.ts",
    "workers/api/src/features/notifications/digest-sweep.ts",
  ],
  notification_digest_items: ["workers/api/src/features/notifications/digests.ts"],
  // Lookups by payout id (webhooks, the operator's payout page and actions, reconciliation)
  // find the user through the global `payout_owners` index; lists, totals and sweeps over
  // users gather every user database.
  payouts: [
    "workers/api/src/features/payouts/store.ts",
    "workers/api/src/features/risk-holds/store.ts",
    "workers/api/src/features/analytics/risk-rates.ts",
    "workers/api/src/features/analytics/conversion-groups.ts",
    "workers/api/src/features/alerts/signals.ts",
    "workers/api/src/features/overview/store.ts",
  ],
  // A user's transactions live with the user; a row recorded without a user (an untrusted
  // sub-ID) lives in the global database, which is user database 0, so every scatter-gather
  // read sees it. Orders are found through the global `order_claims` index.
  transactions: [
    "workers/api/src/features/ledger/transactions-store.ts",
    "workers/api/src/features/operations/search-store.ts",
    "workers/api/src/features/analytics/conversion-groups.ts",
    "workers/api/src/features/analytics/rollups.ts",
    "workers/api/src/features/analytics/dirty.ts",
    "workers/api/src/features/overview/store.ts",
    // Names the table in a template (the lint cannot see it there); reads each user database.
    "workers/api/src/features/alerts/signals.ts",
  ],
  // A referral lives in its referee's database (the referee's wallet writes it and reads its
  // chain there); a referrer's referrals are spread over their referees' databases, so the
  // referrer's and the operator's reads ask every user database.
  referrals: [
    "workers/api/src/features/referral-records/store.ts",
    "workers/api/src/features/referral-review/queue-store.ts",
    "workers/api/src/features/referral-funnel/store.ts",
    "workers/api/src/features/analytics/referral-funnel.ts",
    "workers/api/src/features/analytics/risk-rates.ts",
    "durable-objects/wallet/referrals/referral-chain.ts",
  ],
  // A referral click lives in its referrer's database (the CLICKS queue is keyed by referrer);
  // a signup's fingerprint names no referrer, so its match asks every user database.
  referral_clicks: [
    "workers/api/src/features/referrals/clicks-store.ts",
    "durable-objects/wallet/referrals/fingerprint-clicks.ts",
  ],
};

import { sql } from "drizzle-orm";
import {
  index,
  integer,
  primaryKey,
  sqliteTable,
  text,
  uniqueIndex,
} from "drizzle-orm/sqlite-core";
import type { CashbackTerms } from "../money/cashback";
import { CONFIRMATION_POLICIES } from "../networks/core/confirmation-options";
import { NETWORK_FORMATS } from "../networks/formats";
import type { NotificationPreferences } from "../notify/preferences";

/**
 * The D1 schema, written once here; `npm run db:generate` turns it into migrations/.
 * D1 holds the catalog (source of truth) and projections of per-user state for the
 * console and analytics. Wallet balances and ledger entries are owned by each user's
 * Durable Object; the rows here are copies that may lag by seconds.
 */

export const networks = sqliteTable("networks", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  /** URL with {subid}, {landing_url}, {network_offer_ref} and {click_id} placeholders. */
  trackingTemplate: text("tracking_template").notNull(),
  /** The adapter that reads this network (shared/networks/registry.ts NETWORK_FORMATS). */
  postbackFormat: text("postback_format", { enum: NETWORK_FORMATS }).notNull().default("generic"),
  /** Shared secret the network signs postbacks with. Never logged, never returned by the API. */
  postbackSecret: text("postback_secret").notNull(),
  /**
   * The network's report API credential when it is not the postback secret (Admitad access
   * token, impact.com Auth Token, CJ personal access token). Write-only like the postback
   * secret; null when none was given. Never copied to KV (config-store.ts).
   */
  reportApiToken: text("report_api_token"),
  /** Adapter settings: report URL, IP allowlist, parameter names, template mapping. */
  options: text("options", { mode: "json" }).$type<Record<string, unknown>>().notNull().default({}),
  active: integer("active", { mode: "boolean" }).notNull().default(true),
  createdAtMs: integer("created_at_ms").notNull(),
  updatedAtMs: integer("updated_at_ms").notNull(),
});

export const merchants = sqliteTable(
  "merchants",
  {
    id: text("id").primaryKey(),
    networkId: text("network_id")
      .notNull()
      .references(() => networks.id),
    name: text("name").notNull(),
    landingUrl: text("landing_url").notNull(),
    active: integer("active", { mode: "boolean" }).notNull().default(true),
    /**
     * Who switched it off: `operator` (admin API; merchant sync leaves it off whatever the feed
     * says, until the operator turns it on) or `feed` (it left the feed); null while active.
     */
    deactivatedBy: text("deactivated_by", { enum: ["operator", "feed"] }),
    createdAtMs: integer("created_at_ms").notNull(),
    updatedAtMs: integer("updated_at_ms").notNull(),
  },
  (t) => [index("merchants_network_idx").on(t.networkId)],
);

export const offers = sqliteTable(
  "offers",
  {
    id: text("id").primaryKey(),
    merchantId: text("merchant_id")
      .notNull()
      .references(() => merchants.id),
    title: text("title").notNull(),
    description: text("description").notNull().default(""),
    /** The network's own id for this campaign, substituted into the tracking template. */
    networkOfferRef: text("network_offer_ref").notNull().default(""),
    currency: text("currency").notNull(),
    cashbackTerms: text("cashback_terms", { mode: "json" }).$type<CashbackTerms>().notNull(),
    returnWindowDays: integer("return_window_days").notNull(),
    startsAtMs: integer("starts_at_ms"),
    endsAtMs: integer("ends_at_ms"),
    active: integer("active", { mode: "boolean" }).notNull().default(true),
    /** Who switched it off, as on merchants: `operator` holds against merchant sync. */
    deactivatedBy: text("deactivated_by", { enum: ["operator", "feed"] }),
    /** What confirms its cashback; null inherits the network's (confirmation-options.ts). */
    confirmationPolicy: text("confirmation_policy", { enum: CONFIRMATION_POLICIES }),
    /** Who made it: the operator, or merchant sync from the network's feed (its own default policy). */
    origin: text("origin", { enum: ["operator", "feed"] })
      .notNull()
      .default("operator"),
    /**
     * Hosts whose pages may send clicks to it (shared/fraud/allowed-referrers.ts); a click from
     * another Referer is marked `click_referrer_not_allowed`. Null: any referrer.
     */
    allowedReferrers: text("allowed_referrers", { mode: "json" }).$type<string[]>(),
    createdAtMs: integer("created_at_ms").notNull(),
    updatedAtMs: integer("updated_at_ms").notNull(),
  },
  (t) => [index("offers_merchant_idx").on(t.merchantId), index("offers_active_idx").on(t.active)],
);

/**
 * Offer discovery's search documents: one row per offer, built from the offer and its
 * merchant by ONE function (workers/api/src/features/discovery/search-document.ts) and written
 * only through the discovery feature's write path, which every catalog write calls. The FTS5
 * index `offer_search` (hand-written in the migration: drizzle does not model virtual tables)
 * uses this table as its external content, kept in step by triggers. The sort columns are
 * copies so every catalog order is served by an index of this table.
 */
export const offerSearchDocs = sqliteTable(
  "offer_search_docs",
  {
    /** The FTS5 rowid (content_rowid): an INTEGER PRIMARY KEY, stable across upserts. */
    rowId: integer("row_id").primaryKey(),
    offerId: text("offer_id").notNull(),
    merchantId: text("merchant_id").notNull(),
    title: text("title").notNull(),
    description: text("description").notNull(),
    merchantName: text("merchant_name").notNull(),
    /** The categories the offer pays on, space-separated (what full-text search reads). */
    categories: text("categories").notNull(),
    /** headlineRateBps of the offer's terms: the `rate` sort and the ranking's rate factor. */
    headlineRateBps: integer("headline_rate_bps").notNull(),
    /** The offer's creation time: the `newest` sort. */
    offerCreatedAtMs: integer("offer_created_at_ms").notNull(),
  },
  (t) => [
    uniqueIndex("offer_search_docs_offer_uq").on(t.offerId),
    index("offer_search_docs_rate_idx").on(t.headlineRateBps, t.offerId),
    index("offer_search_docs_newest_idx").on(t.offerCreatedAtMs, t.offerId),
    index("offer_search_docs_merchant_name_idx").on(t.merchantName, t.offerId),
    index("offer_search_docs_merchant_idx").on(t.merchantId),
  ],
);

/** `live_from_ms` of an offer with no start: before every clock reading. */
export const LIVE_FROM_ALWAYS_MS = Number.MIN_SAFE_INTEGER;
/** `live_until_ms` of an offer with no end: after every clock reading. */
export const LIVE_UNTIL_FOREVER_MS = Number.MAX_SAFE_INTEGER;

/**
 * The categories each offer is listed under (browse and counts); written with its document.
 * Each row also carries what it adds to catalog_category_counts: `counted` (the offer's
 * clock-free visibility: offer, merchant and network active, breaker closed) and the offer's
 * schedule as a window that is never null. Triggers (migration catalog_category_counts) keep
 * the counts equal to these rows, statement by statement.
 */
export const offerSearchCategories = sqliteTable(
  "offer_search_categories",
  {
    category: text("category").notNull(),
    offerId: text("offer_id").notNull(),
    counted: integer("counted", { mode: "boolean" }).notNull().default(false),
    /** The offer's startsAtMs, or LIVE_FROM_ALWAYS_MS. */
    liveFromMs: integer("live_from_ms").notNull().default(LIVE_FROM_ALWAYS_MS),
    /** The offer's endsAtMs, or LIVE_UNTIL_FOREVER_MS. */
    liveUntilMs: integer("live_until_ms").notNull().default(LIVE_UNTIL_FOREVER_MS),
  },
  (t) => [
    primaryKey({ columns: [t.category, t.offerId] }),
    index("offer_search_categories_offer_idx").on(t.offerId),
  ],
);

/**
 * The public catalog's category counts, maintained: per category and schedule window, how
 * many category rows are counted (offer_search_categories.counted). Written only by the
 * triggers on offer_search_categories; a read sums the windows that contain now. Rows that
 * reach 0 are deleted, so the table holds one row per category and distinct schedule.
 */
export const catalogCategoryCounts = sqliteTable(
  "catalog_category_counts",
  {
    category: text("category").notNull(),
    liveFromMs: integer("live_from_ms").notNull(),
    liveUntilMs: integer("live_until_ms").notNull(),
    activeOfferCount: integer("active_offer_count").notNull(),
  },
  (t) => [primaryKey({ columns: [t.category, t.liveFromMs, t.liveUntilMs] })],
);

/**
 * The catalog's cache generation: part of every shared cache key of the public catalog, bumped
 * by every catalog write, so one bump retires every cached response at once (one row, id 1).
 */
export const catalogCacheGeneration = sqliteTable("catalog_cache_generation", {
  id: integer("id").primaryKey(),
  generation: integer("generation").notNull(),
  updatedAtMs: integer("updated_at_ms").notNull(),
});

export const users = sqliteTable("users", {
  id: text("id").primaryKey(),
  displayName: text("display_name"),
  createdAtMs: integer("created_at_ms").notNull(),
  /** Set by the operator after their KYC check; redemptions above the threshold need `verified`. */
  kycStatus: text("kyc_status", { enum: ["none", "pending", "verified", "rejected"] })
    .notNull()
    .default("none"),
  kycUpdatedAtMs: integer("kyc_updated_at_ms"),
});

export const transactions = sqliteTable(
  "transactions",
  {
    id: text("id").primaryKey(),
    networkId: text("network_id").notNull(),
    orderId: text("order_id").notNull(),
    /** Null when the sub-ID could not be trusted, so no user can be named. */
    userId: text("user_id"),
    offerId: text("offer_id"),
    clickId: text("click_id"),
    status: text("status", {
      enum: ["pending", "confirmed", "cancelled", "rejected"],
    }).notNull(),
    rejectReason: text("reject_reason"),
    currency: text("currency").notNull(),
    saleAmountMinor: integer("sale_amount_minor").notNull(),
    commissionMinor: integer("commission_minor").notNull(),
    cashbackMinor: integer("cashback_minor").notNull(),
    rateBps: integer("rate_bps").notNull(),
    /** Campaign boost granted on top of `cashbackMinor` by the campaigns' budgets. */
    boostMinor: integer("boost_minor").notNull().default(0),
    /**
     * The campaigns whose boost the click carried (JSON array of campaign ids), for the
     * analytics funnel per campaign; null when none, and on rows projected before it existed.
     */
    campaignIds: text("campaign_ids", { mode: "json" }).$type<string[]>(),
    clickedAtMs: integer("clicked_at_ms"),
    convertedAtMs: integer("converted_at_ms").notNull(),
    expectedConfirmAtMs: integer("expected_confirm_at_ms"),
    confirmedAtMs: integer("confirmed_at_ms"),
    /** Bumped by the owning Durable Object on every change; projections never go backwards. */
    version: integer("version").notNull(),
    updatedAtMs: integer("updated_at_ms").notNull(),
  },
  (t) => [
    // Not unique: an order another user's sub-ID also claimed is kept beside the owner's row,
    // under its own id, rejected `duplicate_order` (order_claims below).
    index("transactions_network_order_idx").on(t.networkId, t.orderId),
    index("transactions_due_idx").on(t.status, t.expectedConfirmAtMs),
    index("transactions_user_idx").on(t.userId, t.convertedAtMs),
    // The console's transaction search (GET /admin/v1/transactions): by order id alone, and
    // newest first overall, per network and per status, keyset-paged on (converted_at_ms, id).
    index("transactions_order_idx").on(t.orderId),
    index("transactions_converted_idx").on(t.convertedAtMs, t.id),
    index("transactions_network_converted_idx").on(t.networkId, t.convertedAtMs, t.id),
    index("transactions_status_converted_idx").on(t.status, t.convertedAtMs, t.id),
    // The console overview's conversions and cashback per day, status and currency over 30
    // days: covering, so the aggregate reads the index alone (at 30,000 rows in the window,
    // 0.63 s with a plain index on the time against 0.10 s, docs/benchmarks.md).
    index("transactions_converted_cover_idx").on(
      t.convertedAtMs,
      t.status,
      t.currency,
      t.cashbackMinor,
      t.boostMinor,
    ),
  ],
);

/**
 * Who owns each (network, order): the first user whose verified sub-ID claimed it. Wallets are
 * per user, so two users' wallets could each credit one order; this table is the single writer
 * that decides between them. The postbacks consumer (and reconciliation, through the same path)
 * inserts a claim before routing to a wallet, idempotent under redelivery, and reads the owner
 * back: another user's sub-ID on the same order is recorded `duplicate_order` in `transactions`
 * for review, never credited.
 */
export const orderClaims = sqliteTable(
  "order_claims",
  {
    networkId: text("network_id").notNull(),
    orderId: text("order_id").notNull(),
    userId: text("user_id").notNull(),
    /** The click named by the sub-ID that claimed the order. */
    clickId: text("click_id"),
    claimedAtMs: integer("claimed_at_ms").notNull(),
  },
  (t) => [primaryKey({ columns: [t.networkId, t.orderId] })],
);

/**
 * What the postback intake received (workers/api/src/features/retention/ says how long):
 * rejected rows a few days, at most a bounded number per source per hour; accepted rows for
 * the audit period, their raw body moved to R2 after the archive age.
 */
export const receivedPostbacks = sqliteTable(
  "received_postbacks",
  {
    id: text("id").primaryKey(),
    networkId: text("network_id").notNull(),
    receivedAtMs: integer("received_at_ms").notNull(),
    verdict: text("verdict", { enum: ["accepted", "rejected"] }).notNull(),
    rejectReason: text("reject_reason"),
    orderId: text("order_id"),
    /**
     * The body as received (credentials redacted, truncated to 16 KiB), kept for audit and
     * replay. Empty once archived: the body is then line `archiveLine` of the R2 object
     * `archiveKey` (kept NOT NULL so archiving never rebuilds this large table).
     */
    rawBody: text("raw_body").notNull(),
    signatureHeader: text("signature_header"),
    sourceIp: text("source_ip"),
    /** The POSTBACK_ARCHIVE object holding the raw body; null while the body is in this row. */
    archiveKey: text("archive_key"),
    /** The body's line in that object (NDJSON, 0-based). */
    archiveLine: integer("archive_line"),
  },
  (t) => [
    index("received_postbacks_network_idx").on(t.networkId, t.receivedAtMs),
    // Retention: expiry by verdict and age, the archive's queue of bodies still in D1, the
    // per-source bound on rejected rows, and the rows that point to one archive object.
    index("received_postbacks_verdict_age_idx").on(t.verdict, t.receivedAtMs),
    index("received_postbacks_unarchived_idx")
      .on(t.receivedAtMs, t.id)
      .where(sql`verdict = 'accepted' AND archive_key IS NULL`),
    index("received_postbacks_rejected_source_idx")
      .on(t.sourceIp, t.receivedAtMs)
      .where(sql`verdict = 'rejected'`),
    index("received_postbacks_archive_idx").on(t.archiveKey),
    // The console: every postback newest first, and those of one order (a transaction's history).
    index("received_postbacks_received_idx").on(t.receivedAtMs, t.id),
    index("received_postbacks_order_idx").on(t.orderId, t.networkId),
  ],
);

export const walletBalances = sqliteTable(
  "wallet_balances",
  {
    userId: text("user_id").notNull(),
    bucket: text("bucket").notNull(),
    currency: text("currency").notNull(),
    balanceMinor: integer("balance_minor").notNull(),
    /** Ledger sequence the balance was read at; projections never go backwards. */
    ledgerSeq: integer("ledger_seq").notNull(),
    updatedAtMs: integer("updated_at_ms").notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.bucket, t.currency] })],
);

/**
 * When each wallet's loyalty program next has work due (points to activate or expire, an
 * expiry notice, a tier review), projected from the wallet; the points cron backstop reads the
 * due ones by the partial index. `seq` is the wallet's own counter: never goes backwards.
 */
export const loyaltyDue = sqliteTable(
  "loyalty_due",
  {
    userId: text("user_id").primaryKey(),
    dueAtMs: integer("due_at_ms"),
    seq: integer("seq").notNull(),
  },
  (t) => [index("loyalty_due_at_idx").on(t.dueAtMs).where(sql`due_at_ms IS NOT NULL`)],
);

/**
 * Referrals, projected from each referee's wallet (durable-objects/wallet/referrals/): who
 * referred whom, how (`code`, `token`, `probabilistic`) and the state, for the referrer's
 * friends list (GET /v1/me/referrals) and the funnel. The referee's name is masked in the
 * wallet before it travels. `version` keeps reordered projections from going backwards.
 */
export const referrals = sqliteTable(
  "referrals",
  {
    referralId: text("referral_id").primaryKey(),
    programId: text("program_id").notNull(),
    referrerId: text("referrer_id").notNull(),
    refereeId: text("referee_id").notNull().unique(),
    state: text("state").notNull(),
    method: text("method").notNull(),
    /** The stable reason code of the current state (durable-objects/wallet/referrals/reasons.ts). */
    reason: text("reason").notNull(),
    refereeNameMasked: text("referee_name_masked"),
    clickId: text("click_id"),
    /** When the referee signed up (the signup event's time). */
    attributedAtMs: integer("attributed_at_ms").notNull(),
    updatedAtMs: integer("updated_at_ms").notNull(),
    version: integer("version").notNull(),
    /** What the referrer got once it was credited: a currency or `points`, and the amount. */
    referrerRewardUnit: text("referrer_reward_unit"),
    referrerRewardAmount: integer("referrer_reward_amount"),
    /** The sum of the fraud signals' weights at attribution (docs/referrals.md "Fraud holds"). */
    riskScore: integer("risk_score").notNull().default(0),
    /** The codes of the signals that fired, JSON array (the review queue shows them). */
    holdReasons: text("hold_reasons", { mode: "json" }).$type<string[]>().notNull().default([]),
    /** The campaign (a referral rule) and its version that qualified the referral; null before. */
    ruleId: text("rule_id"),
    ruleVersion: integer("rule_version"),
    /** When the qualifying event happened (its occurrence time); null until qualified. */
    qualifiedAtMs: integer("qualified_at_ms"),
    /**
     * What the campaign owes the referrer from qualification on (a currency or `points`, and
     * the amount): "pending" in GET /v1/me/referrals while the referral is qualified or held.
     */
    referrerDueUnit: text("referrer_due_unit"),
    referrerDueAmount: integer("referrer_due_amount"),
  },
  (t) => [
    index("referrals_referrer_idx").on(t.referrerId, t.attributedAtMs, t.referralId),
    // The review queue: referrals in a state (held), oldest signup first.
    index("referrals_state_idx").on(t.state, t.attributedAtMs, t.referralId),
    // The funnel: referrals signed up in a range, per campaign (rule_id) or all of them.
    index("referrals_attributed_idx").on(t.attributedAtMs),
    index("referrals_rule_idx").on(t.ruleId, t.attributedAtMs),
    // The scored population of the fraud-hold rates reads qualifications by time.
    index("referrals_qualified_idx").on(t.qualifiedAtMs, t.refereeId),
  ],
);

export const clickRollups = sqliteTable(
  "click_rollups",
  {
    offerId: text("offer_id").notNull(),
    day: text("day").notNull(),
    /** Clicks stored (one per link, client and dedupe window). */
    clicks: integer("clicks").notNull(),
    /** Repeated clicks within the dedupe window: counted here, never stored as clicks. */
    repeatClicks: integer("repeat_clicks").notNull().default(0),
    /**
     * Of `clicks`, those the redirect judged a bot's (docs/fraud.md "Click quality"): counted
     * and marked, never attributing.
     */
    botClicks: integer("bot_clicks").notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.offerId, t.day] }),
    // The console overview's clicks per day across offers (the key leads with the offer).
    index("click_rollups_day_idx").on(t.day, t.clicks),
  ],
);

/**
 * Per campaign, offer and day: the clicks that carried the campaign's boost (a click carrying
 * two campaigns counts in both), added with the same chunk guard as `click_rollups`.
 */
export const clickCampaignRollups = sqliteTable(
  "click_campaign_rollups",
  {
    campaignId: text("campaign_id").notNull(),
    offerId: text("offer_id").notNull(),
    day: text("day").notNull(),
    clicks: integer("clicks").notNull(),
    botClicks: integer("bot_clicks").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.campaignId, t.offerId, t.day] })],
);

/** Rollup chunks already added, so a redelivered click batch is not counted twice. */
export const rollupApplied = sqliteTable("rollup_applied", {
  chunkKey: text("chunk_key").primaryKey(),
  appliedAtMs: integer("applied_at_ms").notNull(),
});

/** Projection of missing-cashback claims, for the operator's review queue. */
export const claims = sqliteTable(
  "claims",
  {
    id: text("id").primaryKey(),
    userId: text("user_id").notNull(),
    clickId: text("click_id").notNull(),
    offerId: text("offer_id").notNull(),
    networkId: text("network_id").notNull(),
    orderId: text("order_id").notNull(),
    amountMinor: integer("amount_minor").notNull(),
    currency: text("currency").notNull(),
    purchasedAtMs: integer("purchased_at_ms").notNull(),
    status: text("status", {
      enum: ["open", "matched", "review", "approved", "rejected"],
    }).notNull(),
    transactionId: text("transaction_id"),
    /** The operator's decision (approved/rejected): why, who, when. */
    decisionReason: text("decision_reason"),
    decidedBy: text("decided_by"),
    decidedAtMs: integer("decided_at_ms"),
    createdAtMs: integer("created_at_ms").notNull(),
    updatedAtMs: integer("updated_at_ms").notNull(),
  },
  (t) => [index("claims_status_idx").on(t.status, t.createdAtMs)],
);

/** One reconciliation of a network's report against our transactions. */
export const reconciliationRuns = sqliteTable(
  "reconciliation_runs",
  {
    id: text("id").primaryKey(),
    networkId: text("network_id").notNull(),
    fromMs: integer("from_ms").notNull(),
    toMs: integer("to_ms").notNull(),
    status: text("status", { enum: ["running", "completed", "failed"] }).notNull(),
    /** Counts per outcome (matched, created, updated, flagged …) as JSON. */
    counts: text("counts", { mode: "json" }).$type<Record<string, number>>().notNull(),
    error: text("error"),
    startedAtMs: integer("started_at_ms").notNull(),
    finishedAtMs: integer("finished_at_ms"),
  },
  (t) => [index("reconciliation_runs_network_idx").on(t.networkId, t.startedAtMs)],
);

/** What a run found for one order, when it was anything but a plain match. */
export const reconciliationItems = sqliteTable(
  "reconciliation_items",
  {
    runId: text("run_id").notNull(),
    orderId: text("order_id").notNull(),
    transactionId: text("transaction_id").notNull(),
    outcome: text("outcome").notNull(),
    detail: text("detail"),
  },
  (t) => [
    primaryKey({ columns: [t.runId, t.orderId] }),
    // A transaction's history: every report row that moved it.
    index("reconciliation_items_txn_idx").on(t.transactionId),
  ],
);

/** One merchant sync of a network's offer feed (jobs/merchant-sync.ts). */
export const syncRuns = sqliteTable(
  "sync_runs",
  {
    id: text("id").primaryKey(),
    networkId: text("network_id").notNull(),
    trigger: text("trigger", { enum: ["cron", "admin"] }).notNull(),
    /** True when the run was the circuit breaker's half-open probe. */
    probe: integer("probe", { mode: "boolean" }).notNull().default(false),
    status: text("status", { enum: ["running", "succeeded", "failed"] }).notNull(),
    offersCreated: integer("offers_created").notNull().default(0),
    offersUpdated: integer("offers_updated").notNull().default(0),
    offersDeactivated: integer("offers_deactivated").notNull().default(0),
    offersUnchanged: integer("offers_unchanged").notNull().default(0),
    merchantsCreated: integer("merchants_created").notNull().default(0),
    merchantsUpdated: integer("merchants_updated").notNull().default(0),
    merchantsDeactivated: integer("merchants_deactivated").notNull().default(0),
    merchantsUnchanged: integer("merchants_unchanged").notNull().default(0),
    /** Offer rate changes above the network's `maxFeedRateBps`, held for review (held_feed_changes). */
    offersHeld: integer("offers_held").notNull().default(0),
    /** The breaker's state after this run. */
    breakerState: text("breaker_state", { enum: ["closed", "open"] }),
    error: text("error"),
    startedAtMs: integer("started_at_ms").notNull(),
    finishedAtMs: integer("finished_at_ms"),
  },
  (t) => [index("sync_runs_network_idx").on(t.networkId, t.startedAtMs)],
);

/**
 * Feed changes merchant sync did not apply because a rate is above the network's
 * `maxFeedRateBps`: the offer keeps its terms (or, for a new offer, is not created) until the
 * operator approves (applied) or dismisses (the same proposal is not held again). One row per
 * (offer, proposal); a newer proposal for the offer supersedes a held one.
 */
export const heldFeedChanges = sqliteTable(
  "held_feed_changes",
  {
    id: text("id").primaryKey(),
    networkId: text("network_id").notNull(),
    offerId: text("offer_id").notNull(),
    merchantId: text("merchant_id").notNull(),
    status: text("status", { enum: ["held", "approved", "dismissed", "superseded"] }).notNull(),
    /** The offer as the feed wants it (the catalog's offer fields the feed owns). */
    proposed: text("proposed", { mode: "json" })
      .$type<{
        title: string;
        currency: string;
        networkOfferRef: string;
        cashbackTerms: CashbackTerms;
        returnWindowDays: number;
        active: boolean;
      }>()
      .notNull(),
    /** Canonical JSON of the proposed terms: the same proposal is recognised run after run. */
    proposalKey: text("proposal_key").notNull(),
    /** The offer's terms when the change was held; null: the feed proposed a new offer. */
    previousTerms: text("previous_terms", { mode: "json" }).$type<CashbackTerms>(),
    /** The highest rate in the proposal, and the ceiling it broke, in basis points. */
    maxRateBps: integer("max_rate_bps").notNull(),
    ceilingBps: integer("ceiling_bps").notNull(),
    runId: text("run_id"),
    createdAtMs: integer("created_at_ms").notNull(),
    updatedAtMs: integer("updated_at_ms").notNull(),
    decidedAtMs: integer("decided_at_ms"),
  },
  (t) => [
    uniqueIndex("held_feed_changes_offer_proposal_uq").on(t.offerId, t.proposalKey),
    index("held_feed_changes_network_idx").on(t.networkId, t.status, t.createdAtMs),
  ],
);

/**
 * The merchant-sync circuit breaker of each network (no row: closed, never failed). While
 * `open`, the network's offers are hidden from the catalog and the redirect; half-open is
 * `open` past `retry_at_ms`, derived from the clock rather than stored.
 */
export const networkHealth = sqliteTable("network_health", {
  networkId: text("network_id").primaryKey(),
  state: text("state", { enum: ["closed", "open"] }).notNull(),
  consecutiveFailures: integer("consecutive_failures").notNull(),
  /** The current open period's cool-down; doubles on every failed probe, up to a cap. */
  cooldownMs: integer("cooldown_ms"),
  openedAtMs: integer("opened_at_ms"),
  retryAtMs: integer("retry_at_ms"),
  lastSuccessAtMs: integer("last_success_at_ms"),
  lastFailureAtMs: integer("last_failure_at_ms"),
  lastError: text("last_error"),
  updatedAtMs: integer("updated_at_ms").notNull(),
});

/**
 * Campaign boosts: an extra rate on an offer's or a merchant's offers for a while, paid from a
 * budget that is never exceeded. The budget's spending lives in the campaign's budget object
 * (durable-objects/campaign-budget/); this row is the operator's definition. Clicks freeze the
 * boosts live at click time, so editing a campaign never changes what a click was promised.
 */
export const campaigns = sqliteTable(
  "campaigns",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    active: integer("active", { mode: "boolean" }).notNull().default(true),
    startsAtMs: integer("starts_at_ms"),
    endsAtMs: integer("ends_at_ms"),
    /** Target: one offer, or every offer of a merchant (at least one is set). */
    merchantId: text("merchant_id"),
    offerId: text("offer_id"),
    /** Only order lines of this category earn the boost; null: every eligible line. */
    category: text("category"),
    /** Only users whose token lists this segment; null: every user. */
    userSegment: text("user_segment"),
    boostRateBps: integer("boost_rate_bps").notNull(),
    currency: text("currency").notNull(),
    budgetMinor: integer("budget_minor").notNull(),
    /** The campaign rule's version: 1 when created, +1 on every write (ledger entries name it). */
    version: integer("version").notNull().default(1),
    createdAtMs: integer("created_at_ms").notNull(),
    updatedAtMs: integer("updated_at_ms").notNull(),
  },
  (t) => [
    index("campaigns_offer_idx").on(t.offerId),
    index("campaigns_merchant_idx").on(t.merchantId),
  ],
);

/**
 * Which user's wallet holds each payout: the payout → user index a processor webhook or an
 * operator action needs to find the wallet (and, once `payouts` is spread over the user
 * databases, that user's database). Global (docs/scaling.md "D1 router"): a payout id is a
 * digest that does not name its user, and one row per payout is a small write at the rate of
 * redemptions. Written by the dispatch consumer before the processor can know the payout.
 */
export const payoutOwners = sqliteTable("payout_owners", {
  payoutId: text("payout_id").primaryKey(),
  userId: text("user_id").notNull(),
  recordedAtMs: integer("recorded_at_ms").notNull(),
});

/**
 * Payouts, projected from each user's wallet object (which owns their state and money) for
 * the console, the finance summary and reconciliation. The dispatch consumer writes the row
 * first (user id only) before the processor can know the payout, so a webhook can always
 * find the wallet; `version` keeps reordered projections from going backwards.
 */
export const payouts = sqliteTable(
  "payouts",
  {
    id: text("id").primaryKey(),
    userId: text("user_id").notNull(),
    status: text("status").notNull(),
    destinationType: text("destination_type"),
    /** Masked (last four characters), never the account number or UPI id. */
    destinationMasked: text("destination_masked"),
    currency: text("currency"),
    amountMinor: integer("amount_minor"),
    holdReason: text("hold_reason"),
    failureCode: text("failure_code"),
    /** Set when the processor contradicted a final state or an amount: an operator must look. */
    attention: text("attention"),
    attempts: integer("attempts").notNull().default(0),
    processorId: text("processor_id"),
    processorRef: text("processor_ref"),
    createdAtMs: integer("created_at_ms"),
    updatedAtMs: integer("updated_at_ms").notNull(),
    /** When it reached `paid`: the day it counts as paid out in the finance summary. */
    paidAtMs: integer("paid_at_ms"),
    version: integer("version").notNull().default(0),
  },
  (t) => [
    index("payouts_status_idx").on(t.status, t.createdAtMs),
    index("payouts_user_idx").on(t.userId, t.createdAtMs),
    index("payouts_updated_idx").on(t.updatedAtMs),
    index("payouts_paid_idx").on(t.paidAtMs),
    // The scored population of the fraud-hold rates reads payout requests by time.
    index("payouts_created_idx").on(t.createdAtMs, t.userId),
    // Payouts flagged for an operator: the overview's count and the attention queue, without
    // reading every payout (few are ever flagged).
    index("payouts_attention_idx").on(t.createdAtMs, t.id).where(sql`attention IS NOT NULL`),
  ],
);

/** The operator's gift-card catalog: a brand and the denominations a user may pick. */
export const giftCardProducts = sqliteTable("gift_card_products", {
  id: text("id").primaryKey(),
  brand: text("brand").notNull(),
  currency: text("currency").notNull(),
  denominationsMinor: text("denominations_minor", { mode: "json" }).$type<number[]>().notNull(),
  active: integer("active", { mode: "boolean" }).notNull().default(true),
  createdAtMs: integer("created_at_ms").notNull(),
  updatedAtMs: integer("updated_at_ms").notNull(),
});

/**
 * Messages for users when a channel's adapter is `outbox` (NOTIFY_CHANNEL, EMAIL_PROVIDER,
 * SMS_PROVIDER or WEB_PUSH set to "outbox"): the local channel for development and tests,
 * readable through the admin API. One row per delivery; `id` is the notification event's id,
 * `kind` its type and `body` its variables (a step-up code's `code`), so a test reads a code by
 * the event id. A deployment uses real channels and nothing is kept here.
 */
export const notificationOutbox = sqliteTable(
  "notification_outbox",
  {
    /** The delivery (shared/notify/delivery-id.ts): the same delivery twice is one row. */
    deliveryId: text("delivery_id").primaryKey(),
    /** The notification event's id. */
    id: text("id").notNull(),
    channel: text("channel").notNull().default("webhook"),
    userId: text("user_id").notNull(),
    kind: text("kind").notNull(),
    body: text("body", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    /** The rendered message (title, body, url); null on rows kept before templates existed. */
    message: text("message", { mode: "json" }).$type<Record<string, unknown>>(),
    createdAtMs: integer("created_at_ms").notNull(),
  },
  (t) => [
    index("notification_outbox_user_idx").on(t.userId, t.createdAtMs),
    index("notification_outbox_event_idx").on(t.id),
  ],
);

/**
 * One delivery of a notification event: per (event, channel, recipient), its id a stable hash
 * of the three (shared/notify/delivery-id.ts), so a queue's redelivery finds the row and never
 * sends a `sent` delivery again. `sending` is held under a lease: a consumer that died while
 * sending lets the next one claim it after `leaseUntilMs`.
 */
export const notificationDeliveries = sqliteTable(
  "notification_deliveries",
  {
    id: text("id").primaryKey(),
    eventId: text("event_id").notNull(),
    userId: text("user_id").notNull(),
    type: text("type").notNull(),
    category: text("category").notNull(),
    channel: text("channel").notNull(),
    state: text("state", {
      enum: ["pending", "sending", "sent", "skipped", "deferred", "failed", "dead"],
    }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    /** Why skipped, deferred, failed or dead (a decision reason or the channel's error). */
    reason: text("reason"),
    providerRef: text("provider_ref"),
    /** A deferred delivery is decided again after this time. */
    deliverAfterMs: integer("deliver_after_ms"),
    leaseUntilMs: integer("lease_until_ms"),
    createdAtMs: integer("created_at_ms").notNull(),
    updatedAtMs: integer("updated_at_ms").notNull(),
    sentAtMs: integer("sent_at_ms"),
    /**
     * Receipts (docs/notifications.md "Receipts"): each set once, by the first receipt that
     * names it, never cleared. Opened implies delivered (an open sets both when delivered is
     * unset). `receipt_failure` is the provider's bad news (`bounced`, `complained`,
     * `undelivered`, `failed`), the first one kept.
     */
    deliveredAtMs: integer("delivered_at_ms"),
    openedAtMs: integer("opened_at_ms"),
    receiptFailure: text("receipt_failure"),
    receiptFailureAtMs: integer("receipt_failure_at_ms"),
    /** A transactional push not opened in time was escalated to e-mail (claimed once). */
    escalatedAtMs: integer("escalated_at_ms"),
    /** The event a transactional push carried, kept for its escalation to e-mail. */
    event: text("event", { mode: "json" }).$type<Record<string, unknown>>(),
  },
  (t) => [
    index("notification_deliveries_user_idx").on(t.userId, t.createdAtMs),
    index("notification_deliveries_event_idx").on(t.eventId),
    // Receipts from providers name their own message id (Resend email_id, Twilio MessageSid).
    index("notification_deliveries_provider_ref_idx")
      .on(t.providerRef)
      .where(sql`provider_ref IS NOT NULL`),
    // The escalation sweep: transactional pushes that carry their event (sent while escalation
    // was on), neither opened nor escalated, oldest first.
    index("notification_deliveries_escalation_idx")
      .on(t.createdAtMs)
      .where(
        sql`channel = 'push' AND category = 'transactional' AND opened_at_ms IS NULL AND escalated_at_ms IS NULL AND event IS NOT NULL`,
      ),
  ],
);

/**
 * Which user a provider's message id belongs to: the route from a provider's receipt (Resend
 * `email_id`, Twilio `MessageSid`, chosen by the provider, so they cannot carry the user) to
 * the user database holding the delivery (docs/scaling.md "D1 router"). Written with the send's
 * outcome; one primary-key read per receipt.
 */
export const notificationProviderRefs = sqliteTable(
  "notification_provider_refs",
  {
    channel: text("channel").notNull(),
    providerRef: text("provider_ref").notNull(),
    userId: text("user_id").notNull(),
    createdAtMs: integer("created_at_ms").notNull(),
  },
  (t) => [primaryKey({ columns: [t.channel, t.providerRef] })],
);

/**
 * A delivery that will not go out by itself: its channel refused it (a non-retryable error) or
 * the queue gave up after its last retry. An operator replays it once from the console: the
 * replay moves `open` to `replayed` atomically, so a second replay is refused.
 */
export const notificationDeadLetters = sqliteTable(
  "notification_dead_letters",
  {
    id: text("id").primaryKey(),
    deliveryId: text("delivery_id").notNull(),
    eventId: text("event_id").notNull(),
    userId: text("user_id").notNull(),
    type: text("type").notNull(),
    channel: text("channel").notNull(),
    /** The whole notification event, to publish again on replay. */
    event: text("event", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    error: text("error").notNull(),
    attempts: integer("attempts").notNull(),
    status: text("status", { enum: ["open", "replayed"] }).notNull(),
    createdAtMs: integer("created_at_ms").notNull(),
    replayedAtMs: integer("replayed_at_ms"),
    replayedBy: text("replayed_by"),
  },
  (t) => [
    index("notification_dead_letters_status_idx").on(t.status, t.createdAtMs),
    // At most one open dead letter per delivery: the DLQ consumer's redelivery adds nothing.
    uniqueIndex("notification_dead_letters_open_uq").on(t.deliveryId).where(sql`status = 'open'`),
  ],
);

/**
 * A user's notification preferences (shared/notify/preferences.ts), one row per user who
 * changed anything; a user without a row gets DEFAULT_PREFERENCES. Read in bulk by the
 * notification consumer, written by the user API, the signed unsubscribe link and the console.
 */
export const notificationPreferences = sqliteTable("notification_preferences", {
  userId: text("user_id").primaryKey(),
  prefs: text("prefs", { mode: "json" }).$type<NotificationPreferences>().notNull(),
  updatedAtMs: integer("updated_at_ms").notNull(),
});

/**
 * Members' segments as their wallets hold them (`vip`, `students`), so a promotional send can
 * enumerate a segment's members by keyset (docs/notifications.md "Promotional sends"). One row
 * per member × segment, keyed segment first for the fan-out's page reads.
 */
export const memberSegments = sqliteTable(
  "member_segments",
  {
    segment: text("segment").notNull(),
    userId: text("user_id").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.segment, t.userId] }),
    index("member_segments_user_idx").on(t.userId),
  ],
);

/**
 * The version of each member's segments the rows above hold: the wallet raises it with every
 * change, and the projection writes only a newer one, so a redelivered or reordered message
 * never moves a member's segments backwards.
 */
export const memberSegmentVersions = sqliteTable("member_segment_versions", {
  userId: text("user_id").primaryKey(),
  version: integer("version").notNull(),
  updatedAtMs: integer("updated_at_ms").notNull(),
});

/**
 * An operator's promotional send: a `promotion` notification to every opted-in member of a
 * segment (or of all members), fanned out a page at a time on the NOTIFY_FANOUT queue. `step`
 * and `cursor` say where the fan-out is: step n reads the members after `cursor`, and only the
 * message for the current step proceeds, so a redelivered step never sends a page twice.
 */
export const promoSends = sqliteTable(
  "promo_sends",
  {
    id: text("id").primaryKey(),
    /** A segment name, or `*` for all members. */
    segment: text("segment").notNull(),
    headline: text("headline").notNull(),
    body: text("body").notNull(),
    url: text("url").notNull(),
    status: text("status", {
      enum: ["scheduled", "sending", "completed", "cancelled"],
    }).notNull(),
    sendAtMs: integer("send_at_ms").notNull(),
    /** Members in the segment when the send was created (the progress bar's end). */
    audience: integer("audience").notNull(),
    step: integer("step").notNull().default(0),
    /** The last member the fan-out passed; null before the first page. */
    cursor: text("cursor"),
    enqueued: integer("enqueued").notNull().default(0),
    /** Members passed over: not opted in to promotional messages. */
    skipped: integer("skipped").notNull().default(0),
    /** The queue message working on the current step and until when (a lease). */
    leaseOwner: text("lease_owner"),
    leaseUntilMs: integer("lease_until_ms"),
    createdBy: text("created_by").notNull(),
    createdAtMs: integer("created_at_ms").notNull(),
    startedAtMs: integer("started_at_ms"),
    endedAtMs: integer("ended_at_ms"),
    cancelledBy: text("cancelled_by"),
  },
  (t) => [index("promo_sends_created_idx").on(t.createdAtMs, t.id)],
);

/**
 * Frequency-cap claims (features/notifications/caps.ts): one row per promotional (or other
 * capped) message let through to a user, keyed by the event so a redelivery claims nothing
 * new, with the recipient's local day and ISO week the caps count in.
 */
export const notificationCapClaims = sqliteTable(
  "notification_cap_claims",
  {
    userId: text("user_id").notNull(),
    category: text("category").notNull(),
    eventId: text("event_id").notNull(),
    /** `2026-12-06`: the recipient's local date when claimed. */
    dayKey: text("day_key").notNull(),
    /** `2026-W49`: the recipient's ISO week when claimed. */
    weekKey: text("week_key").notNull(),
    claimedAtMs: integer("claimed_at_ms").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.category, t.eventId] }),
    index("notification_cap_claims_day_idx").on(t.userId, t.category, t.dayKey),
    index("notification_cap_claims_week_idx").on(t.userId, t.category, t.weekKey),
  ],
);

/**
 * Digests (features/notifications/digests.ts): a burst of one digestible type for one user
 * becomes one message. At most one open digest (flushed_at_ms null) per user and type.
 */
export const notificationDigests = sqliteTable(
  "notification_digests",
  {
    id: text("id").primaryKey(),
    userId: text("user_id").notNull(),
    type: text("type").notNull(),
    /** The event that opened it (its id is the digest message's idempotency key). */
    firstEventId: text("first_event_id").notNull(),
    itemCount: integer("item_count").notNull(),
    openedAtMs: integer("opened_at_ms").notNull(),
    flushAtMs: integer("flush_at_ms").notNull(),
    flushedAtMs: integer("flushed_at_ms"),
  },
  (t) => [
    uniqueIndex("notification_digests_open_uq")
      .on(t.userId, t.type)
      .where(sql`flushed_at_ms IS NULL`),
    index("notification_digests_flush_idx").on(t.flushedAtMs, t.flushAtMs),
  ],
);

/** The events a digest lists; one row per (user, type, event), so a redelivery joins nothing. */
export const notificationDigestItems = sqliteTable(
  "notification_digest_items",
  {
    userId: text("user_id").notNull(),
    type: text("type").notNull(),
    eventId: text("event_id").notNull(),
    digestId: text("digest_id").notNull(),
    vars: text("vars", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    occurredAtMs: integer("occurred_at_ms").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.type, t.eventId] }),
    index("notification_digest_items_digest_idx").on(t.digestId, t.occurredAtMs),
  ],
);

/**
 * The operator's notification settings (shared/notify/settings.ts): one row, id `operator`.
 * Absent: the defaults.
 */
export const notificationSettings = sqliteTable("notification_settings", {
  id: text("id").primaryKey(),
  settings: text("settings", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
  updatedAtMs: integer("updated_at_ms").notNull(),
});

/**
 * Operator-written notification templates (docs/notifications.md, "Templates"), one row per
 * (type, locale); a type without a row for a locale falls back along the locale chain to the
 * built-in English template (shared/notify/templates.ts). Validated on save: a template uses
 * only its type's variables (shared/notify/catalog.ts).
 */
export const notificationTemplates = sqliteTable(
  "notification_templates",
  {
    type: text("type").notNull(),
    /** A normalised BCP 47 tag: `hi`, `pt-BR`. */
    locale: text("locale").notNull(),
    title: text("title").notNull(),
    body: text("body").notNull(),
    url: text("url"),
    updatedAtMs: integer("updated_at_ms").notNull(),
    updatedBy: text("updated_by").notNull(),
  },
  (t) => [primaryKey({ columns: [t.type, t.locale] })],
);

/** One daily payout reconciliation: processor report against our payouts, wallets against ledgers. */
export const payoutReconRuns = sqliteTable(
  "payout_recon_runs",
  {
    id: text("id").primaryKey(),
    processorId: text("processor_id").notNull(),
    fromMs: integer("from_ms").notNull(),
    toMs: integer("to_ms").notNull(),
    status: text("status", { enum: ["running", "completed", "failed"] }).notNull(),
    checkedPayouts: integer("checked_payouts").notNull().default(0),
    walletsQueued: integer("wallets_queued").notNull().default(0),
    /**
     * The last wallet whose audit was queued; a page message proceeds only from here, so a
     * redelivered page neither repeats nor forks the chain. Null until fan-out starts.
     */
    auditCursor: text("audit_cursor"),
    /** Where the page that moved the cursor last began: a retry of that page resumes from it. */
    auditPageStart: text("audit_page_start"),
    error: text("error"),
    startedAtMs: integer("started_at_ms").notNull(),
    finishedAtMs: integer("finished_at_ms"),
  },
  (t) => [index("payout_recon_runs_started_idx").on(t.startedAtMs)],
);

/** Every discrepancy a run found; `subject` is the payout id or, for wallet checks, the user id. */
/**
 * Each wallet's ledger chain head as the daily audit last verified it (docs/ledger.md "Tamper
 * evidence"): the next audit verifies from here, not from genesis, and an operator's export
 * carries it as the proof the wallet's own storage cannot rewrite. One row per wallet, moved
 * forward by each run (never back); every run's anchors are also one NDJSON object per audit
 * batch in the LEDGER_ANCHORS bucket. `status`: ok | broken (first_bad_seq names the entry) |
 * sealing (older entries still being hashed); head_seq 0 is the genesis.
 */
export const walletChainAnchors = sqliteTable(
  "wallet_chain_anchors",
  {
    userId: text("user_id").primaryKey(),
    headSeq: integer("head_seq").notNull(),
    headHash: text("head_hash").notNull(),
    status: text("status", { enum: ["ok", "broken", "sealing"] }).notNull(),
    firstBadSeq: integer("first_bad_seq"),
    runId: text("run_id").notNull(),
    verifiedAtMs: integer("verified_at_ms").notNull(),
  },
  (t) => [index("wallet_chain_anchors_status_idx").on(t.status, t.userId)],
);

export const payoutDiscrepancies = sqliteTable(
  "payout_discrepancies",
  {
    runId: text("run_id").notNull(),
    kind: text("kind").notNull(),
    subject: text("subject").notNull(),
    detail: text("detail", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    createdAtMs: integer("created_at_ms").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.runId, t.kind, t.subject] }),
    index("payout_discrepancies_created_idx").on(t.createdAtMs),
  ],
);

/**
 * Every admin write (POST/PUT/PATCH/DELETE under /admin/), refused or not: which key, what,
 * when, the answer, and the resource as its admin GET showed it before and after. Only GET
 * views are stored, never request bodies, so secrets sent in a write never land here.
 */
export const adminAuditLog = sqliteTable(
  "admin_audit_log",
  {
    id: text("id").primaryKey(),
    atMs: integer("at_ms").notNull(),
    /** The admin key's name (never the key). */
    actor: text("actor").notNull(),
    scope: text("scope").notNull(),
    method: text("method").notNull(),
    path: text("path").notNull(),
    /** The route's operationId in the OpenAPI document; null for a path no route serves. */
    operationId: text("operation_id"),
    status: integer("status").notNull(),
    /** For a refused write: the problem's code and detail. */
    problem: text("problem", { mode: "json" }).$type<{ code: string; detail: string }>(),
    before: text("before", { mode: "json" }).$type<unknown>(),
    after: text("after", { mode: "json" }).$type<unknown>(),
    requestId: text("request_id"),
  },
  (t) => [
    index("admin_audit_log_at_idx").on(t.atMs, t.id),
    index("admin_audit_log_actor_idx").on(t.actor, t.atMs, t.id),
  ],
);

/**
 * Console operators (docs/console.md). The password is never stored: only a PBKDF2-SHA256
 * hash with a per-operator salt and the iteration count it was made with, so the count can
 * be raised later and old hashes still verify. Failed sign-ins are counted for the lockout.
 */
export const operators = sqliteTable(
  "operators",
  {
    id: text("id").primaryKey(),
    /** Lower-cased; unique. */
    email: text("email").notNull(),
    displayName: text("display_name").notNull(),
    role: text("role").notNull(),
    passwordHash: text("password_hash").notNull(),
    passwordSalt: text("password_salt").notNull(),
    passwordIterations: integer("password_iterations").notNull(),
    /** IANA zone the console shows times in, e.g. Europe/Berlin. */
    timeZone: text("time_zone").notNull().default("UTC"),
    failedSignIns: integer("failed_sign_ins").notNull().default(0),
    lockedUntilMs: integer("locked_until_ms"),
    disabled: integer("disabled", { mode: "boolean" }).notNull().default(false),
    createdAtMs: integer("created_at_ms").notNull(),
    updatedAtMs: integer("updated_at_ms").notNull(),
  },
  (t) => [uniqueIndex("operators_email_idx").on(t.email)],
);

/**
 * Console sessions, server side. The cookie holds a random id; this table holds only its
 * SHA-256, so a leaked table is no usable session. A session ends at its absolute expiry,
 * after the idle timeout without use, or when revoked (sign-out, an admin, a role change).
 */
export const operatorSessions = sqliteTable(
  "operator_sessions",
  {
    idHash: text("id_hash").primaryKey(),
    operatorId: text("operator_id").notNull(),
    /** The CSRF token every state-changing form of this session carries. */
    csrfToken: text("csrf_token").notNull(),
    createdAtMs: integer("created_at_ms").notNull(),
    lastSeenAtMs: integer("last_seen_at_ms").notNull(),
    expiresAtMs: integer("expires_at_ms").notNull(),
    revokedAtMs: integer("revoked_at_ms"),
  },
  (t) => [index("operator_sessions_operator_idx").on(t.operatorId, t.createdAtMs)],
);

/**
 * Operator-defined event types (`custom.<name>`, docs/events.md "Custom event types"): the
 * spec of each, the source of truth. The events worker reads the active ones as one KV config
 * value (`event-types:v1`, shared/events/custom-event-types-config.ts), versioned by
 * `version`: every write gives its row the highest version so far plus one, so the set's
 * version (the highest) grows with every change.
 */
export const customEventTypes = sqliteTable("custom_event_types", {
  type: text("type").primaryKey(),
  description: text("description"),
  active: integer("active", { mode: "boolean" }).notNull().default(true),
  fields: text("fields", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
  version: integer("version").notNull(),
  createdAtMs: integer("created_at_ms").notNull(),
  updatedAtMs: integer("updated_at_ms").notNull(),
});

/**
 * Rules engine versions (docs/rules.md "Managing rules"). A published version is immutable:
 * publish and rollback each insert a new row (version = live + 1, so two publishes racing for
 * one number collide on the primary key and one is refused), never edit one.
 */
export const ruleSetVersions = sqliteTable("rule_set_versions", {
  version: integer("version").primaryKey(),
  /** The published RuleSet (shared/rules/rule-schema.ts), its own `version` field included. */
  ruleSet: text("rule_set", { mode: "json" }).$type<unknown>().notNull(),
  publishedAtMs: integer("published_at_ms").notNull(),
  /** The admin key or console operator who published it. */
  publishedBy: text("published_by").notNull(),
  note: text("note"),
  /** Set when this version is a rollback: the version whose rules it copies. */
  rolledBackFrom: integer("rolled_back_from"),
});

/** The one draft rule set being edited (a single row, id `draft`). */
export const ruleSetDraft = sqliteTable("rule_set_draft", {
  id: text("id").primaryKey(),
  /** The RuleSet as saved, without a version (assigned on publish). Always valid. */
  ruleSet: text("rule_set", { mode: "json" }).$type<unknown>().notNull(),
  /** The live version the draft was based on; null when nothing was live. */
  basedOnVersion: integer("based_on_version"),
  /** +1 on every save: a publish re-bases the draft only if it is still the one published. */
  revision: integer("revision").notNull(),
  updatedAtMs: integer("updated_at_ms").notNull(),
  updatedBy: text("updated_by").notNull(),
});

/** Which version is live (a single row, id `live`); absent until the first publish. */
export const ruleSetLive = sqliteTable("rule_set_live", {
  id: text("id").primaryKey(),
  version: integer("version").notNull(),
  publishedAtMs: integer("published_at_ms").notNull(),
});

/**
 * The loyalty program's settings (docs/loyalty.md "Program settings"): every save inserts a
 * new immutable version (current + 1, so two saves racing for one number collide on the
 * primary key and one is refused); the current settings are the highest version.
 */
export const loyaltyProgramVersions = sqliteTable("loyalty_program_versions", {
  version: integer("version").primaryKey(),
  /** ProgramSettings (shared/loyalty/program-settings.ts), validated before it was stored. */
  settings: text("settings", { mode: "json" }).$type<unknown>().notNull(),
  savedAtMs: integer("saved_at_ms").notNull(),
  /** The admin key or console operator who saved it. */
  savedBy: text("saved_by").notNull(),
  note: text("note"),
});

/** Operator pools of voucher codes members buy with points; each code is issued once. */
export const voucherPools = sqliteTable("voucher_pools", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  /** Points one code costs. */
  pointsCost: integer("points_cost").notNull(),
  active: integer("active", { mode: "boolean" }).notNull().default(true),
  createdAtMs: integer("created_at_ms").notNull(),
  createdBy: text("created_by").notNull(),
});

/**
 * The codes of each pool. A code is claimed by one redemption (`claim_key`: the member and
 * their Idempotency-Key) with a single conditional UPDATE, so no code is ever handed out twice;
 * a claim the wallet refused is released (claim_key back to null).
 */
export const voucherCodes = sqliteTable(
  "voucher_codes",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    poolId: text("pool_id").notNull(),
    code: text("code").notNull(),
    claimKey: text("claim_key"),
    /** The points the claiming redemption spends (the pool's cost when it was claimed). */
    claimedPoints: integer("claimed_points"),
    issuedAtMs: integer("issued_at_ms"),
    uploadedAtMs: integer("uploaded_at_ms").notNull(),
  },
  (t) => [
    uniqueIndex("voucher_codes_pool_code_uq").on(t.poolId, t.code),
    uniqueIndex("voucher_codes_claim_key_uq").on(t.claimKey),
    index("voucher_codes_pool_claim_idx").on(t.poolId, t.claimKey),
  ],
);

/**
 * Referral program settings (shared/referrals/program-settings.ts): immutable versions per
 * program, each inserted as current + 1, so the primary key is the optimistic-concurrency
 * check, like the loyalty program's.
 */
export const referralProgramVersions = sqliteTable(
  "referral_program_versions",
  {
    programId: text("program_id").notNull(),
    version: integer("version").notNull(),
    /** ReferralProgramSettings, validated before it was stored. */
    settings: text("settings", { mode: "json" }).$type<unknown>().notNull(),
    savedAtMs: integer("saved_at_ms").notNull(),
    /** The admin key or console operator who saved it. */
    savedBy: text("saved_by").notNull(),
    note: text("note"),
  },
  (t) => [primaryKey({ columns: [t.programId, t.version] })],
);

/**
 * Operators' translations of the user-facing referral reason texts (docs/referrals.md,
 * "Reason texts"): one row per (locale, code); English lives in the code
 * (durable-objects/wallet/referrals/reasons.ts) and is the fallback for any code a locale
 * lacks. Written only by PUT /admin/v1/referral-reason-texts/{locale}.
 */
export const referralReasonTexts = sqliteTable(
  "referral_reason_texts",
  {
    /** A normalised BCP 47 tag: `hi`, `pt-BR`. */
    locale: text("locale").notNull(),
    code: text("code").notNull(),
    text: text("text").notNull(),
    updatedAtMs: integer("updated_at_ms").notNull(),
    updatedBy: text("updated_by").notNull(),
  },
  (t) => [primaryKey({ columns: [t.locale, t.code] })],
);

/**
 * Referral codes, the source of truth (CONFIG_KV mirrors each as `ref:code:v1:<CODE>` for the
 * redirect). The code is stored normalised (upper case, no dashes), so the primary key makes
 * codes unique case-insensitively; a user has at most one generated code per program.
 */
export const referralCodes = sqliteTable(
  "referral_codes",
  {
    code: text("code").primaryKey(),
    userId: text("user_id").notNull(),
    programId: text("program_id").notNull(),
    kind: text("kind", { enum: ["generated", "vanity"] }).notNull(),
    createdAtMs: integer("created_at_ms").notNull(),
  },
  (t) => [
    index("referral_codes_user_idx").on(t.userId),
    // The referral funnel reads codes issued by time.
    index("referral_codes_created_idx").on(t.createdAtMs, t.programId),
    uniqueIndex("referral_codes_generated_uq")
      .on(t.userId, t.programId)
      .where(sql`kind = 'generated'`),
  ],
);

/**
 * The global index of referrals by referrer (docs/scaling.md "D1 router"): a referral lives in
 * its referee's user database, so a referrer's friends are spread over every one; this finds
 * them without asking each. Written by the LEDGER_EVENTS consumer from the referral's
 * projection, idempotent (a referral's referrer, referee and signup time never change), and
 * **before** the referee's row, so a referral row never exists without its index row; an
 * index row whose referral is not written yet is skipped by the readers.
 */
export const referralReferrers = sqliteTable(
  "referral_referrers",
  {
    referralId: text("referral_id").primaryKey(),
    referrerId: text("referrer_id").notNull(),
    refereeId: text("referee_id").notNull(),
    attributedAtMs: integer("attributed_at_ms").notNull(),
  },
  (t) => [
    index("referral_referrers_referrer_idx").on(t.referrerId, t.attributedAtMs, t.referralId),
  ],
);

/**
 * Referral link clicks, written in batches by the CLICKS consumer (idempotent on the click id).
 * `fingerprint` is the keyed hash of IP + user agent (shared/referrals/fingerprint.ts), never
 * the address itself; the index serves the probabilistic match at signup.
 */
export const referralClicks = sqliteTable(
  "referral_clicks",
  {
    clickId: text("click_id").primaryKey(),
    code: text("code").notNull(),
    referrerId: text("referrer_id").notNull(),
    programId: text("program_id").notNull(),
    platform: text("platform", { enum: ["web", "ios", "android"] }).notNull(),
    fingerprint: text("fingerprint").notNull(),
    clickedAtMs: integer("clicked_at_ms").notNull(),
  },
  (t) => [
    index("referral_clicks_fingerprint_idx").on(t.fingerprint, t.clickedAtMs),
    // The retention cron deletes the oldest first (features/referrals/clicks-retention.ts).
    index("referral_clicks_clicked_at_idx").on(t.clickedAtMs),
    // The funnel's link clicks of one referrer in a range.
    index("referral_clicks_referrer_idx").on(t.referrerId, t.clickedAtMs),
  ],
);

/**
 * Who holds which fraud identifier (docs/referrals.md "Fraud holds"): keyed hashes of device
 * ids, IP networks, normalised e-mails and payment instruments (shared/referrals/
 * risk-identifiers.ts), never the values. One writer: the LEDGER_EVENTS consumer, in batches,
 * from each wallet's outbox (`risk_identifiers`), idempotent on the primary key. A referee's
 * wallet reads it at attribution to find who else holds its identifiers.
 */
export const referralIdentifiers = sqliteTable(
  "referral_identifiers",
  {
    kind: text("kind").notNull(),
    hash: text("hash").notNull(),
    userId: text("user_id").notNull(),
    seenAtMs: integer("seen_at_ms").notNull(),
  },
  (t) => [primaryKey({ columns: [t.hash, t.kind, t.userId] })],
);

/**
 * Identity links (docs/fraud.md "Identity links"): which users share a device, an IP network
 * (/24, /64), an ASN, a payment instrument, a normalised e-mail or a phone, as keyed hashes
 * (`v<key version>.<HMAC>`, shared/fraud/identity-links.ts), never the values. One writer: the
 * risk consumer (workers/api/src/features/fraud/), in batches, idempotent (first seen keeps
 * the earliest time, last seen the latest). Read by the same consumer (how many users share an
 * identifier) and by the admin risk read (the bounded graph of linked accounts).
 */
export const riskIdentifiers = sqliteTable(
  "risk_identifiers",
  {
    kind: text("kind").notNull(),
    hash: text("hash").notNull(),
    userId: text("user_id").notNull(),
    firstSeenMs: integer("first_seen_ms").notNull(),
    lastSeenMs: integer("last_seen_ms").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.kind, t.hash, t.userId] }),
    // A user's own identifiers: the first step of the linked-accounts graph.
    index("risk_identifiers_user_idx").on(t.userId, t.lastSeenMs),
  ],
);

/**
 * Return abuse across users (docs/fraud.md "Return abuse"): one row per order the risk consumer
 * saw (a `conversion` observation records it, a `return` marks it returned), written only by
 * that consumer in one batch per queue batch; an upsert, so a redelivered batch changes
 * nothing. Read only by the rates refresh (cron), never on a click or postback path.
 */
export const riskOrders = sqliteTable(
  "risk_orders",
  {
    orderRef: text("order_ref").primaryKey(),
    userId: text("user_id").notNull(),
    merchantId: text("merchant_id"),
    /** Normalised (return-signals.ts `normalizeCategory`); null when the network sent none. */
    category: text("category"),
    orderedAtMs: integer("ordered_at_ms").notNull(),
    returnedAtMs: integer("returned_at_ms"),
  },
  (t) => [
    index("risk_orders_time_idx").on(t.orderedAtMs),
    // A user's counts (shared/fraud/user-order-counts.ts), read for every risk batch.
    index("risk_orders_user_time_idx").on(t.userId, t.orderedAtMs),
  ],
);

/**
 * Observations the click and postback consumers could not send to the risk queue
 * (docs/fraud.md "Fail-safe"): kept here, one batch per consumer batch, so the primary message
 * is acknowledged and scoring is delayed rather than lost. The API worker's cron re-sends them
 * oldest first in bounded batches and deletes what was sent. Keyed by the observation id: a
 * redelivery that fails again keeps one row, and the risk object counts an id once anyway.
 * `observationJson` is the `Observation` as the queue message carries it.
 */
export const riskObservationOutbox = sqliteTable(
  "risk_observation_outbox",
  {
    observationId: text("observation_id").primaryKey(),
    observationJson: text("observation_json").notNull(),
    keptAtMs: integer("kept_at_ms").notNull(),
  },
  (t) => [index("risk_observation_outbox_kept_idx").on(t.keptAtMs, t.observationId)],
);

/**
 * Each merchant's and category's orders and returns over the rolling window, refreshed from
 * `risk_orders` by the cron (`scope` is `merchant` or `category`); the risk consumer reads the
 * rows its batch's orders name, one bounded read per batch.
 */
export const riskReturnRates = sqliteTable(
  "risk_return_rates",
  {
    scope: text("scope").notNull(),
    key: text("key").notNull(),
    orders: integer("orders").notNull(),
    returns: integer("returns").notNull(),
    refreshedAtMs: integer("refreshed_at_ms").notNull(),
  },
  (t) => [primaryKey({ columns: [t.scope, t.key] })],
);

/**
 * Every wallet's risk holds (docs/fraud.md "Review"), the review queue's index: one row per
 * hold, projected from the wallet that owns it (`risk_hold` on the LEDGER_EVENTS queue). The
 * wallet stays the truth (it decides and releases); this table is what the console and
 * `GET /admin/v1/risk/holds` list and filter, and what the labels export reads. `version` rises
 * with every change of the hold in its wallet, so a redelivered or reordered message never
 * moves a row backwards. `reasonCodes` is the hold's reason codes joined by spaces with one
 * leading and trailing space (` shared_device click_iframe `), so a filter on one code is a
 * `LIKE '% code %'`. `decisionSignalsJson` is the user's score and reasons as the risk object
 * answered when an operator decided (the label's context for offline training); null until then.
 */
export const riskHolds = sqliteTable(
  "risk_holds",
  {
    userId: text("user_id").notNull(),
    holdId: text("hold_id").notNull(),
    kind: text("kind").notNull(),
    subjectRef: text("subject_ref"),
    source: text("source").notNull(),
    ruleId: text("rule_id"),
    ruleVersion: integer("rule_version"),
    reasonsJson: text("reasons_json").notNull(),
    reasonCodes: text("reason_codes").notNull(),
    scoreContribution: integer("score_contribution").notNull(),
    status: text("status").notNull(),
    placedAtMs: integer("placed_at_ms").notNull(),
    autoReleaseAtMs: integer("auto_release_at_ms"),
    endedAtMs: integer("ended_at_ms"),
    endedHow: text("ended_how"),
    decidedBy: text("decided_by"),
    decisionNote: text("decision_note"),
    label: text("label"),
    decisionSignalsJson: text("decision_signals_json"),
    version: integer("version").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.holdId] }),
    // The queue: active holds oldest first, filtered by kind or source.
    index("risk_holds_status_idx").on(t.status, t.placedAtMs),
    // Ended holds (released, upheld) newest ended first.
    index("risk_holds_ended_idx").on(t.status, t.endedAtMs),
    // The fraud-hold rates read holds placed in a range (docs/analytics.md "Fraud holds").
    index("risk_holds_placed_idx").on(t.placedAtMs),
    // The labels export's pages: labelled holds in its keyset order, read without a sort.
    index("risk_holds_labelled_idx")
      .on(t.endedAtMs, t.userId, t.holdId)
      .where(sql`label IS NOT NULL`),
  ],
);

/**
 * The operator's risk lists (shared/referrals/risk-lists.ts): disposable e-mail domains and
 * datacenter/VPN IP ranges, one row per list, replaced whole by
 * `PUT /admin/v1/risk-lists/{list}`; CONFIG_KV mirrors each for the wallets.
 */
export const referralRiskLists = sqliteTable("referral_risk_lists", {
  list: text("list").primaryKey(),
  entries: text("entries", { mode: "json" }).$type<string[]>().notNull(),
  version: integer("version").notNull(),
  updatedAtMs: integer("updated_at_ms").notNull(),
  updatedBy: text("updated_by").notNull(),
});

/**
 * Referrers an operator banned (`PUT /admin/v1/referrals/referrers/{userId}/ban`): their
 * referrals not yet rewarded were rejected, and no signup is attributed to them while the row
 * exists.
 */
export const referralReferrerBans = sqliteTable("referral_referrer_bans", {
  userId: text("user_id").primaryKey(),
  reason: text("reason").notNull(),
  bannedBy: text("banned_by").notNull(),
  bannedAtMs: integer("banned_at_ms").notNull(),
});

/**
 * Operator alerts (workers/api/src/features/alerts/, docs/alerts.md): one row per raised
 * alert. `dedupKey` is rule × subject; at most one alert per key is not resolved (the partial
 * unique index), so a condition that persists counts `occurrences` on its open alert rather
 * than raising a new one every run.
 */
export const operatorAlerts = sqliteTable(
  "operator_alerts",
  {
    id: text("id").primaryKey(),
    rule: text("rule").notNull(),
    subject: text("subject").notNull(),
    dedupKey: text("dedup_key").notNull(),
    severity: text("severity", { enum: ["warning", "critical"] }).notNull(),
    state: text("state", { enum: ["open", "acknowledged", "resolved"] }).notNull(),
    summary: text("summary").notNull(),
    /** The signal figures that raised (or last confirmed) the alert: counts, never PII. */
    detail: text("detail", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    occurrences: integer("occurrences").notNull().default(1),
    openedAtMs: integer("opened_at_ms").notNull(),
    lastSeenAtMs: integer("last_seen_at_ms").notNull(),
    acknowledgedAtMs: integer("acknowledged_at_ms"),
    acknowledgedBy: text("acknowledged_by"),
    resolvedAtMs: integer("resolved_at_ms"),
    /** An operator's name, or `auto` when the evaluation found the condition cleared. */
    resolvedBy: text("resolved_by"),
    note: text("note"),
    updatedAtMs: integer("updated_at_ms").notNull(),
  },
  (t) => [
    uniqueIndex("operator_alerts_live_key_idx").on(t.dedupKey).where(sql`state != 'resolved'`),
    index("operator_alerts_state_idx").on(t.state, t.openedAtMs, t.id),
    index("operator_alerts_opened_idx").on(t.openedAtMs, t.id),
    // The alerts resolved lately, whose contact is told once (evaluate.ts).
    index("operator_alerts_resolved_idx").on(t.state, t.resolvedAtMs),
  ],
);

/**
 * Messages sent about an alert: one row per (alert, stage, channel), stage `primary`,
 * `escalation` or `resolution` (the primary contact told it was resolved), so a cron rerun never sends a stage twice; a failed send is retried on the
 * next run until it is `sent`.
 */
export const operatorAlertDeliveries = sqliteTable(
  "operator_alert_deliveries",
  {
    alertId: text("alert_id").notNull(),
    stage: text("stage", { enum: ["primary", "escalation", "resolution"] }).notNull(),
    channel: text("channel", { enum: ["webhook", "email"] }).notNull(),
    status: text("status", { enum: ["sent", "failed"] }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
    updatedAtMs: integer("updated_at_ms").notNull(),
  },
  (t) => [primaryKey({ columns: [t.alertId, t.stage, t.channel] })],
);

/**
 * The operator's alert settings (one row, id `default`): contacts, thresholds, escalation
 * delay as JSON; the webhook signing secret apart, never returned by the API.
 */
export const operatorAlertSettings = sqliteTable("operator_alert_settings", {
  id: text("id").primaryKey(),
  settings: text("settings", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
  webhookSecret: text("webhook_secret"),
  updatedAtMs: integer("updated_at_ms").notNull(),
});

/**
 * Each dead-letter store's backlog as the last alert evaluation counted it (one row per store),
 * so the next run sees whether it grew in between (features/alerts/signals.ts).
 */
export const operatorAlertBacklogs = sqliteTable("operator_alert_backlogs", {
  source: text("source").primaryKey(),
  count: integer("count").notNull(),
  observedAtMs: integer("observed_at_ms").notNull(),
});

/**
 * Analytics rollups (docs/analytics.md), recomputed whole per UTC day from the projections
 * above (click_rollups, transactions, offers, payouts) by features/analytics/rollups.ts, so a
 * redelivered batch rewrites the same rows instead of adding to them. Conversions, confirmations
 * and payments count on the day of the conversion; clicks on the day of the click.
 */
export const analyticsFunnelDaily = sqliteTable(
  "analytics_funnel_daily",
  {
    day: text("day").notNull(),
    /** '' for conversions without a known offer. */
    offerId: text("offer_id").notNull(),
    merchantId: text("merchant_id").notNull(),
    networkId: text("network_id").notNull(),
    currency: text("currency").notNull(),
    clicks: integer("clicks").notNull(),
    conversions: integer("conversions").notNull(),
    confirmed: integer("confirmed").notNull(),
    paid: integer("paid").notNull(),
    /** Network commission on the confirmed conversions (the operator's revenue). */
    commissionMinor: integer("commission_minor").notNull(),
    /** Cashback plus boosts on the confirmed conversions. */
    cashbackMinor: integer("cashback_minor").notNull(),
    /** Of `cashbackMinor`, what paid payouts have covered (oldest confirmation first). */
    paidCashbackMinor: integer("paid_cashback_minor").notNull(),
    updatedAtMs: integer("updated_at_ms").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.day, t.networkId, t.offerId, t.currency] }),
    index("analytics_funnel_daily_network_idx").on(t.networkId, t.day),
    index("analytics_funnel_daily_merchant_idx").on(t.merchantId, t.day),
  ],
);

/**
 * The funnel per campaign (docs/analytics.md "Campaigns"): the same figures as
 * `analytics_funnel_daily`, for the clicks and conversions that carried the campaign's boost.
 * Not additive across campaigns (boosts stack: one click may carry several).
 */
export const analyticsCampaignFunnelDaily = sqliteTable(
  "analytics_campaign_funnel_daily",
  {
    day: text("day").notNull(),
    campaignId: text("campaign_id").notNull(),
    offerId: text("offer_id").notNull(),
    merchantId: text("merchant_id").notNull(),
    networkId: text("network_id").notNull(),
    currency: text("currency").notNull(),
    clicks: integer("clicks").notNull(),
    conversions: integer("conversions").notNull(),
    confirmed: integer("confirmed").notNull(),
    paid: integer("paid").notNull(),
    commissionMinor: integer("commission_minor").notNull(),
    cashbackMinor: integer("cashback_minor").notNull(),
    paidCashbackMinor: integer("paid_cashback_minor").notNull(),
    updatedAtMs: integer("updated_at_ms").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.day, t.campaignId, t.networkId, t.offerId, t.currency] }),
    index("analytics_campaign_funnel_daily_campaign_idx").on(t.campaignId, t.day),
  ],
);

/**
 * Days and signup weeks whose rollups are stale (docs/analytics.md "When"): marked by the
 * projection batches in their own D1 batch, refreshed and cleared by the ten-minute cron. `marks`
 * grows on every mark, so the cron clears only a marker no batch re-marked while it refreshed.
 */
export const analyticsDirty = sqliteTable(
  "analytics_dirty",
  {
    /** `day` (funnel and latency rows, YYYY-MM-DD) or `week` (cohort rows, its Monday). */
    kind: text("kind", { enum: ["day", "week"] }).notNull(),
    key: text("key").notNull(),
    markedAtMs: integer("marked_at_ms").notNull(),
    marks: integer("marks").notNull().default(1),
  },
  (t) => [
    primaryKey({ columns: [t.kind, t.key] }),
    index("analytics_dirty_marked_idx").on(t.markedAtMs),
  ],
);

/** Time-to-conversion and time-to-confirmation counts per bucket, per conversion day. */
export const analyticsLatencyDaily = sqliteTable(
  "analytics_latency_daily",
  {
    day: text("day").notNull(),
    offerId: text("offer_id").notNull(),
    merchantId: text("merchant_id").notNull(),
    networkId: text("network_id").notNull(),
    /** `conversion` (click → conversion) or `confirmation` (conversion → confirmed). */
    measure: text("measure", { enum: ["conversion", "confirmation"] }).notNull(),
    /** Index into the measure's bucket bounds (shared/analytics/buckets.ts). */
    bucket: integer("bucket").notNull(),
    count: integer("count").notNull(),
  },
  (t) => [primaryKey({ columns: [t.day, t.networkId, t.offerId, t.measure, t.bucket] })],
);

/** Users by signup week (Monday, UTC): how many converted and the cashback confirmed. */
export const analyticsCohortsWeekly = sqliteTable(
  "analytics_cohorts_weekly",
  {
    week: text("week").notNull(),
    /** '' on the week's row of counts across currencies. */
    currency: text("currency").notNull(),
    users: integer("users").notNull(),
    convertingUsers: integer("converting_users").notNull(),
    cashbackMinor: integer("cashback_minor").notNull(),
    updatedAtMs: integer("updated_at_ms").notNull(),
  },
  (t) => [primaryKey({ columns: [t.week, t.currency] })],
);

/**
 * Points movements (docs/analytics.md "Points"): one row per points posting of a wallet and
 * per source type of the lots it touched, projected from the wallet's outbox
 * (`points_movement` on the ledger-events queue) by its consumer in batches. A posting never
 * changes, so the row is inserted once (a redelivery is ignored). `earned` is the points of a
 * new lot (`points_earn`), `spent` what a redemption drew, `expired` what an expiry took,
 * `reversed` what a rollback took back (negative for a restore). `day` is the posting's UTC day.
 */
export const pointsMovements = sqliteTable(
  "points_movements",
  {
    userId: text("user_id").notNull(),
    entryKey: text("entry_key").notNull(),
    sourceType: text("source_type").notNull(),
    entryKind: text("entry_kind").notNull(),
    day: text("day").notNull(),
    atMs: integer("at_ms").notNull(),
    earned: integer("earned").notNull(),
    spent: integer("spent").notNull(),
    expired: integer("expired").notNull(),
    reversed: integer("reversed").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.entryKey, t.sourceType] }),
    index("points_movements_day_idx").on(t.day, t.sourceType),
  ],
);

/**
 * The scored population (docs/analytics.md "Fraud holds"): each user whose observations the
 * risk consumer judged on a UTC day (sent to their risk object or screened out), one row per
 * (day, user), written by that consumer once per batch. Redemptions and referral
 * qualifications, asked for directly, are counted from `payouts` and `referrals` instead.
 */
export const riskScoredDaily = sqliteTable(
  "risk_scored_daily",
  {
    day: text("day").notNull(),
    userId: text("user_id").notNull(),
  },
  (t) => [primaryKey({ columns: [t.day, t.userId] })],
);

/**
 * A move of the user databases from one count to another (docs/scaling.md "Re-sharding the
 * user databases"): each step's progress (copy, verify, sweep) per table and database, so a
 * budgeted run resumes where the last one stopped. `rev` makes two concurrent runs of one move
 * keep one's progress, never a mix. At most one move is open (`finished_at_ms` null). A move
 * cancelled before its flip is closed too: `finished_at_ms` and `cancelled_at_ms` both set.
 */
export const userDbMoves = sqliteTable("user_db_moves", {
  id: text("id").primaryKey(),
  fromShards: integer("from_shards").notNull(),
  toShards: integer("to_shards").notNull(),
  progress: text("progress").notNull(),
  rev: integer("rev").notNull(),
  createdAtMs: integer("created_at_ms").notNull(),
  updatedAtMs: integer("updated_at_ms").notNull(),
  finishedAtMs: integer("finished_at_ms"),
  cancelledAtMs: integer("cancelled_at_ms"),
});

export const schema = {
  userDbMoves,
  pointsMovements,
  riskScoredDaily,
  operatorAlerts,
  operatorAlertDeliveries,
  operatorAlertSettings,
  analyticsFunnelDaily,
  analyticsLatencyDaily,
  analyticsCohortsWeekly,
  analyticsCampaignFunnelDaily,
  analyticsDirty,
  clickCampaignRollups,
  customEventTypes,
  operators,
  operatorSessions,
  adminAuditLog,
  payouts,
  giftCardProducts,
  notificationOutbox,
  notificationPreferences,
  notificationCapClaims,
  notificationDigests,
  notificationDigestItems,
  notificationProviderRefs,
  notificationSettings,
  memberSegments,
  memberSegmentVersions,
  promoSends,
  notificationTemplates,
  payoutReconRuns,
  payoutDiscrepancies,
  networks,
  merchants,
  offers,
  offerSearchDocs,
  offerSearchCategories,
  catalogCacheGeneration,
  users,
  transactions,
  receivedPostbacks,
  walletBalances,
  clickRollups,
  rollupApplied,
  reconciliationRuns,
  reconciliationItems,
  claims,
  campaigns,
  ruleSetVersions,
  ruleSetDraft,
  ruleSetLive,
  loyaltyProgramVersions,
  voucherPools,
  voucherCodes,
  referralProgramVersions,
  referralCodes,
  referralClicks,
  referralIdentifiers,
  riskIdentifiers,
  referralRiskLists,
  referralReferrerBans,
};

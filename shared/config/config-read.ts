import type { campaigns, merchants, networkHealth, networks, offers } from "../db/schema";
import type { ConfigBindings } from "../env";
import { resolveConfirmationPolicy } from "../networks/core/confirmation-policy";
import { trackingOptionsOf } from "../networks/tracking-urls";
import {
  MAX_BOOSTS_PER_OFFER,
  type NetworkConfig,
  networkConfigKey,
  type OfferBoost,
  type OfferConfig,
  offerConfigKey,
} from "./offer-config";

/**
 * The config READ path of the edge workers (redirect, postback, events): in-isolate memory →
 * KV → D1, with D1 read through prepared SQL, not the ORM, so the hot workers' bundles carry
 * neither drizzle-orm nor shared/db/schema.ts (only its types: `import type`). The api's writes
 * and KV refreshes stay in config-store.ts (drizzle), which re-exports what is here; a test
 * (config-store.test.ts) checks both readers return the same configs for the same rows.
 *
 * Staleness bound: an admin write updates KV at once and clears this isolate's copy;
 * other isolates see it within ISOLATE_TTL_MS plus KV's propagation (about 60 s).
 */
const ISOLATE_TTL_MS = 30_000;
const KV_CACHE_TTL_SEC = 60;
/** Bounded so a flood of distinct offer ids cannot grow isolate memory without limit. */
const ISOLATE_MAX_ENTRIES = 5_000;

interface Cached<T> {
  value: T | null;
  expiresAtMs: number;
}

const memory = new Map<string, Cached<unknown>>();

function remember<T>(key: string, value: T | null, nowMs: number): void {
  // Re-inserted, not overwritten: eviction takes the first key, so it must be the oldest.
  memory.delete(key);
  if (memory.size >= ISOLATE_MAX_ENTRIES) {
    const oldest = memory.keys().next().value;
    if (oldest !== undefined) memory.delete(oldest);
  }
  memory.set(key, { value, expiresAtMs: nowMs + ISOLATE_TTL_MS });
}

/** Clears this isolate's copies; called after admin writes so same-isolate reads are fresh. */
export function forgetCachedConfig(keys: string[]): void {
  for (const key of keys) memory.delete(key);
}

/** How a config value read through the cache is written back to KV after a D1 read. */
export interface ReadThroughOptions {
  /**
   * When set, the copy written back to KV after a D1 read expires after this many seconds
   * (KV's minimum is 60). For values an admin write replaces wholesale: a write-back racing
   * an admin write could otherwise leave an older value in KV until the next write.
   */
  writeBackTtlSec?: number;
}

/**
 * One config value by its KV key, through isolate memory → KV → D1 (the bound above). Shared
 * by every config the edge workers read: offers and networks here, the custom event types
 * (shared/events/custom-event-types-config.ts), the referral program and risk lists.
 *
 * @example
 * const config = await readConfigThrough(env, "event-types:v1", () => loadFromD1(env.DB), waitUntil);
 */
export async function readConfigThrough<T>(
  env: ConfigBindings,
  key: string,
  loadFromD1: () => Promise<T | null>,
  waitUntil: (p: Promise<unknown>) => void,
  options: ReadThroughOptions = {},
): Promise<T | null> {
  const nowMs = Date.now();
  const hit = memory.get(key);
  if (hit && hit.expiresAtMs > nowMs) return hit.value as T | null;

  const fromKv = await env.CONFIG_KV.get<T>(key, { type: "json", cacheTtl: KV_CACHE_TTL_SEC });
  if (fromKv !== null) {
    remember(key, fromKv, nowMs);
    return fromKv;
  }
  const fromD1 = await loadFromD1();
  remember(key, fromD1, nowMs);
  if (fromD1 !== null) {
    const ttl = options.writeBackTtlSec;
    waitUntil(
      env.CONFIG_KV.put(
        key,
        JSON.stringify(fromD1),
        ttl === undefined ? undefined : { expirationTtl: ttl },
      ),
    );
  }
  return fromD1;
}

export function getOfferConfig(
  env: ConfigBindings,
  offerId: string,
  waitUntil: (p: Promise<unknown>) => void,
): Promise<OfferConfig | null> {
  return readConfigThrough(
    env,
    offerConfigKey(offerId),
    async () => (await readOfferConfigs(env.DB, [offerId])).get(offerId) ?? null,
    waitUntil,
  );
}

export function getNetworkConfig(
  env: ConfigBindings,
  networkId: string,
  waitUntil: (p: Promise<unknown>) => void,
): Promise<NetworkConfig | null> {
  return readConfigThrough(
    env,
    networkConfigKey(networkId),
    async () => (await readNetworkConfigs(env.DB, [networkId])).get(networkId) ?? null,
    waitUntil,
  );
}

/**
 * D1 binds at most 100 parameters per statement: ids go in `IN (…)` lists of this many,
 * leaving room for the query's other parameters.
 */
const IN_LIST_MAX = 90;

export function chunked<T>(items: readonly T[]): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += IN_LIST_MAX) chunks.push(items.slice(i, i + IN_LIST_MAX));
  return chunks;
}

type Offer = typeof offers.$inferSelect;
type Merchant = typeof merchants.$inferSelect;
type Network = typeof networks.$inferSelect;
type Campaign = typeof campaigns.$inferSelect;

/** What an offer's config is built from: one offers ⋈ merchants ⋈ networks ⋈ network_health row. */
export interface OfferConfigRow {
  offer: Pick<
    Offer,
    | "id"
    | "title"
    | "currency"
    | "cashbackTerms"
    | "returnWindowDays"
    | "confirmationPolicy"
    | "origin"
    | "startsAtMs"
    | "endsAtMs"
    | "active"
    | "networkOfferRef"
    | "allowedReferrers"
  >;
  merchant: Pick<Merchant, "id" | "active" | "landingUrl">;
  network: Pick<Network, "id" | "active" | "trackingTemplate" | "postbackFormat" | "options">;
  breakerState: (typeof networkHealth.$inferSelect)["state"] | null;
}

/** What a boost is built from: a campaign boosting the offer. */
export type BoostRow = Pick<
  Campaign,
  | "id"
  | "boostRateBps"
  | "category"
  | "startsAtMs"
  | "endsAtMs"
  | "userSegment"
  | "offerId"
  | "merchantId"
  | "version"
>;

/** One boost as an offer's config carries it (both readers build it here). */
export function offerBoostOf(c: BoostRow): OfferBoost {
  return {
    campaignId: c.id,
    boostRateBps: c.boostRateBps,
    category: c.category,
    startsAtMs: c.startsAtMs,
    endsAtMs: c.endsAtMs,
    userSegment: c.userSegment,
    offerId: c.offerId,
    merchantId: c.merchantId,
    ruleVersion: c.version,
  };
}

/** One offer's config from its row and boosts (both readers build it here). */
export function offerConfigOf(row: OfferConfigRow, boosts: OfferBoost[]): OfferConfig {
  return {
    offerId: row.offer.id,
    merchantId: row.merchant.id,
    networkId: row.network.id,
    title: row.offer.title,
    currency: row.offer.currency,
    terms: row.offer.cashbackTerms,
    returnWindowDays: row.offer.returnWindowDays,
    confirmationPolicy: resolveConfirmationPolicy({
      offerPolicy: row.offer.confirmationPolicy,
      networkOptions: row.network.options,
      origin: row.offer.origin,
    }),
    startsAtMs: row.offer.startsAtMs,
    endsAtMs: row.offer.endsAtMs,
    // An open merchant-sync breaker hides the network's offers until a probe succeeds
    // (jobs/merchant-sync.ts refreshes these configs when it opens or closes).
    active:
      row.offer.active &&
      row.merchant.active &&
      row.network.active &&
      (row.breakerState ?? "closed") === "closed",
    trackingTemplate: row.network.trackingTemplate,
    networkFormat: row.network.postbackFormat,
    trackingOptions: trackingOptionsOf(row.network.options ?? {}),
    landingUrl: row.merchant.landingUrl,
    networkOfferRef: row.offer.networkOfferRef,
    boosts,
    ...(row.offer.allowedReferrers?.length ? { allowedReferrers: row.offer.allowedReferrers } : {}),
  };
}

/** Boosts grouped by offer, at most MAX_BOOSTS_PER_OFFER each, in the rows' order. */
export function boostsByOffer(rows: { offerId: string; campaign: BoostRow }[]) {
  const boosts = new Map<string, OfferBoost[]>();
  for (const { offerId, campaign } of rows) {
    const list = boosts.get(offerId) ?? [];
    if (list.length < MAX_BOOSTS_PER_OFFER) list.push(offerBoostOf(campaign));
    boosts.set(offerId, list);
  }
  return boosts;
}

/** SQLite's JSON text column as drizzle's `mode: "json"` reads it. */
function json<T>(value: unknown): T {
  return (typeof value === "string" ? JSON.parse(value) : value) as T;
}

/** SQLite's 0/1 column as drizzle's `mode: "boolean"` reads it. */
function bool(value: unknown): boolean {
  return Number(value) === 1;
}

const placeholders = (n: number) => Array.from({ length: n }, () => "?").join(", ");

interface OfferSqlRow {
  id: string;
  title: string;
  currency: string;
  cashback_terms: string;
  return_window_days: number;
  confirmation_policy: Offer["confirmationPolicy"];
  origin: Offer["origin"];
  starts_at_ms: number | null;
  ends_at_ms: number | null;
  active: number;
  network_offer_ref: string;
  allowed_referrers: string | null;
  merchant_id: string;
  merchant_active: number;
  landing_url: string;
  network_id: string;
  network_active: number;
  tracking_template: string;
  postback_format: Network["postbackFormat"];
  network_options: string | null;
  breaker_state: OfferConfigRow["breakerState"];
}

const OFFER_COLUMNS = `o.id, o.title, o.currency, o.cashback_terms, o.return_window_days,
  o.confirmation_policy, o.origin, o.starts_at_ms, o.ends_at_ms, o.active, o.network_offer_ref,
  o.allowed_referrers, m.id AS merchant_id, m.active AS merchant_active, m.landing_url,
  n.id AS network_id, n.active AS network_active, n.tracking_template, n.postback_format,
  n.options AS network_options, h.state AS breaker_state`;

function offerRowOf(r: OfferSqlRow): OfferConfigRow {
  return {
    offer: {
      id: r.id,
      title: r.title,
      currency: r.currency,
      cashbackTerms: json(r.cashback_terms),
      returnWindowDays: r.return_window_days,
      confirmationPolicy: r.confirmation_policy,
      origin: r.origin,
      startsAtMs: r.starts_at_ms,
      endsAtMs: r.ends_at_ms,
      active: bool(r.active),
      networkOfferRef: r.network_offer_ref,
      allowedReferrers: r.allowed_referrers === null ? null : json(r.allowed_referrers),
    },
    merchant: { id: r.merchant_id, active: bool(r.merchant_active), landingUrl: r.landing_url },
    network: {
      id: r.network_id,
      active: bool(r.network_active),
      trackingTemplate: r.tracking_template,
      postbackFormat: r.postback_format,
      options: r.network_options === null ? (null as never) : json(r.network_options),
    },
    breakerState: r.breaker_state,
  };
}

interface BoostSqlRow {
  for_offer: string;
  id: string;
  boost_rate_bps: number;
  category: string | null;
  starts_at_ms: number | null;
  ends_at_ms: number | null;
  user_segment: string | null;
  offer_id: string | null;
  merchant_id: string | null;
  version: number;
}

/**
 * The configs of the given offers that exist, keyed by offer id, read with SQL. Two queries
 * per chunk of ids (the offers, and the campaigns boosting them: targeting the offer, or its
 * merchant without naming an offer, active, in the offer's currency and not ended — scheduled
 * ones included, the redirect checks the schedule at click time), all in one D1 batch.
 */
export async function readOfferConfigs(
  db: D1Database,
  offerIds: readonly string[],
  nowMs: number = Date.now(),
): Promise<Map<string, OfferConfig>> {
  const configs = new Map<string, OfferConfig>();
  const chunks = chunked([...new Set(offerIds)]);
  if (chunks.length === 0) return configs;
  const statements = chunks.flatMap((ids) => [
    db
      .prepare(
        `SELECT ${OFFER_COLUMNS} FROM offers o
         JOIN merchants m ON o.merchant_id = m.id
         JOIN networks n ON m.network_id = n.id
         LEFT JOIN network_health h ON h.network_id = n.id
         WHERE o.id IN (${placeholders(ids.length)})`,
      )
      .bind(...ids),
    db
      .prepare(
        `SELECT o.id AS for_offer, c.id, c.boost_rate_bps, c.category, c.starts_at_ms,
           c.ends_at_ms, c.user_segment, c.offer_id, c.merchant_id, c.version
         FROM campaigns c
         JOIN offers o ON c.currency = o.currency
           AND (c.offer_id = o.id OR (c.offer_id IS NULL AND c.merchant_id = o.merchant_id))
         WHERE o.id IN (${placeholders(ids.length)}) AND c.active = 1
           AND (c.ends_at_ms IS NULL OR c.ends_at_ms > ?)
         ORDER BY o.id, c.id`,
      )
      .bind(...ids, nowMs),
  ]);
  const results = await db.batch(statements);
  for (let i = 0; i < results.length; i += 2) {
    const rows = (results[i]?.results ?? []) as OfferSqlRow[];
    const boostRows = (results[i + 1]?.results ?? []) as BoostSqlRow[];
    const boosts = boostsByOffer(
      boostRows.map((b) => ({
        offerId: b.for_offer,
        campaign: {
          id: b.id,
          boostRateBps: b.boost_rate_bps,
          category: b.category,
          startsAtMs: b.starts_at_ms,
          endsAtMs: b.ends_at_ms,
          userSegment: b.user_segment,
          offerId: b.offer_id,
          merchantId: b.merchant_id,
          version: b.version,
        },
      })),
    );
    for (const r of rows) configs.set(r.id, offerConfigOf(offerRowOf(r), boosts.get(r.id) ?? []));
  }
  return configs;
}

/**
 * The configs of the given networks that exist, keyed by network id, read with SQL: what the
 * postback worker needs and KV holds. The report API token is never selected.
 */
export async function readNetworkConfigs(
  db: D1Database,
  networkIds: readonly string[],
): Promise<Map<string, NetworkConfig>> {
  const configs = new Map<string, NetworkConfig>();
  const results = await Promise.all(
    chunked([...new Set(networkIds)]).map((ids) =>
      db
        .prepare(
          `SELECT id, active, postback_format, postback_secret, options FROM networks
           WHERE id IN (${placeholders(ids.length)})`,
        )
        .bind(...ids)
        .all<{
          id: string;
          active: number;
          postback_format: Network["postbackFormat"];
          postback_secret: string;
          options: string | null;
        }>(),
    ),
  );
  for (const { results: rows } of results) {
    for (const row of rows) {
      configs.set(row.id, {
        networkId: row.id,
        active: bool(row.active),
        postbackFormat: row.postback_format,
        postbackSecret: row.postback_secret,
        options: row.options === null ? {} : json(row.options),
      });
    }
  }
  return configs;
}

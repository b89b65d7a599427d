import { and, asc, eq, gt, inArray, isNull, or } from "drizzle-orm";
import { type DrizzleD1Database, drizzle } from "drizzle-orm/d1";
import { campaigns, merchants, networkHealth, networks, offers } from "../db/schema";
import type { ConfigBindings } from "../env";
import { resolveConfirmationPolicy } from "../networks/core/confirmation-options";
import { trackingOptionsOf } from "../networks/tracking-urls";
import {
  MAX_BOOSTS_PER_OFFER,
  type NetworkConfig,
  type NetworkReportConfig,
  networkConfigKey,
  type OfferBoost,
  type OfferConfig,
  offerConfigKey,
} from "./offer-config";

/**
 * Catalog config read path: in-isolate memory → KV → D1. A hit in memory costs nothing,
 * KV costs one read at the edge, and D1 is touched only when KV has never seen the key
 * (after which the value is written back to KV off the response path).
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
 * (shared/events/custom-event-types-config.ts).
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
    () => loadOfferConfig(env.DB, offerId),
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
    () => loadNetworkConfig(env.DB, networkId),
    waitUntil,
  );
}

/** One offer's config from D1, or null when the offer (or its merchant or network) is gone. */
export async function loadOfferConfig(
  db: D1Database,
  offerId: string,
): Promise<OfferConfig | null> {
  return (await loadOfferConfigs(db, [offerId])).get(offerId) ?? null;
}

/** One network's config from D1, or null when there is no such network. */
export async function loadNetworkConfig(
  db: D1Database,
  networkId: string,
): Promise<NetworkConfig | null> {
  return (await loadNetworkConfigs(db, [networkId])).get(networkId) ?? null;
}

/**
 * D1 binds at most 100 parameters per statement: ids go in `IN (…)` lists of this many,
 * leaving room for the query's other parameters.
 */
const IN_LIST_MAX = 90;

function chunked<T>(items: readonly T[]): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += IN_LIST_MAX) chunks.push(items.slice(i, i + IN_LIST_MAX));
  return chunks;
}

/**
 * The configs of the given offers that exist, keyed by offer id. Two queries per chunk of
 * ids (the offers, and their boosts), all in parallel: one D1 round trip of latency, however
 * many offers.
 */
export async function loadOfferConfigs(
  db: D1Database,
  offerIds: readonly string[],
  nowMs: number = Date.now(),
): Promise<Map<string, OfferConfig>> {
  const orm = drizzle(db);
  const configs = new Map<string, OfferConfig>();
  const chunks = chunked([...new Set(offerIds)]);
  // Queries in parallel rather than one D1 batch(): drizzle maps batched rows by column name,
  // and the joined tables' same-named columns (id, active, …) would overwrite each other.
  const results = await Promise.all(
    chunks.map((ids) =>
      Promise.all([offerRowsQuery(orm, ids), boostRowsQuery(orm, ids, nowMs)] as const),
    ),
  );
  for (const [rows, boostRows] of results) {
    const boosts = new Map<string, OfferBoost[]>();
    for (const { offerId, campaign: c } of boostRows) {
      const list = boosts.get(offerId) ?? [];
      if (list.length < MAX_BOOSTS_PER_OFFER) {
        list.push({
          campaignId: c.id,
          boostRateBps: c.boostRateBps,
          category: c.category,
          startsAtMs: c.startsAtMs,
          endsAtMs: c.endsAtMs,
          userSegment: c.userSegment,
          offerId: c.offerId,
          merchantId: c.merchantId,
          ruleVersion: c.version,
        });
      }
      boosts.set(offerId, list);
    }
    for (const row of rows) {
      configs.set(row.offer.id, {
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
        boosts: boosts.get(row.offer.id) ?? [],
        ...(row.offer.allowedReferrers?.length
          ? { allowedReferrers: row.offer.allowedReferrers }
          : {}),
      });
    }
  }
  return configs;
}

function offerRowsQuery(orm: DrizzleD1Database, offerIds: string[]) {
  return orm
    .select({
      offer: offers,
      merchant: merchants,
      network: networks,
      breakerState: networkHealth.state,
    })
    .from(offers)
    .innerJoin(merchants, eq(offers.merchantId, merchants.id))
    .innerJoin(networks, eq(merchants.networkId, networks.id))
    .leftJoin(networkHealth, eq(networkHealth.networkId, networks.id))
    .where(inArray(offers.id, offerIds));
}

/**
 * The campaigns that boost each offer (targeting it, or its merchant without naming an
 * offer), active, in the offer's currency and not ended, in campaign id order per offer.
 * Scheduled ones are included: the redirect evaluates each campaign's rule, schedule
 * included, at click time (shared/campaigns/click-boosts.ts).
 */
function boostRowsQuery(orm: DrizzleD1Database, offerIds: string[], nowMs: number) {
  return orm
    .select({ offerId: offers.id, campaign: campaigns })
    .from(campaigns)
    .innerJoin(
      offers,
      and(
        eq(campaigns.currency, offers.currency),
        or(
          eq(campaigns.offerId, offers.id),
          and(isNull(campaigns.offerId), eq(campaigns.merchantId, offers.merchantId)),
        ),
      ),
    )
    .where(
      and(
        inArray(offers.id, offerIds),
        eq(campaigns.active, true),
        or(isNull(campaigns.endsAtMs), gt(campaigns.endsAtMs, nowMs)),
      ),
    )
    .orderBy(asc(offers.id), asc(campaigns.id));
}

/**
 * The configs of the given networks that exist, keyed by network id: what the postback
 * worker needs, and what KV holds. The report API token is not in them (see
 * `loadNetworkReportConfig`).
 */
export async function loadNetworkConfigs(
  db: D1Database,
  networkIds: readonly string[],
): Promise<Map<string, NetworkConfig>> {
  const configs = new Map<string, NetworkConfig>();
  for (const { reportApiToken: _notCached, ...config } of await networkRows(db, networkIds)) {
    configs.set(config.networkId, config);
  }
  return configs;
}

/**
 * One network's config with its report API token, straight from D1: for report sync and
 * reconciliation, the only callers of a network's report API. Never cached: the postback
 * worker, which reads the KV copies, has no use for the token, so KV and isolate memory never
 * hold it.
 *
 * @example
 * const network = await loadNetworkReportConfig(env.DB, "admitad-in");
 * adapter.fetchReportPage(fetcher, networkSettingsOf(network), range, null);
 */
export async function loadNetworkReportConfig(
  db: D1Database,
  networkId: string,
): Promise<NetworkReportConfig | null> {
  return (await networkRows(db, [networkId]))[0] ?? null;
}

async function networkRows(
  db: D1Database,
  networkIds: readonly string[],
): Promise<NetworkReportConfig[]> {
  const orm = drizzle(db);
  const results = await Promise.all(
    chunked([...new Set(networkIds)]).map((ids) =>
      orm.select().from(networks).where(inArray(networks.id, ids)),
    ),
  );
  return results.flat().map((row) => ({
    networkId: row.id,
    active: row.active,
    postbackFormat: row.postbackFormat,
    postbackSecret: row.postbackSecret,
    options: row.options ?? {},
    reportApiToken: row.reportApiToken,
  }));
}

/**
 * Rewrites the KV copies of the given offers and networks from D1 (the source of truth).
 * Called after every catalog write, so the redirect never serves a config older than the
 * staleness bound above. D1 is read with `IN (…)` lists, all in parallel, not once per id.
 */
export async function refreshCachedConfig(
  env: ConfigBindings,
  ids: { offerIds: string[]; networkIds: string[] },
): Promise<void> {
  const [offerConfigs, networkConfigs] = await Promise.all([
    loadOfferConfigs(env.DB, ids.offerIds),
    loadNetworkConfigs(env.DB, ids.networkIds),
  ]);
  const rewrite = (key: string, config: unknown) =>
    config ? env.CONFIG_KV.put(key, JSON.stringify(config)) : env.CONFIG_KV.delete(key);
  await Promise.all([
    ...ids.offerIds.map((id) => rewrite(offerConfigKey(id), offerConfigs.get(id))),
    ...ids.networkIds.map((id) => rewrite(networkConfigKey(id), networkConfigs.get(id))),
  ]);
  forgetCachedConfig([
    ...ids.offerIds.map(offerConfigKey),
    ...ids.networkIds.map(networkConfigKey),
  ]);
}

import { and, asc, eq, gt, inArray, isNull, or } from "drizzle-orm";
import { type DrizzleD1Database, drizzle } from "drizzle-orm/d1";
import { campaigns, merchants, networkHealth, networks, offers } from "../db/schema";
import type { ConfigBindings } from "../env";
import { boostsByOffer, chunked, forgetCachedConfig, offerConfigOf } from "./config-read";
import {
  type NetworkConfig,
  type NetworkReportConfig,
  networkConfigKey,
  type OfferConfig,
  offerConfigKey,
} from "./offer-config";

/**
 * The catalog config store of the api: the drizzle reads behind its KV refreshes, report sync's
 * read of a network with its token, and the refresh itself. The edge workers read configs
 * through config-read.ts (prepared SQL, no ORM); what they share is re-exported here.
 */
export {
  forgetCachedConfig,
  getNetworkConfig,
  getOfferConfig,
  type ReadThroughOptions,
  readConfigThrough,
} from "./config-read";

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
    const boosts = boostsByOffer(boostRows);
    for (const row of rows) {
      configs.set(row.offer.id, offerConfigOf(row, boosts.get(row.offer.id) ?? []));
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

import { and, asc, eq, gt, isNull, or } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { campaigns, merchants, networkHealth, networks, offers } from "../db/schema";
import type { ConfigBindings } from "../env";
import {
  MAX_BOOSTS_PER_OFFER,
  type NetworkConfig,
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

async function readThrough<T>(
  env: ConfigBindings,
  key: string,
  loadFromD1: () => Promise<T | null>,
  waitUntil: (p: Promise<unknown>) => void,
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
  if (fromD1 !== null) waitUntil(env.CONFIG_KV.put(key, JSON.stringify(fromD1)));
  return fromD1;
}

export function getOfferConfig(
  env: ConfigBindings,
  offerId: string,
  waitUntil: (p: Promise<unknown>) => void,
): Promise<OfferConfig | null> {
  return readThrough(
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
  return readThrough(
    env,
    networkConfigKey(networkId),
    () => loadNetworkConfig(env.DB, networkId),
    waitUntil,
  );
}

export async function loadOfferConfig(
  db: D1Database,
  offerId: string,
): Promise<OfferConfig | null> {
  const rows = await drizzle(db)
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
    .where(eq(offers.id, offerId))
    .limit(1);
  const row = rows[0];
  if (!row) return null;
  return {
    offerId: row.offer.id,
    merchantId: row.merchant.id,
    networkId: row.network.id,
    title: row.offer.title,
    currency: row.offer.currency,
    terms: row.offer.cashbackTerms,
    returnWindowDays: row.offer.returnWindowDays,
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
    landingUrl: row.merchant.landingUrl,
    networkOfferRef: row.offer.networkOfferRef,
    boosts: await loadOfferBoosts(db, row.offer.id, row.merchant.id, row.offer.currency),
  };
}

/**
 * The campaigns that boost an offer (targeting it, or its merchant without naming an offer),
 * active, in the offer's currency and not ended. Scheduled ones are included: the redirect
 * checks each boost's schedule at click time (offer-config.ts `liveBoosts`).
 */
async function loadOfferBoosts(
  db: D1Database,
  offerId: string,
  merchantId: string,
  currency: string,
  nowMs: number = Date.now(),
): Promise<OfferBoost[]> {
  const rows = await drizzle(db)
    .select()
    .from(campaigns)
    .where(
      and(
        eq(campaigns.active, true),
        eq(campaigns.currency, currency),
        or(
          eq(campaigns.offerId, offerId),
          and(isNull(campaigns.offerId), eq(campaigns.merchantId, merchantId)),
        ),
        or(isNull(campaigns.endsAtMs), gt(campaigns.endsAtMs, nowMs)),
      ),
    )
    .orderBy(asc(campaigns.id))
    .limit(MAX_BOOSTS_PER_OFFER);
  return rows.map((c) => ({
    campaignId: c.id,
    boostRateBps: c.boostRateBps,
    category: c.category,
    startsAtMs: c.startsAtMs,
    endsAtMs: c.endsAtMs,
    userSegment: c.userSegment,
  }));
}

export async function loadNetworkConfig(
  db: D1Database,
  networkId: string,
): Promise<NetworkConfig | null> {
  const row = (
    await drizzle(db).select().from(networks).where(eq(networks.id, networkId)).limit(1)
  )[0];
  if (!row) return null;
  return {
    networkId: row.id,
    active: row.active,
    postbackFormat: row.postbackFormat,
    postbackSecret: row.postbackSecret,
    options: row.options ?? {},
  };
}

/**
 * Rewrites the KV copies of the given offers and networks from D1 (the source of truth).
 * Called after every catalog write, so the redirect never serves a config older than the
 * staleness bound above.
 */
export async function refreshCachedConfig(
  env: ConfigBindings,
  ids: { offerIds: string[]; networkIds: string[] },
): Promise<void> {
  const writes: Promise<unknown>[] = [];
  for (const offerId of ids.offerIds) {
    const config = await loadOfferConfig(env.DB, offerId);
    const key = offerConfigKey(offerId);
    writes.push(
      config ? env.CONFIG_KV.put(key, JSON.stringify(config)) : env.CONFIG_KV.delete(key),
    );
  }
  for (const networkId of ids.networkIds) {
    const config = await loadNetworkConfig(env.DB, networkId);
    const key = networkConfigKey(networkId);
    writes.push(
      config ? env.CONFIG_KV.put(key, JSON.stringify(config)) : env.CONFIG_KV.delete(key),
    );
  }
  await Promise.all(writes);
  forgetCachedConfig([
    ...ids.offerIds.map(offerConfigKey),
    ...ids.networkIds.map(networkConfigKey),
  ]);
}

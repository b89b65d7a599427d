import { and, asc, eq, gt, isNull, lte, or, type SQL } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { z } from "zod";
import { refreshCachedConfig } from "#shared/config/config-store";
import { merchants, networkHealth, networks, offers } from "#shared/db/schema";
import type { ConfigBindings } from "#shared/env";
import { AppError } from "#shared/http/errors";
import { type CatalogListQuery, catalogListConditions, pageOf } from "../../http/list-query";
import { catalogWriteStatements } from "../discovery/search-index";
import type { MerchantInputSchema, NetworkInputSchema, OfferInputSchema } from "./schemas";

/**
 * The catalog in D1: networks, merchants and offers. Writes. Each upsert is one idempotent statement keyed by the operator's id, then a
 * refresh of exactly the cached configs the write can change, so the redirect worker reads
 * the new value (see config-store.ts for the staleness bound).
 */

/** Fan-out bound: a network or merchant change refreshes at most this many offers inline. */
const MAX_REFRESH_OFFERS = 1_000;

export type NetworkInput = z.output<typeof NetworkInputSchema>;
export type MerchantInput = z.output<typeof MerchantInputSchema>;
export type OfferInput = z.output<typeof OfferInputSchema>;

/**
 * Creates or replaces a network. The report API token is write-only and optional: absent
 * keeps the stored one (an operator changing the template need not resend it), null removes
 * it.
 */
export async function upsertNetwork(env: ConfigBindings, id: string, input: NetworkInput) {
  const nowMs = Date.now();
  const db = drizzle(env.DB);
  const { reportApiToken, ...fields } = input;
  const row = {
    ...fields,
    reportApiToken: reportApiToken ?? null,
    id,
    createdAtMs: nowMs,
    updatedAtMs: nowMs,
  };
  await db.batch([
    db
      .insert(networks)
      .values(row)
      .onConflictDoUpdate({
        target: networks.id,
        set: {
          name: input.name,
          trackingTemplate: input.trackingTemplate,
          postbackFormat: input.postbackFormat,
          postbackSecret: input.postbackSecret,
          ...(reportApiToken === undefined ? {} : { reportApiToken }),
          options: input.options,
          active: input.active,
          updatedAtMs: nowMs,
        },
      }),
    // No feed, no merchant sync: a breaker left open by an old feed would hide the
    // network's offers for good. The refresh below brings them back.
    ...(typeof input.options.feedUrl !== "string"
      ? [db.delete(networkHealth).where(eq(networkHealth.networkId, id))]
      : []),
    // Which offers users see depends on the network: cached catalog pages are retired.
    ...catalogWriteStatements(env.DB, [{ kind: "network_visibility", networkId: id }], nowMs),
  ]);
  const offerIds = await offerIdsOfNetwork(env, id, MAX_REFRESH_OFFERS);
  await refreshCachedConfig(env, { offerIds, networkIds: [id] });
  return getNetwork(env, id);
}

type NetworkRow = typeof networks.$inferSelect;

/** A network as the API may show it: each secret replaced by whether it is set. */
function withoutSecrets({ postbackSecret, reportApiToken, ...rest }: NetworkRow) {
  return {
    ...rest,
    postbackSecretSet: postbackSecret.length > 0,
    reportApiTokenSet: reportApiToken !== null && reportApiToken.length > 0,
  };
}

export async function getNetwork(env: ConfigBindings, id: string) {
  const row = (
    await drizzle(env.DB).select().from(networks).where(eq(networks.id, id)).limit(1)
  )[0];
  if (!row) throw new AppError("not_found", `network ${id} not found`);
  return withoutSecrets(row);
}

/** A page of networks by id, filtered (list-query.ts); secrets never leave. */
export async function listNetworks(env: ConfigBindings, query: CatalogListQuery) {
  const rows = await drizzle(env.DB)
    .select()
    .from(networks)
    .where(
      and(
        ...catalogListConditions(query, {
          id: networks.id,
          text: [networks.name, networks.id],
          active: networks.active,
        }),
      ),
    )
    .orderBy(networks.id)
    .limit(query.limit + 1);
  const page = pageOf(rows, query.limit);
  return { items: page.items.map(withoutSecrets), nextCursor: page.nextCursor };
}

export async function upsertMerchant(env: ConfigBindings, id: string, input: MerchantInput) {
  const nowMs = Date.now();
  const db = drizzle(env.DB);
  const network = await db
    .select({ id: networks.id })
    .from(networks)
    .where(eq(networks.id, input.networkId));
  if (network.length === 0) {
    throw new AppError("validation_failed", "unknown network", [
      { path: "networkId", message: `network ${input.networkId} does not exist` },
    ]);
  }
  // Switched off here stays off through merchant sync; switched on clears that.
  const deactivatedBy = input.active ? null : ("operator" as const);
  await db.batch([
    db
      .insert(merchants)
      .values({ ...input, id, deactivatedBy, createdAtMs: nowMs, updatedAtMs: nowMs })
      .onConflictDoUpdate({
        target: merchants.id,
        set: {
          networkId: input.networkId,
          name: input.name,
          landingUrl: input.landingUrl,
          active: input.active,
          deactivatedBy,
          updatedAtMs: nowMs,
        },
      }),
    // Its offers' search documents carry its name.
    ...catalogWriteStatements(env.DB, [{ kind: "merchant", merchantId: id }], nowMs),
  ]);
  const offerIds = await offerIdsOfMerchant(env, id);
  await refreshCachedConfig(env, { offerIds, networkIds: [] });
  return getMerchant(env, id);
}

export async function getMerchant(env: ConfigBindings, id: string) {
  const row = (
    await drizzle(env.DB).select().from(merchants).where(eq(merchants.id, id)).limit(1)
  )[0];
  if (!row) throw new AppError("not_found", `merchant ${id} not found`);
  return row;
}

/** A page of merchants by id, filtered (list-query.ts), optionally of one network. */
export async function listMerchants(
  env: ConfigBindings,
  query: CatalogListQuery & { networkId?: string | undefined },
) {
  const rows = await drizzle(env.DB)
    .select()
    .from(merchants)
    .where(
      and(
        ...catalogListConditions(query, {
          id: merchants.id,
          text: [merchants.name, merchants.id],
          active: merchants.active,
        }),
        query.networkId === undefined ? undefined : eq(merchants.networkId, query.networkId),
      ),
    )
    .orderBy(merchants.id)
    .limit(query.limit + 1);
  return pageOf(rows, query.limit);
}

export async function upsertOffer(env: ConfigBindings, id: string, input: OfferInput) {
  const nowMs = Date.now();
  const db = drizzle(env.DB);
  const merchant = await db
    .select({ id: merchants.id })
    .from(merchants)
    .where(eq(merchants.id, input.merchantId));
  if (merchant.length === 0) {
    throw new AppError("validation_failed", "unknown merchant", [
      { path: "merchantId", message: `merchant ${input.merchantId} does not exist` },
    ]);
  }
  const values = {
    merchantId: input.merchantId,
    title: input.title,
    description: input.description,
    networkOfferRef: input.networkOfferRef,
    currency: input.currency,
    cashbackTerms: input.cashback,
    returnWindowDays: input.returnWindowDays,
    startsAtMs: input.startsAt ? Date.parse(input.startsAt) : null,
    endsAtMs: input.endsAt ? Date.parse(input.endsAt) : null,
    active: input.active,
    // Switched off here stays off through merchant sync; switched on clears that.
    deactivatedBy: input.active ? null : ("operator" as const),
    confirmationPolicy: input.confirmationPolicy,
    updatedAtMs: nowMs,
  };
  await db.batch([
    db
      .insert(offers)
      .values({ ...values, id, createdAtMs: nowMs })
      .onConflictDoUpdate({ target: offers.id, set: values }),
    ...catalogWriteStatements(
      env.DB,
      [{ kind: "offer", offerId: id, cashbackTerms: input.cashback }],
      nowMs,
    ),
  ]);
  await refreshCachedConfig(env, { offerIds: [id], networkIds: [] });
  return getOffer(env, id);
}

/**
 * Replaces the offer's allowed referrers (`hosts` normalised: shared/fraud/allowed-referrers.ts)
 * and refreshes its cached config, which the redirect judges clicks by. `updatedAtMs` stays:
 * the offer's terms did not change (a repriced sale compares it with the click time).
 */
export async function setAllowedReferrers(env: ConfigBindings, id: string, hosts: string[]) {
  await getOffer(env, id);
  await drizzle(env.DB)
    .update(offers)
    .set({ allowedReferrers: hosts.length > 0 ? hosts : null })
    .where(eq(offers.id, id));
  await refreshCachedConfig(env, { offerIds: [id], networkIds: [] });
  return getOffer(env, id);
}

export async function getOffer(env: ConfigBindings, id: string) {
  const row = (await drizzle(env.DB).select().from(offers).where(eq(offers.id, id)).limit(1))[0];
  if (!row) throw new AppError("not_found", `offer ${id} not found`);
  return row;
}

/** A page of offers by id, filtered (list-query.ts), optionally of one merchant. */
export async function listOffers(
  env: ConfigBindings,
  query: CatalogListQuery & { merchantId?: string | undefined },
) {
  const rows = await drizzle(env.DB)
    .select()
    .from(offers)
    .where(
      and(
        ...catalogListConditions(query, {
          id: offers.id,
          text: [offers.title, offers.id],
          active: offers.active,
        }),
        query.merchantId === undefined ? undefined : eq(offers.merchantId, query.merchantId),
      ),
    )
    .orderBy(offers.id)
    .limit(query.limit + 1);
  return pageOf(rows, query.limit);
}

/**
 * Which offers a user can see and click now: active offer, merchant and network, the
 * network's sync breaker closed (or never used), inside the offer's schedule. A condition
 * over `offers`, `merchants`, `networks` and `network_health` (left-joined), so every list of
 * offers shown to users (GET /v1/offers, the public catalog) filters in SQL by the same rule.
 *
 * @example
 * db.select().from(offers).innerJoin(merchants, …).innerJoin(networks, …)
 *   .leftJoin(networkHealth, …).where(and(liveOfferCondition(Date.now()), …));
 */
export function liveOfferCondition(nowMs: number): SQL {
  return and(
    liveOfferStateCondition(),
    or(isNull(offers.startsAtMs), lte(offers.startsAtMs, nowMs)),
    or(isNull(offers.endsAtMs), gt(offers.endsAtMs, nowMs)),
  ) as SQL;
}

/**
 * The part of liveOfferCondition that does not depend on the clock: offer, merchant and
 * network active, the breaker closed (or never used). Only a write changes it, so the catalog's
 * category counts (features/discovery/category-counts.ts) can keep it in a table and apply the
 * schedule at read time.
 *
 * @example
 * db.select({ live: sql`CASE WHEN ${liveOfferStateCondition()} THEN 1 ELSE 0 END` }).from(offers)…
 */
export function liveOfferStateCondition(): SQL {
  return and(
    eq(offers.active, true),
    eq(merchants.active, true),
    eq(networks.active, true),
    or(isNull(networkHealth.state), eq(networkHealth.state, "closed")),
  ) as SQL;
}

/**
 * Offers a user can click now (liveOfferCondition). Filtered in SQL so hidden offers never
 * use up the page.
 */
export async function listLiveOffers(env: ConfigBindings, nowMs: number, limit: number) {
  return (
    drizzle(env.DB)
      // Not the network row: it holds the network's secrets, which nothing here needs.
      .select({ offer: offers, merchant: merchants })
      .from(offers)
      .innerJoin(merchants, eq(offers.merchantId, merchants.id))
      .innerJoin(networks, eq(merchants.networkId, networks.id))
      .leftJoin(networkHealth, eq(networkHealth.networkId, networks.id))
      .where(liveOfferCondition(nowMs))
      .orderBy(offers.id)
      .limit(Math.min(limit, 500))
  );
}

/** An offer's target fields (merchant, currency), or null when there is no such offer. */
export async function offerTarget(
  env: ConfigBindings,
  offerId: string,
): Promise<{ merchantId: string; currency: string } | null> {
  const row = (
    await drizzle(env.DB)
      .select({ merchantId: offers.merchantId, currency: offers.currency })
      .from(offers)
      .where(eq(offers.id, offerId))
      .limit(1)
  )[0];
  return row ?? null;
}

export async function merchantExists(env: ConfigBindings, merchantId: string): Promise<boolean> {
  const rows = await drizzle(env.DB)
    .select({ id: merchants.id })
    .from(merchants)
    .where(eq(merchants.id, merchantId))
    .limit(1);
  return rows.length > 0;
}

/** The offers of one merchant, up to `limit`: what a merchant-wide change must refresh. */
export async function offerIdsOfMerchant(
  env: ConfigBindings,
  merchantId: string,
  limit = MAX_REFRESH_OFFERS,
): Promise<string[]> {
  const rows = await drizzle(env.DB)
    .select({ id: offers.id })
    .from(offers)
    .where(eq(offers.merchantId, merchantId))
    .limit(limit);
  return rows.map((r) => r.id);
}

/** The offers of every merchant of one network, up to `limit`. */
export async function offerIdsOfNetwork(
  env: ConfigBindings,
  networkId: string,
  limit: number,
): Promise<string[]> {
  const rows = await drizzle(env.DB)
    .select({ id: offers.id })
    .from(offers)
    .innerJoin(merchants, eq(offers.merchantId, merchants.id))
    .where(eq(merchants.networkId, networkId))
    .limit(limit);
  return rows.map((r) => r.id);
}

/** The stored network, secrets included (for adapters); null when there is none. */
export async function networkById(env: ConfigBindings, id: string) {
  const row = (
    await drizzle(env.DB).select().from(networks).where(eq(networks.id, id)).limit(1)
  )[0];
  return row ?? null;
}

/** Active networks with their options, by id, up to `limit`: what the crons walk. */
export async function activeNetworks(env: ConfigBindings, limit: number) {
  return drizzle(env.DB)
    .select({ id: networks.id, options: networks.options })
    .from(networks)
    .where(eq(networks.active, true))
    .orderBy(asc(networks.id))
    .limit(limit);
}

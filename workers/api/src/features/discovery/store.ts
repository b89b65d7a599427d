import { and, asc, desc, eq, gt, inArray, lte, or, type SQL, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import {
  catalogCacheGeneration,
  catalogCategoryCounts,
  merchants,
  networkHealth,
  networks,
  offerSearchCategories,
  offerSearchDocs,
  offers,
} from "#shared/db/schema";
import { liveOfferCondition } from "../catalog/index";
import type { CatalogPosition, CatalogSort } from "./cursor";
import { BM25_WEIGHTS, RATE_SCALE_BPS } from "./search-query";
import { offerSearch } from "./search-tables";

/**
 * The public catalog's reads. Every list joins the search documents to the offer, merchant,
 * network and breaker rows and filters with the catalog's own visibility rule
 * (liveOfferCondition: the rule GET /v1/offers applies), so a hidden offer is never listed and
 * never uses up a page.
 */

export interface CatalogQuery {
  /** The MATCH expression (search-query.ts), or null to browse without searching. */
  match: string | null;
  category: string | null;
  merchantId: string | null;
  sort: CatalogSort;
  after: CatalogPosition | null;
  /** Rows to fetch (the page plus one look-ahead row). */
  rows: number;
  nowMs: number;
}

const { title, description, merchantName, categories } = BM25_WEIGHTS;

/** The search ranking (search-query.ts): bm25 scaled by the headline rate, lower is better. */
const scoreSql = sql<number>`(bm25(${offerSearch}, ${sql.raw(String(title))}, ${sql.raw(String(description))}, ${sql.raw(String(merchantName))}, ${sql.raw(String(categories))}) * (1.0 + ${offerSearchDocs.headlineRateBps} / ${sql.raw(`${RATE_SCALE_BPS}.0`)}))`;

/** Per sort: the key column, its direction, and the keyset condition after a position. */
function ordering(sort: CatalogSort): { key: SQL; direction: "asc" | "desc" } {
  switch (sort) {
    case "relevance":
      return { key: scoreSql, direction: "asc" };
    case "rate":
      return { key: sql`${offerSearchDocs.headlineRateBps}`, direction: "desc" };
    case "newest":
      return { key: sql`${offerSearchDocs.offerCreatedAtMs}`, direction: "desc" };
    case "merchant":
      return { key: sql`${offerSearchDocs.merchantName}`, direction: "asc" };
  }
}

/**
 * One page of visible offers, in the sort's order (ties by offer id, same direction), each
 * with its sort key for the next cursor. Returns the query (await it to run it), so the
 * benchmark can run the very same SQL.
 *
 * @example
 * await searchCatalog(env.DB, { match: '"ama"*', category: null, merchantId: null,
 *   sort: "relevance", after: null, rows: 21, nowMs: Date.now() });
 */
export function searchCatalog(d1: D1Database, query: CatalogQuery) {
  const db = drizzle(d1);
  const { key, direction } = ordering(query.sort);
  const after = query.after;
  const keyset = after
    ? direction === "asc"
      ? or(
          sql`${key} > ${after.key}`,
          and(sql`${key} = ${after.key}`, sql`${offerSearchDocs.offerId} > ${after.offerId}`),
        )
      : or(
          sql`${key} < ${after.key}`,
          and(sql`${key} = ${after.key}`, sql`${offerSearchDocs.offerId} < ${after.offerId}`),
        )
    : undefined;
  const where = and(
    query.match === null ? undefined : sql`${offerSearch} MATCH ${query.match}`,
    liveOfferCondition(query.nowMs),
    query.merchantId === null ? undefined : eq(offerSearchDocs.merchantId, query.merchantId),
    query.category === null
      ? undefined
      : inArray(
          offerSearchDocs.offerId,
          db
            .select({ offerId: offerSearchCategories.offerId })
            .from(offerSearchCategories)
            .where(eq(offerSearchCategories.category, query.category)),
        ),
    keyset,
  );
  const order =
    direction === "asc"
      ? [asc(key), asc(offerSearchDocs.offerId)]
      : [desc(key), desc(offerSearchDocs.offerId)];
  const columns = { offer: offers, merchant: merchants, key: sql<number | string>`${key}` };

  // CROSS JOIN fixes SQLite's join order (the left table is the outer loop): the matches of
  // the index, or the documents in the sort's index order, drive the query, and the offer,
  // merchant and network rows are looked up by key. Left to itself, the planner starts from
  // offers_active_idx (nearly every offer is active) and sorts the whole catalog for one page.
  if (query.match !== null) {
    return db
      .select(columns)
      .from(offerSearch)
      .crossJoin(offerSearchDocs)
      .innerJoin(offers, eq(offers.id, offerSearchDocs.offerId))
      .innerJoin(merchants, eq(merchants.id, offers.merchantId))
      .innerJoin(networks, eq(networks.id, merchants.networkId))
      .leftJoin(networkHealth, eq(networkHealth.networkId, networks.id))
      .where(and(eq(offerSearchDocs.rowId, offerSearch.rowid), where))
      .orderBy(...order)
      .limit(query.rows);
  }
  return db
    .select(columns)
    .from(offerSearchDocs)
    .crossJoin(offers)
    .innerJoin(merchants, eq(merchants.id, offers.merchantId))
    .innerJoin(networks, eq(networks.id, merchants.networkId))
    .leftJoin(networkHealth, eq(networkHealth.networkId, networks.id))
    .where(and(eq(offers.id, offerSearchDocs.offerId), where))
    .orderBy(...order)
    .limit(query.rows);
}

/**
 * Categories with their number of visible offers at `nowMs`, by name, at most `limit`. Reads
 * only the maintained counts (category-counts.ts): per category, the schedule windows that
 * contain now, summed; one row per category and distinct schedule, whatever the catalog's size.
 * Returns the query, so the benchmark runs the very same SQL.
 *
 * @example
 * await categoryCounts(env.DB, Date.now(), 500); // [{ category: "electronics", offers: 12 }]
 */
export function categoryCounts(d1: D1Database, nowMs: number, limit: number) {
  const total = sql<number>`sum(${catalogCategoryCounts.activeOfferCount})`.mapWith(Number);
  return drizzle(d1)
    .select({ category: catalogCategoryCounts.category, offers: total })
    .from(catalogCategoryCounts)
    .where(
      and(
        lte(catalogCategoryCounts.liveFromMs, nowMs),
        gt(catalogCategoryCounts.liveUntilMs, nowMs),
      ),
    )
    .groupBy(catalogCategoryCounts.category)
    .having(sql`${total} > 0`)
    .orderBy(asc(catalogCategoryCounts.category))
    .limit(limit);
}

/** A merchant's public fields, or null when there is no such merchant. */
export async function merchantById(d1: D1Database, merchantId: string) {
  const row = (
    await drizzle(d1)
      .select({ id: merchants.id, name: merchants.name, landingUrl: merchants.landingUrl })
      .from(merchants)
      .where(eq(merchants.id, merchantId))
      .limit(1)
  )[0];
  return row ?? null;
}

/** The catalog cache generation (0 before the first catalog write). */
export async function cacheGeneration(d1: D1Database): Promise<number> {
  const row = (
    await drizzle(d1)
      .select({ generation: catalogCacheGeneration.generation })
      .from(catalogCacheGeneration)
      .where(eq(catalogCacheGeneration.id, 1))
      .limit(1)
  )[0];
  return row?.generation ?? 0;
}

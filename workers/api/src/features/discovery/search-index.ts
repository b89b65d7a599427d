import { eq, inArray, isNull, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { drizzle } from "drizzle-orm/d1";
import {
  catalogCacheGeneration,
  merchants,
  offerSearchCategories,
  offerSearchDocs,
  offers,
} from "#shared/db/schema";
import type { CashbackTerms } from "#shared/money/cashback";
import { type CountScope, categoryRowsStatement, countedRefreshStatement } from "./category-counts";
import { termsFacets } from "./search-document";

/**
 * THE write path of the catalog's search index and edge cache. Every store that writes offers,
 * merchants or anything else a catalog page shows calls `catalogWriteStatements` and runs what
 * it returns in the same D1 batch as its own write (after it), so a document can only change
 * together with the rows it is built from:
 *
 * - an offer written: its document (search-document.ts) upserted from the rows as the batch
 *   left them, its category rows replaced (each with the offer's counted state and schedule,
 *   category-counts.ts); so a concurrent rename cannot leave an old merchant name behind;
 * - a merchant written: the merchant name on every document of its offers, and its offers'
 *   counted state (it may have been switched off or on);
 * - a merchant's or a network's visibility changed (switched off or on, breaker opened or
 *   closed) with no renaming: its offers' counted state;
 * - an offer removed: its document and category rows deleted;
 * - a change that shows on cards but hides nothing (a campaign): nothing to index;
 * and, always, one bump of the catalog cache generation, which retires every cached catalog
 * response (edge-cache.ts).
 *
 * The full-text index follows offer_search_docs, and the category counts follow
 * offer_search_categories, through triggers (migrations catalog_search and
 * catalog_category_counts), so both hold exactly what these statements leave.
 */

export type CatalogWrite =
  /** An offer written (created, changed, switched off): the terms it was written with. */
  | { kind: "offer"; offerId: string; cashbackTerms: CashbackTerms }
  /** A merchant written, renamed or not: its name on its offers' documents, and their counts. */
  | { kind: "merchant"; merchantId: string }
  /** A merchant switched off or on without a new name: its offers' counts only. */
  | { kind: "merchant_visibility"; merchantId: string }
  /** A network switched off or on, or its breaker opened or closed: its offers' counts. */
  | { kind: "network_visibility"; networkId: string }
  | { kind: "offer_removed"; offerId: string }
  /** Nothing a search or a count reads changed (a campaign): the cache generation only. */
  | { kind: "visibility" };

/**
 * The statements that keep the search index and the cache generation in step with `writes`;
 * run them in the same batch as the writes, after them.
 *
 * @example
 * await drizzle(env.DB).batch([
 *   db.insert(offers).values(row).onConflictDoUpdate(…),
 *   ...catalogWriteStatements(env.DB, [{ kind: "offer", offerId, cashbackTerms }], nowMs),
 * ]);
 */
export function catalogWriteStatements(
  d1: D1Database,
  writes: readonly CatalogWrite[],
  nowMs: number,
): BatchItem<"sqlite">[] {
  const db = drizzle(d1);
  const statements: BatchItem<"sqlite">[] = [];
  const merchantIds = new Set<string>();
  const networkIds = new Set<string>();
  for (const write of writes) {
    if (write.kind === "offer") {
      statements.push(...offerStatements(d1, write.offerId, write.cashbackTerms));
    } else if (write.kind === "merchant") {
      statements.push(
        db
          .update(offerSearchDocs)
          .set({ merchantName: merchantNameOf(write.merchantId) })
          .where(eq(offerSearchDocs.merchantId, write.merchantId)),
      );
      merchantIds.add(write.merchantId);
    } else if (write.kind === "merchant_visibility") {
      merchantIds.add(write.merchantId);
    } else if (write.kind === "network_visibility") {
      networkIds.add(write.networkId);
    } else if (write.kind === "offer_removed") {
      statements.push(
        db.delete(offerSearchCategories).where(eq(offerSearchCategories.offerId, write.offerId)),
        db.delete(offerSearchDocs).where(eq(offerSearchDocs.offerId, write.offerId)),
      );
    }
  }
  // After every row write above: the refresh reads the merchants and networks as the batch
  // left them (one statement per kind, whatever the number of ids).
  const scopes: CountScope[] = [
    ...(merchantIds.size > 0
      ? [{ kind: "merchants" as const, merchantIds: [...merchantIds] }]
      : []),
    ...(networkIds.size > 0 ? [{ kind: "networks" as const, networkIds: [...networkIds] }] : []),
  ];
  for (const scope of scopes) statements.push(countedRefreshStatement(d1, scope));
  statements.push(bumpGenerationStatement(d1, nowMs));
  return statements;
}

/** The merchant's current name, read inside the statement that writes it into a document. */
function merchantNameOf(merchantId: string) {
  return sql`coalesce((SELECT ${merchants.name} FROM ${merchants} WHERE ${merchants.id} = ${merchantId}), '')`;
}

/**
 * An offer's document, as searchDocument builds it: the offer's fields and its merchant's
 * name are read from the rows in the same statement (so they are what the batch wrote), the
 * facets of the terms come from termsFacets (the terms the caller wrote in the same batch).
 */
function offerStatements(
  d1: D1Database,
  offerId: string,
  terms: CashbackTerms,
): BatchItem<"sqlite">[] {
  const db = drizzle(d1);
  const { categories, categoryList, headlineRateBps } = termsFacets(terms);
  const statements: BatchItem<"sqlite">[] = [
    db
      .insert(offerSearchDocs)
      // Every column, in the table's order (row_id NULL: SQLite assigns it on insert).
      .select(
        sql`SELECT NULL, ${offers.id}, ${offers.merchantId}, ${offers.title}, ${offers.description},
          ${merchants.name}, ${categories}, ${headlineRateBps}, ${offers.createdAtMs}
        FROM ${offers} INNER JOIN ${merchants} ON ${merchants.id} = ${offers.merchantId}
        WHERE ${offers.id} = ${offerId}`,
      )
      .onConflictDoUpdate({
        target: offerSearchDocs.offerId,
        set: {
          merchantId: sql`excluded.merchant_id`,
          title: sql`excluded.title`,
          description: sql`excluded.description`,
          merchantName: sql`excluded.merchant_name`,
          categories: sql`excluded.categories`,
          headlineRateBps: sql`excluded.headline_rate_bps`,
          offerCreatedAtMs: sql`excluded.offer_created_at_ms`,
        },
      }),
    db.delete(offerSearchCategories).where(eq(offerSearchCategories.offerId, offerId)),
  ];
  const categoryRows = categoryRowsStatement(d1, offerId, categoryList);
  if (categoryRows) statements.push(categoryRows);
  return statements;
}

/** One bump of the catalog cache generation (row 1), to run in a catalog write's batch. */
export function bumpGenerationStatement(d1: D1Database, nowMs: number): BatchItem<"sqlite"> {
  return drizzle(d1)
    .insert(catalogCacheGeneration)
    .values({ id: 1, generation: 1, updatedAtMs: nowMs })
    .onConflictDoUpdate({
      target: catalogCacheGeneration.id,
      set: {
        generation: sql`${catalogCacheGeneration.generation} + 1`,
        updatedAtMs: nowMs,
      },
    });
}

/** Offers read per repair batch: the rows and their statements stay well inside one batch. */
const REINDEX_CHUNK = 50;

/**
 * Rebuilds the documents of `offerIds` from the stored rows, through the same write path:
 * the repair after a write that stopped between its rows and its documents (a merchant sync
 * that failed half-way re-indexes the network's offers on its next run).
 *
 * @example
 * await reindexOffers(env.DB, ["shopkart-electronics"], Date.now());
 */
export async function reindexOffers(
  d1: D1Database,
  offerIds: readonly string[],
  nowMs: number,
): Promise<void> {
  const db = drizzle(d1);
  for (let i = 0; i < offerIds.length; i += REINDEX_CHUNK) {
    const ids = offerIds.slice(i, i + REINDEX_CHUNK);
    const rows = await db.select().from(offers).where(inArray(offers.id, ids));
    const found = new Set(rows.map((r) => r.id));
    const writes: CatalogWrite[] = [
      ...rows.map((o) => ({
        kind: "offer" as const,
        offerId: o.id,
        cashbackTerms: o.cashbackTerms,
      })),
      ...ids
        .filter((id) => !found.has(id))
        .map((offerId) => ({ kind: "offer_removed" as const, offerId })),
    ];
    const [first, ...rest] = catalogWriteStatements(d1, writes, nowMs);
    if (first) await db.batch([first, ...rest]);
  }
}

/**
 * Indexes offers that have no document yet, at most `limit`: the backfill of offers written
 * before the index existed (migration 0014), run by the hourly catalog cron until none is left.
 * Returns how many it indexed.
 */
export async function indexUnindexedOffers(
  d1: D1Database,
  limit: number,
  nowMs: number,
): Promise<number> {
  const rows = await drizzle(d1)
    .select({ id: offers.id })
    .from(offers)
    .leftJoin(offerSearchDocs, eq(offerSearchDocs.offerId, offers.id))
    .where(isNull(offerSearchDocs.rowId))
    .limit(limit);
  await reindexOffers(
    d1,
    rows.map((r) => r.id),
    nowMs,
  );
  return rows.length;
}

import type { offerSearchDocs, offers } from "#shared/db/schema";
import { type CashbackTerms, headlineRateBps, resolveTerms } from "#shared/money/cashback";

/**
 * The one builder of an offer's search document: what full-text search reads (title,
 * description, merchant name, categories) and what the catalog sorts by (headline rate,
 * creation time). Pure. The write path (search-index.ts) writes exactly this, and the drift
 * test compares every stored document with it.
 */

/** The offer fields a document is built from. */
export type SearchableOffer = Pick<
  typeof offers.$inferSelect,
  "id" | "merchantId" | "title" | "description" | "cashbackTerms" | "createdAtMs"
>;

export type OfferSearchDocument = Omit<typeof offerSearchDocs.$inferInsert, "rowId"> & {
  /** The categories the offer is listed under, sorted (one offer_search_categories row each). */
  categoryList: string[];
};

/**
 * The categories an offer is listed under: those with their own rate that are not excluded
 * (an excluded category earns nothing, so the offer is not shown under it). Sorted, so the
 * document does not depend on the order the terms were written in.
 *
 * @example
 * offerCategories({ basis: "sale", defaultRateBps: 100,
 *   categoryRates: { phones: 300, gift_cards: 500 }, excludedCategories: ["gift_cards"] });
 * // ["phones"]
 */
export function offerCategories(terms: CashbackTerms): string[] {
  const excluded = new Set(resolveTerms(terms).excludedCategories);
  return Object.keys(terms.categoryRates)
    .filter((category) => !excluded.has(category))
    .sort();
}

/** What a document takes from the offer's terms: its categories and its headline rate. */
export function termsFacets(terms: CashbackTerms) {
  const categoryList = offerCategories(terms);
  return {
    categories: categoryList.join(" "),
    categoryList,
    headlineRateBps: headlineRateBps(terms),
  };
}

/**
 * The document of an offer: the offer's own text, its merchant's name, and its terms' facets.
 *
 * @example
 * searchDocument(offerRow, "Amazon").headlineRateBps; // the rate the offer is advertised at
 */
export function searchDocument(offer: SearchableOffer, merchantName: string): OfferSearchDocument {
  return {
    offerId: offer.id,
    merchantId: offer.merchantId,
    title: offer.title,
    description: offer.description,
    merchantName,
    offerCreatedAtMs: offer.createdAtMs,
    ...termsFacets(offer.cashbackTerms),
  };
}

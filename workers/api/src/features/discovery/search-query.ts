/**
 * The shopper's `q` turned into FTS5 query syntax, and the ranking: pure, table-tested.
 *
 * A search string is never passed to MATCH as written (FTS5 has its own syntax: `"`, `*`,
 * `AND`, `NEAR(`, `col:` … would be errors or operators). It is cut into words (runs of
 * letters, digits and combining marks); each word becomes a quoted prefix term `"word"*`, and
 * the terms are ANDed. So `q=ama` finds "Amazon", `q=cafe par` finds "Café Paris", and no `q`
 * can make a syntax error. Case and accents are folded by the index's tokenizer
 * (`unicode61 remove_diacritics 2`), on both sides.
 */

/** Words of a query that are used; the rest are ignored. */
export const MAX_QUERY_TERMS = 8;
/** Characters kept of one word (longer words are cut: prefix matching still finds them). */
export const MAX_TERM_CHARS = 64;

const WORD = /[\p{L}\p{N}\p{M}]+/gu;
const HAS_LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;

/**
 * The MATCH expression for `q`, or null when `q` holds no word at all (nothing can match).
 *
 * @example
 * matchExpression("Ama zon!"); // '"Ama"* "zon"*'
 * matchExpression('" OR *');    // null
 */
export function matchExpression(q: string): string | null {
  const words = (q.normalize("NFC").match(WORD) ?? [])
    .filter((word) => HAS_LETTER_OR_DIGIT.test(word))
    .slice(0, MAX_QUERY_TERMS)
    .map((word) => [...word].slice(0, MAX_TERM_CHARS).join(""));
  if (words.length === 0) return null;
  // Words hold no '"' (WORD excludes it), so quoting cannot be broken out of.
  return words.map((word) => `"${word}"*`).join(" ");
}

/**
 * Ranking of a search (sort=relevance): FTS5's bm25 over the four columns, weighted
 * title 4, description 1, merchant name 4, categories 2, then scaled by the offer's headline
 * rate:
 *
 *     score = bm25(title 4, description 1, merchant_name 4, categories 2) × (1 + headlineRateBps / 10 000)
 *
 * bm25 is negative (more negative is a better match), so results are ordered by score
 * ascending: an offer at 10% ranks as if its text matched 10% better, at 50% as if 50%
 * better. Relevance stays first (a weak match is not lifted above a strong one by a modest
 * rate), and among equally good matches the better-paying offer comes first.
 */
export const BM25_WEIGHTS = { title: 4, description: 1, merchantName: 4, categories: 2 } as const;
export const RATE_SCALE_BPS = 10_000;

/**
 * The score as the SQL computes it, for tests and for reading the formula in one place.
 *
 * @example
 * blendedScore(-2, 1_000); // -2.2: a 10% offer ranks as a 10% better match
 */
export function blendedScore(bm25: number, headlineRateBps: number): number {
  return bm25 * (1 + headlineRateBps / RATE_SCALE_BPS);
}

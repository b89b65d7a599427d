/**
 * The public catalog's edge cache (Cache API, `caches.default`), for anonymous callers only.
 *
 * Purge by generation: the cache key holds the catalog cache generation, a number in D1 that
 * every catalog write bumps in its own batch (search-index.ts). A write therefore retires every
 * cached catalog response at once, everywhere, the moment it commits: the next request reads
 * the new generation and misses. Old entries are never read again and age out (max-age).
 *
 * Why D1 and not KV for the generation: KV is eventually consistent (up to ~60 s) and takes
 * about one write a second per key, so an operator's edit would stay invisible for up to a
 * minute and a merchant sync could outrun it; D1 is read from its primary, so an edit is
 * visible on the very next request. The price is one point read of a one-row table per
 * anonymous request, against the search or browse query it saves. And why not
 * `cache.delete` per URL: a write changes any number of pages (every search that matches the
 * offer, every category, every sort and cursor), which cannot be listed.
 *
 * Time still hides offers without a write (an offer's `endsAt` passing): `max-age` bounds how
 * long a cached page can show one, which is why it is short.
 */

/** How long a shared catalog response may be served, in seconds. */
export const CATALOG_MAX_AGE_SEC = 60;

/** Header that tells whether the response came from the cache (`hit`, `miss`, `bypass`). */
export const CACHE_STATUS_HEADER = "x-catalog-cache";

/**
 * The cache key of an anonymous request: its path and its query parameters in a canonical
 * order, under the current generation.
 *
 * @example
 * cacheKey(new URL("https://api.example/v1/catalog/offers?sort=rate&q=ama"), 7);
 * // "https://api.example/v1/catalog/offers?generation=7&q=ama&sort=rate"
 */
export function cacheKey(url: URL, generation: number): string {
  const params = [...url.searchParams].sort(([a, av], [b, bv]) =>
    a === b ? (av < bv ? -1 : av > bv ? 1 : 0) : a < b ? -1 : 1,
  );
  const search = new URLSearchParams([["generation", String(generation)], ...params]);
  return `${url.origin}${url.pathname}?${search.toString()}`;
}

/** A cached response, marked as a hit; null on a miss. */
export async function cachedResponse(key: string): Promise<Response | null> {
  const hit = await caches.default.match(key);
  if (!hit) return null;
  const response = new Response(hit.body, hit);
  response.headers.set(CACHE_STATUS_HEADER, "hit");
  return response;
}

/**
 * Stores a shareable copy of `response` under `key` and returns the response to send. Awaited
 * rather than left to waitUntil: a put in the local colo takes about a millisecond, and the
 * next request of the same page then finds it.
 */
export async function storeResponse(key: string, response: Response): Promise<Response> {
  response.headers.set("cache-control", `public, max-age=${CATALOG_MAX_AGE_SEC}`);
  response.headers.set(CACHE_STATUS_HEADER, "miss");
  if (response.status === 200) await caches.default.put(key, response.clone());
  return response;
}

/** A personalised response: never stored in a shared cache. */
export function privateResponse(response: Response): Response {
  response.headers.set("cache-control", "private, no-store");
  response.headers.set("vary", "authorization");
  response.headers.set(CACHE_STATUS_HEADER, "bypass");
  return response;
}

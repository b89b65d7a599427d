import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import { AppError } from "#shared/http/errors";
import type { ApiContext } from "../../auth";
import { featureApp } from "../../http/feature-app";
import { jsonBody, problemResponses, TOO_MANY_RESPONSE } from "../../http/responses";
import { listUnendedCampaigns } from "../campaigns/index";
import { type CardViewer, offerCards } from "../users/index";
import { type CatalogSort, decodeCatalogCursor, encodeCatalogCursor } from "./cursor";
import { cachedResponse, cacheKey, privateResponse, storeResponse } from "./edge-cache";
import {
  CatalogPageSchema,
  CatalogQuerySchema,
  CategoryCountsSchema,
  MerchantPageQuerySchema,
  MerchantPageSchema,
  MerchantParamSchema,
} from "./schemas";
import { offerCategories } from "./search-document";
import { matchExpression } from "./search-query";
import { cacheGeneration, categoryCounts, merchantById, searchCatalog } from "./store";

/** Anonymous, or a user token: both are accepted (the empty requirement makes it optional). */
const security: Array<Record<string, string[]>> = [{}, { userJwt: [] }];
// The catalog feature's tag: these are its public face (security says no token is needed).
const tags = ["catalog"];
/** Categories listed at most. */
const MAX_CATEGORIES = 500;

const offersRoute = createRoute({
  method: "get",
  path: "/catalog/offers",
  operationId: "listCatalogOffers",
  tags,
  security,
  summary: "Search and browse visible offers (no login needed)",
  description:
    "Offers users can click now, searched (`q`: every word matches as a prefix, case and " +
    "accents ignored; ranked by bm25 blended with the headline rate) and filtered by category " +
    "and merchant, one cursor page at a time. Anonymous responses are cached at the edge and " +
    "purged by every catalog write; with a user token each offer also carries the caller's " +
    "tracking link, and nothing is cached.",
  request: { query: CatalogQuerySchema },
  responses: { 200: jsonBody(CatalogPageSchema), ...problemResponses, ...TOO_MANY_RESPONSE },
});

const categoriesRoute = createRoute({
  method: "get",
  path: "/catalog/categories",
  operationId: "listCatalogCategories",
  tags,
  security,
  summary: "Categories with their number of visible offers (no login needed)",
  responses: { 200: jsonBody(CategoryCountsSchema), ...problemResponses, ...TOO_MANY_RESPONSE },
});

const merchantRoute = createRoute({
  method: "get",
  path: "/catalog/merchants/{merchantId}",
  operationId: "getCatalogMerchant",
  tags,
  security,
  summary: "A merchant's page: the merchant and its visible offers (no login needed)",
  description: "404 when the merchant does not exist or has no offer users can see now.",
  request: { params: MerchantParamSchema, query: MerchantPageQuerySchema },
  responses: { 200: jsonBody(MerchantPageSchema), ...problemResponses, ...TOO_MANY_RESPONSE },
});

type Ctx = Context<ApiContext>;

/** The signed-in caller, or null (the catalog's routes do not require a token). */
function viewerOf(c: Ctx): CardViewer {
  const userId = c.get("userId") as string | undefined;
  return userId === undefined ? null : { userId, segments: c.get("segments") ?? [] };
}

/**
 * Serves an anonymous request from the edge cache when it can, else builds it and stores it;
 * a signed-in caller's response is built and never shared.
 */
async function served(c: Ctx, build: (viewer: CardViewer) => Promise<Response>) {
  const viewer = viewerOf(c);
  if (viewer) return privateResponse(await build(viewer));
  const key = cacheKey(new URL(c.req.url), await cacheGeneration(c.env.DB));
  return (await cachedResponse(key)) ?? storeResponse(key, await build(null));
}

interface PageRequest {
  q: string | undefined;
  category: string | null;
  merchantId: string | null;
  sort: CatalogSort | undefined;
  cursor: string | undefined;
  limit: number;
}

/** One page of cards, with the cursor of the next page. */
async function catalogPage(c: Ctx, viewer: CardViewer, request: PageRequest) {
  const q = request.q?.trim() ?? "";
  const sort: CatalogSort = request.sort ?? (q === "" ? "rate" : "relevance");
  if (sort === "relevance" && q === "") {
    throw new AppError("validation_failed", "sort=relevance needs a search", [
      {
        path: "sort",
        message: "relevance ranks a search: give q, or sort by rate, newest or merchant",
      },
    ]);
  }
  const after = decodeCatalogCursor(request.cursor, sort);
  const match = q === "" ? null : matchExpression(q);
  // Words only of punctuation: nothing can match them.
  if (q !== "" && match === null) return { items: [], nextCursor: null };
  const nowMs = Date.now();
  const [rows, campaigns] = await Promise.all([
    searchCatalog(c.env.DB, {
      match,
      category: request.category,
      merchantId: request.merchantId,
      sort,
      after,
      rows: request.limit + 1,
      nowMs,
    }),
    listUnendedCampaigns(c.env, nowMs),
  ]);
  const page = rows.slice(0, request.limit);
  const cards = await offerCards(c.env, viewer, page, campaigns, nowMs);
  const last = rows.length > request.limit ? page.at(-1) : undefined;
  return {
    items: cards.map(({ card, link }, i) => ({
      ...card,
      categories: offerCategories(page[i]?.offer.cashbackTerms ?? card.cashback),
      trackingUrl: link?.trackingUrl ?? null,
      trackingUrlExpiresAt: link?.trackingUrlExpiresAt ?? null,
    })),
    nextCursor: last ? encodeCatalogCursor(sort, { key: last.key, offerId: last.offer.id }) : null,
  };
}

/** The public catalog; mounted under `/v1` (PUBLIC_CATALOG_PATHS: no token required). */
export const catalogPublicRoutes = featureApp()
  .openapi(offersRoute, async (c) => {
    const query = c.req.valid("query");
    return served(c, async (viewer) =>
      c.json(
        await catalogPage(c, viewer, {
          q: query.q,
          category: query.category ?? null,
          merchantId: query.merchant ?? null,
          sort: query.sort,
          cursor: query.cursor,
          limit: query.limit,
        }),
        200,
      ),
    ) as never;
  })
  .openapi(
    categoriesRoute,
    async (c) =>
      served(c, async () =>
        c.json({ items: await categoryCounts(c.env.DB, Date.now(), MAX_CATEGORIES) }, 200),
      ) as never,
  )
  .openapi(merchantRoute, async (c) => {
    const { merchantId } = c.req.valid("param");
    const query = c.req.valid("query");
    return served(c, async (viewer) => {
      const merchant = await merchantById(c.env.DB, merchantId);
      const offers = merchant
        ? await catalogPage(c, viewer, {
            q: undefined,
            category: null,
            merchantId,
            sort: query.sort,
            cursor: query.cursor,
            limit: query.limit,
          })
        : null;
      if (!merchant || !offers || (query.cursor === undefined && offers.items.length === 0)) {
        throw new AppError("not_found", `merchant ${merchantId} has no page`);
      }
      return c.json({ merchant, offers }, 200);
    }) as never;
  });

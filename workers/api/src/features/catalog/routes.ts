import { createRoute, z } from "@hono/zod-openapi";
import { normalizeAllowedReferrers } from "#shared/fraud/allowed-referrers";
import { AppError } from "#shared/http/errors";
import { IdParamSchema, SlugSchema } from "../../http/common-schemas";
import { featureApp } from "../../http/feature-app";
import { CatalogListQuerySchema, NextCursorSchema } from "../../http/list-query";
import { ADMIN_SECURITY, jsonBody, problemResponses } from "../../http/responses";
import {
  AllowedReferrersInputSchema,
  assertSecureNetworkUrls,
  MerchantInputSchema,
  MerchantSchema,
  NetworkInputSchema,
  NetworkSchema,
  OfferInputSchema,
  OfferSchema,
} from "./schemas";
import * as catalog from "./store";
import { merchantView, networkView, offerView } from "./views";

const article = (noun: string) => (/^[aeiou]/.test(noun) ? "an" : "a");

const security = ADMIN_SECURITY;
const tags = ["catalog"];
const capitalized = (noun: string) => `${noun[0]?.toUpperCase()}${noun.slice(1)}`;

/** Builds PUT (idempotent upsert), GET one and GET list routes for one catalog resource. */
function resourceRoutes<In extends z.ZodType, Out extends z.ZodType, Q extends z.ZodObject>(
  name: string,
  path: string,
  input: In,
  output: Out,
  listQuery: Q,
  listOperationId = `list${capitalized(name)}s`,
) {
  return {
    put: createRoute({
      method: "put",
      path: `${path}/{id}`,
      operationId: `put${capitalized(name)}`,
      tags,
      security,
      summary: `Create or replace ${article(name)} ${name} (idempotent)`,
      request: {
        params: IdParamSchema,
        body: { content: { "application/json": { schema: input } }, required: true },
      },
      responses: { 200: jsonBody(output), ...problemResponses },
    }),
    get: createRoute({
      method: "get",
      path: `${path}/{id}`,
      operationId: `get${capitalized(name)}`,
      tags,
      security,
      summary: `Read ${article(name)} ${name}`,
      request: { params: IdParamSchema },
      responses: { 200: jsonBody(output), ...problemResponses },
    }),
    list: createRoute({
      method: "get",
      path,
      operationId: listOperationId,
      tags,
      security,
      summary: `List ${name}s by id, filtered, a page at a time`,
      request: { query: listQuery },
      responses: {
        200: jsonBody(z.object({ items: z.array(output), nextCursor: NextCursorSchema })),
        ...problemResponses,
      },
    }),
  };
}

const networkRoutes = resourceRoutes(
  "network",
  "/networks",
  NetworkInputSchema,
  NetworkSchema,
  CatalogListQuerySchema,
);
const merchantRoutes = resourceRoutes(
  "merchant",
  "/merchants",
  MerchantInputSchema,
  MerchantSchema,
  CatalogListQuerySchema.extend({
    networkId: SlugSchema.optional().describe("only this network's merchants"),
  }),
);
// "Admin": the user-facing GET /v1/offers is listOffers.
const offerRoutes = resourceRoutes(
  "offer",
  "/offers",
  OfferInputSchema,
  OfferSchema,
  CatalogListQuerySchema.extend({
    merchantId: SlugSchema.optional().describe("only this merchant's offers"),
  }),
  "listAdminOffers",
);

const putAllowedReferrersRoute = createRoute({
  method: "put",
  path: "/offers/{id}/allowed-referrers",
  operationId: "putOfferAllowedReferrers",
  tags,
  security,
  summary: "Replace the hosts whose pages may send clicks to an offer",
  description:
    "A click whose Referer host is not on the list (nor a subdomain of an entry) is marked " +
    '`click_referrer_not_allowed` at the redirect (docs/fraud.md "Click quality"); a click ' +
    "without a Referer is not judged on it. An empty list allows every referrer. Every bad " +
    "host is a 400 at `hosts.<index>` and nothing is saved. In force at the redirect within " +
    "the config cache's bound (about 90 s).",
  request: {
    params: IdParamSchema,
    body: {
      content: { "application/json": { schema: AllowedReferrersInputSchema } },
      required: true,
    },
  },
  responses: { 200: jsonBody(OfferSchema), ...problemResponses },
});

/** Operator routes for the catalog; mounted under `/admin/v1`. */
export const catalogAdminRoutes = featureApp();
const app = catalogAdminRoutes;
app.openapi(networkRoutes.put, async (c) => {
  assertSecureNetworkUrls(c.env, c.req.valid("json"));
  return c.json(
    networkView(await catalog.upsertNetwork(c.env, c.req.valid("param").id, c.req.valid("json"))),
    200,
  );
});
app.openapi(networkRoutes.get, async (c) =>
  c.json(networkView(await catalog.getNetwork(c.env, c.req.valid("param").id)), 200),
);
app.openapi(networkRoutes.list, async (c) => {
  const page = await catalog.listNetworks(c.env, c.req.valid("query"));
  return c.json({ items: page.items.map(networkView), nextCursor: page.nextCursor }, 200);
});

app.openapi(merchantRoutes.put, async (c) =>
  c.json(
    merchantView(await catalog.upsertMerchant(c.env, c.req.valid("param").id, c.req.valid("json"))),
    200,
  ),
);
app.openapi(merchantRoutes.get, async (c) =>
  c.json(merchantView(await catalog.getMerchant(c.env, c.req.valid("param").id)), 200),
);
app.openapi(merchantRoutes.list, async (c) => {
  const page = await catalog.listMerchants(c.env, c.req.valid("query"));
  return c.json({ items: page.items.map(merchantView), nextCursor: page.nextCursor }, 200);
});

app.openapi(offerRoutes.put, async (c) =>
  c.json(
    offerView(await catalog.upsertOffer(c.env, c.req.valid("param").id, c.req.valid("json"))),
    200,
  ),
);
app.openapi(putAllowedReferrersRoute, async (c) => {
  const normalized = normalizeAllowedReferrers(c.req.valid("json").hosts);
  if (!normalized.ok) {
    throw new AppError(
      "validation_failed",
      "invalid hosts",
      normalized.issues.map((i) => ({ path: `hosts.${i.index}`, message: i.message })),
    );
  }
  const offer = await catalog.setAllowedReferrers(c.env, c.req.valid("param").id, normalized.hosts);
  return c.json(offerView(offer), 200);
});
app.openapi(offerRoutes.get, async (c) =>
  c.json(offerView(await catalog.getOffer(c.env, c.req.valid("param").id)), 200),
);
app.openapi(offerRoutes.list, async (c) => {
  const page = await catalog.listOffers(c.env, c.req.valid("query"));
  return c.json({ items: page.items.map(offerView), nextCursor: page.nextCursor }, 200);
});

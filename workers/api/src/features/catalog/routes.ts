import { createRoute, z } from "@hono/zod-openapi";
import { IdParamSchema } from "../../http/common-schemas";
import { featureApp } from "../../http/feature-app";
import { ADMIN_SECURITY, jsonBody, problemResponses } from "../../http/responses";
import {
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
function resourceRoutes<In extends z.ZodType, Out extends z.ZodType>(
  name: string,
  path: string,
  input: In,
  output: Out,
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
      summary: `List ${name}s`,
      responses: { 200: jsonBody(z.object({ items: z.array(output) })), ...problemResponses },
    }),
  };
}

const networkRoutes = resourceRoutes("network", "/networks", NetworkInputSchema, NetworkSchema);
const merchantRoutes = resourceRoutes(
  "merchant",
  "/merchants",
  MerchantInputSchema,
  MerchantSchema,
);
// "Admin": the user-facing GET /v1/offers is listOffers.
const offerRoutes = resourceRoutes(
  "offer",
  "/offers",
  OfferInputSchema,
  OfferSchema,
  "listAdminOffers",
);

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
app.openapi(networkRoutes.list, async (c) =>
  c.json({ items: (await catalog.listNetworks(c.env)).map(networkView) }, 200),
);

app.openapi(merchantRoutes.put, async (c) =>
  c.json(
    merchantView(await catalog.upsertMerchant(c.env, c.req.valid("param").id, c.req.valid("json"))),
    200,
  ),
);
app.openapi(merchantRoutes.get, async (c) =>
  c.json(merchantView(await catalog.getMerchant(c.env, c.req.valid("param").id)), 200),
);
app.openapi(merchantRoutes.list, async (c) =>
  c.json({ items: (await catalog.listMerchants(c.env)).map(merchantView) }, 200),
);

app.openapi(offerRoutes.put, async (c) =>
  c.json(
    offerView(await catalog.upsertOffer(c.env, c.req.valid("param").id, c.req.valid("json"))),
    200,
  ),
);
app.openapi(offerRoutes.get, async (c) =>
  c.json(offerView(await catalog.getOffer(c.env, c.req.valid("param").id)), 200),
);
app.openapi(offerRoutes.list, async (c) =>
  c.json({ items: (await catalog.listOffers(c.env)).map(offerView) }, 200),
);

import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { ApiContext } from "../auth";
import * as catalog from "../catalog/catalog-service";
import {
  IdParamSchema,
  MerchantInputSchema,
  MerchantSchema,
  NetworkInputSchema,
  NetworkSchema,
  OfferInputSchema,
  OfferSchema,
  toIso,
  toIsoOrNull,
} from "../schemas";
import { jsonBody, problemResponses } from "./responses";

type NetworkRow = Awaited<ReturnType<typeof catalog.getNetwork>>;
type MerchantRow = Awaited<ReturnType<typeof catalog.getMerchant>>;
type OfferRow = Awaited<ReturnType<typeof catalog.getOffer>>;

const networkView = (n: NetworkRow) => ({
  id: n.id,
  name: n.name,
  trackingTemplate: n.trackingTemplate,
  postbackFormat: n.postbackFormat,
  postbackSecretSet: n.postbackSecretSet,
  options: n.options,
  active: n.active,
  updatedAt: toIso(n.updatedAtMs),
});

const merchantView = (m: MerchantRow) => ({
  id: m.id,
  networkId: m.networkId,
  name: m.name,
  landingUrl: m.landingUrl,
  active: m.active,
  updatedAt: toIso(m.updatedAtMs),
});

export const offerView = (o: OfferRow) => ({
  id: o.id,
  merchantId: o.merchantId,
  title: o.title,
  description: o.description,
  networkOfferRef: o.networkOfferRef,
  currency: o.currency,
  cashback: o.cashbackTerms,
  returnWindowDays: o.returnWindowDays,
  startsAt: toIsoOrNull(o.startsAtMs),
  endsAt: toIsoOrNull(o.endsAtMs),
  active: o.active,
  updatedAt: toIso(o.updatedAtMs),
});

const article = (noun: string) => (/^[aeiou]/.test(noun) ? "an" : "a");

const security = [{ adminKey: [] }];
const tags = ["catalog (admin)"];

/** Builds PUT (idempotent upsert), GET one and GET list routes for one catalog resource. */
function resourceRoutes<In extends z.ZodType, Out extends z.ZodType>(
  name: string,
  path: string,
  input: In,
  output: Out,
) {
  return {
    put: createRoute({
      method: "put",
      path: `${path}/{id}`,
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
      tags,
      security,
      summary: `Read ${article(name)} ${name}`,
      request: { params: IdParamSchema },
      responses: { 200: jsonBody(output), ...problemResponses },
    }),
    list: createRoute({
      method: "get",
      path,
      tags,
      security,
      summary: `List ${name}s`,
      responses: { 200: jsonBody(z.object({ items: z.array(output) })), ...problemResponses },
    }),
  };
}

const networkRoutes = resourceRoutes(
  "network",
  "/admin/v1/networks",
  NetworkInputSchema,
  NetworkSchema,
);
const merchantRoutes = resourceRoutes(
  "merchant",
  "/admin/v1/merchants",
  MerchantInputSchema,
  MerchantSchema,
);
const offerRoutes = resourceRoutes("offer", "/admin/v1/offers", OfferInputSchema, OfferSchema);

export function registerCatalogAdmin(app: OpenAPIHono<ApiContext>): void {
  app.openapi(networkRoutes.put, async (c) =>
    c.json(
      networkView(await catalog.upsertNetwork(c.env, c.req.valid("param").id, c.req.valid("json"))),
      200,
    ),
  );
  app.openapi(networkRoutes.get, async (c) =>
    c.json(networkView(await catalog.getNetwork(c.env, c.req.valid("param").id)), 200),
  );
  app.openapi(networkRoutes.list, async (c) =>
    c.json({ items: (await catalog.listNetworks(c.env)).map(networkView) }, 200),
  );

  app.openapi(merchantRoutes.put, async (c) =>
    c.json(
      merchantView(
        await catalog.upsertMerchant(c.env, c.req.valid("param").id, c.req.valid("json")),
      ),
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
}

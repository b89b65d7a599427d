import { createRoute, z } from "@hono/zod-openapi";
import type { GiftCardProduct } from "#shared/payouts/types";
import { IdParamSchema, toIso } from "../../http/common-schemas";
import { featureApp } from "../../http/feature-app";
import { ADMIN_SECURITY, jsonBody, problemResponses, USER_SECURITY } from "../../http/responses";
import { GiftCardInputSchema, GiftCardSchema } from "./admin-schemas";
import { giftCardById, listGiftCards, saveGiftCard } from "./gift-card-store";

const adminSecurity = ADMIN_SECURITY;
const tags = ["payouts"];

const putRoute = createRoute({
  method: "put",
  path: "/gift-cards/{id}",
  operationId: "putGiftCard",
  tags,
  security: adminSecurity,
  summary: "Create or replace a gift-card product (idempotent)",
  description: "Repeating the same body changes nothing, updatedAt included.",
  request: {
    params: IdParamSchema,
    body: { content: { "application/json": { schema: GiftCardInputSchema } }, required: true },
  },
  responses: { 200: jsonBody(GiftCardSchema), ...problemResponses },
});

const adminListRoute = createRoute({
  method: "get",
  path: "/gift-cards",
  operationId: "listAdminGiftCards",
  tags,
  security: adminSecurity,
  summary: "Every gift-card product, active or not",
  responses: { 200: jsonBody(z.object({ items: z.array(GiftCardSchema) })), ...problemResponses },
});

const userListRoute = createRoute({
  method: "get",
  path: "/me/gift-cards",
  operationId: "listGiftCards",
  tags,
  security: USER_SECURITY,
  summary: "Gift cards the caller can redeem their confirmed balance for",
  responses: { 200: jsonBody(z.object({ items: z.array(GiftCardSchema) })), ...problemResponses },
});

const view = (p: GiftCardProduct) => ({
  id: p.id,
  brand: p.brand,
  currency: p.currency,
  denominationsMinor: p.denominationsMinor,
  active: p.active,
  createdAt: toIso(p.createdAtMs),
  updatedAt: toIso(p.updatedAtMs),
});

/** Operator routes for gift-card products; mounted under `/admin/v1`. */
export const giftCardAdminRoutes = featureApp()
  .openapi(putRoute, async (c) => {
    const { id } = c.req.valid("param");
    await saveGiftCard(c.env.DB, id, c.req.valid("json"), Date.now());
    const product = await giftCardById(c.env.DB, id);
    if (!product) throw new Error("gift card upsert left no row");
    return c.json(view(product), 200);
  })
  .openapi(adminListRoute, async (c) => {
    const products = await listGiftCards(c.env.DB, false);
    return c.json({ items: products.map(view) }, 200);
  });

/** Gift cards a user can pick; mounted under `/v1`. */
export const giftCardUserRoutes = featureApp().openapi(userListRoute, async (c) => {
  const products = await listGiftCards(c.env.DB, true);
  return c.json({ items: products.map(view) }, 200);
});

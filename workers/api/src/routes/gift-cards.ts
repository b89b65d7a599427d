import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { CurrencySchema } from "#shared/money/currency";
import type { GiftCardProduct } from "#shared/payouts/types";
import type { ApiContext } from "../auth";
import { IdParamSchema, toIso } from "../http/common-schemas";
import { jsonBody, problemResponses } from "../http/responses";

export type { GiftCardProduct };

const MAX_DENOMINATIONS = 20;
const MAX_PRODUCTS_LISTED = 1_000;

const GiftCardInputSchema = z
  .object({
    brand: z.string().trim().min(1).max(80),
    currency: CurrencySchema,
    denominationsMinor: z
      .array(
        z
          .number()
          .int("denominations are integer minor units")
          .positive()
          .max(Number.MAX_SAFE_INTEGER),
      )
      .min(1)
      .max(MAX_DENOMINATIONS)
      .refine((d) => new Set(d).size === d.length, "denominations must be distinct")
      .describe("the amounts a user may pick, in minor units; stored in ascending order"),
    active: z.boolean().default(true),
  })
  .strict()
  .openapi("GiftCardInput");

const GiftCardSchema = z
  .object({
    id: z.string(),
    brand: z.string(),
    currency: z.string(),
    denominationsMinor: z.array(z.number().int()),
    active: z.boolean(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("GiftCard");

const adminSecurity = [{ adminKey: [] }];
const adminTags = ["gift cards (admin)"];

const putRoute = createRoute({
  method: "put",
  path: "/admin/v1/gift-cards/{id}",
  tags: adminTags,
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
  path: "/admin/v1/gift-cards",
  tags: adminTags,
  security: adminSecurity,
  summary: "Every gift-card product, active or not",
  responses: { 200: jsonBody(z.object({ items: z.array(GiftCardSchema) })), ...problemResponses },
});

const userListRoute = createRoute({
  method: "get",
  path: "/v1/me/gift-cards",
  tags: ["user"],
  security: [{ userJwt: [] }],
  summary: "Gift cards the caller can redeem their confirmed balance for",
  responses: { 200: jsonBody(z.object({ items: z.array(GiftCardSchema) })), ...problemResponses },
});

interface ProductRow {
  id: string;
  brand: string;
  currency: string;
  denominations_minor: string;
  active: number;
  created_at_ms: number;
  updated_at_ms: number;
}

const fromRow = (r: ProductRow): GiftCardProduct => ({
  id: r.id,
  brand: r.brand,
  currency: r.currency,
  denominationsMinor: JSON.parse(r.denominations_minor) as number[],
  active: r.active === 1,
  createdAtMs: r.created_at_ms,
  updatedAtMs: r.updated_at_ms,
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

/** The product, active or not; null when there is none with that id. */
export async function findGiftCard(db: D1Database, id: string): Promise<GiftCardProduct | null> {
  const row = await db
    .prepare(`SELECT * FROM gift_card_products WHERE id = ?1`)
    .bind(id)
    .first<ProductRow>();
  return row ? fromRow(row) : null;
}

async function listGiftCards(db: D1Database, activeOnly: boolean): Promise<GiftCardProduct[]> {
  const { results } = await db
    .prepare(
      `SELECT * FROM gift_card_products ${activeOnly ? "WHERE active = 1" : ""}
       ORDER BY brand, id LIMIT ?1`,
    )
    .bind(MAX_PRODUCTS_LISTED)
    .all<ProductRow>();
  return results.map(fromRow);
}

export function registerGiftCardRoutes(app: OpenAPIHono<ApiContext>): void {
  app.openapi(putRoute, async (c) => {
    const { id } = c.req.valid("param");
    const input = c.req.valid("json");
    const denominations = JSON.stringify([...input.denominationsMinor].sort((a, b) => a - b));
    const nowMs = Date.now();
    // The update happens only when something differs, so a repeated PUT leaves updatedAt alone.
    await c.env.DB.prepare(
      `INSERT INTO gift_card_products
         (id, brand, currency, denominations_minor, active, created_at_ms, updated_at_ms)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)
       ON CONFLICT (id) DO UPDATE SET brand = excluded.brand, currency = excluded.currency,
         denominations_minor = excluded.denominations_minor, active = excluded.active,
         updated_at_ms = excluded.updated_at_ms
       WHERE gift_card_products.brand IS NOT excluded.brand
          OR gift_card_products.currency IS NOT excluded.currency
          OR gift_card_products.denominations_minor IS NOT excluded.denominations_minor
          OR gift_card_products.active IS NOT excluded.active`,
    )
      .bind(id, input.brand, input.currency, denominations, input.active ? 1 : 0, nowMs)
      .run();
    const product = await findGiftCard(c.env.DB, id);
    if (!product) throw new Error("gift card upsert left no row");
    return c.json(view(product), 200);
  });

  app.openapi(adminListRoute, async (c) => {
    const products = await listGiftCards(c.env.DB, false);
    return c.json({ items: products.map(view) }, 200);
  });

  app.openapi(userListRoute, async (c) => {
    const products = await listGiftCards(c.env.DB, true);
    return c.json({ items: products.map(view) }, 200);
  });
}

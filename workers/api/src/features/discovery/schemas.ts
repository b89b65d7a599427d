import { z } from "@hono/zod-openapi";
import { RateBpsSchema } from "#shared/money/currency";
import { IsoTimeSchema, SlugSchema } from "../../http/common-schemas";
import { OfferSchema } from "../catalog/index";
import { CATALOG_SORTS } from "./cursor";

/** Page size of the public catalog: at most this many offers a page. */
export const MAX_CATALOG_PAGE = 50;
export const DEFAULT_CATALOG_PAGE = 20;
/** Longest search string accepted (the words used are bounded again: search-query.ts). */
export const MAX_QUERY_CHARS = 200;

const CategoryParam = z
  .string()
  .min(1)
  .max(64)
  .describe("only offers listed under this category (GET /v1/catalog/categories)");

const pageParams = {
  sort: z
    .enum(CATALOG_SORTS)
    .optional()
    .describe(
      "relevance (needs q; the default with q): bm25 blended with the headline rate; " +
        "rate: headline rate, highest first (the default without q); newest; merchant: by name",
    ),
  cursor: z.string().max(500).optional().describe("opaque cursor from the previous page"),
  limit: z.coerce.number().int().min(1).max(MAX_CATALOG_PAGE).default(DEFAULT_CATALOG_PAGE),
};

export const CatalogQuerySchema = z.object({
  q: z
    .string()
    .max(MAX_QUERY_CHARS)
    .optional()
    .describe(
      "search words, matched as prefixes against offer title and description, merchant name " +
        "and categories, ignoring case and accents; every word must match",
    ),
  category: CategoryParam.optional(),
  merchant: SlugSchema.optional().describe("only this merchant's offers (its id)"),
  ...pageParams,
});

export const MerchantPageQuerySchema = z.object({
  sort: pageParams.sort.describe("rate (default), newest or merchant; relevance needs q"),
  cursor: pageParams.cursor,
  limit: pageParams.limit,
});

export const MerchantParamSchema = z.object({
  merchantId: SlugSchema.openapi({ param: { name: "merchantId", in: "path" } }),
});

export const CatalogOfferSchema = z
  .object({
    id: z.string(),
    merchantId: z.string(),
    merchantName: z.string(),
    title: z.string(),
    description: z.string(),
    currency: z.string(),
    cashback: OfferSchema.shape.cashback,
    headlineRateBps: RateBpsSchema.describe("best rate on the offer, in bps"),
    categories: z.array(z.string()).describe("categories the offer is listed under"),
    returnWindowDays: z.number().int(),
    endsAt: IsoTimeSchema.nullable(),
    boosts: z
      .array(
        z.object({
          campaignId: z.string(),
          name: z.string(),
          boostRateBps: RateBpsSchema.describe("extra rate on top of the cashback, in bps"),
          category: z.string().nullable().describe("only this category earns it; null: all"),
          endsAt: IsoTimeSchema.nullable(),
        }),
      )
      .describe("campaign boosts live now for the caller (anonymous: those open to everyone)"),
    trackingUrl: z
      .url()
      .nullable()
      .describe("the caller's personalised, signed, expiring link; null without a user token"),
    trackingUrlExpiresAt: IsoTimeSchema.nullable(),
  })
  .openapi("CatalogOffer");

export const CatalogPageSchema = z
  .object({ items: z.array(CatalogOfferSchema), nextCursor: z.string().nullable() })
  .openapi("CatalogPage");

export const CategoryCountsSchema = z
  .object({
    items: z.array(
      z.object({
        category: z.string(),
        offers: z.number().int().describe("visible offers listed under it"),
      }),
    ),
  })
  .openapi("CatalogCategories");

export const MerchantPageSchema = z
  .object({
    merchant: z.object({ id: z.string(), name: z.string(), landingUrl: z.url() }),
    offers: CatalogPageSchema,
  })
  .openapi("CatalogMerchant");

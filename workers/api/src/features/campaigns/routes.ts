import { createRoute, z } from "@hono/zod-openapi";
import { campaignBudgetKey, campaignRule } from "#shared/campaigns/campaign-rule";
import { IdParamSchema, SlugSchema, toIso, toIsoOrNull } from "../../http/common-schemas";
import { featureApp } from "../../http/feature-app";
import { CatalogListQuerySchema, NextCursorSchema } from "../../http/list-query";
import { ADMIN_SECURITY, jsonBody, problem, problemResponses } from "../../http/responses";
import { CampaignBudgetSchema, CampaignInputSchema, CampaignSchema } from "./schemas";
import * as service from "./service";
import * as store from "./store";

const security = ADMIN_SECURITY;
const tags = ["campaigns"];

const campaignView = (c: store.CampaignRow) => ({
  id: c.id,
  name: c.name,
  active: c.active,
  startsAt: toIsoOrNull(c.startsAtMs),
  endsAt: toIsoOrNull(c.endsAtMs),
  merchantId: c.merchantId,
  offerId: c.offerId,
  category: c.category,
  userSegment: c.userSegment,
  boostRateBps: c.boostRateBps,
  currency: c.currency,
  budgetMinor: c.budgetMinor,
  version: c.version,
  createdAt: toIso(c.createdAtMs),
  updatedAt: toIso(c.updatedAtMs),
  budgetKey: campaignBudgetKey(c.id),
  rule: campaignRule({
    campaignId: c.id,
    name: c.name,
    offerId: c.offerId,
    merchantId: c.merchantId,
    category: c.category,
    userSegment: c.userSegment,
    boostRateBps: c.boostRateBps,
    startsAtMs: c.startsAtMs,
    endsAtMs: c.endsAtMs,
    active: c.active,
    budget: { amountMinor: c.budgetMinor, currency: c.currency },
    ruleVersion: c.version,
  }),
});

const putRoute = createRoute({
  method: "put",
  path: "/campaigns/{id}",
  operationId: "putCampaign",
  tags,
  security,
  summary: "Create or replace a campaign boost (idempotent)",
  description:
    "Clicks made while the campaign is live freeze its boost rate; editing or ending the " +
    "campaign later never changes what a click was promised. The budget is never exceeded: " +
    "each transaction is granted min(its boost, what remains). Lowering budgetMinor below " +
    "what is already granted is refused with 409.",
  request: {
    params: IdParamSchema,
    body: { content: { "application/json": { schema: CampaignInputSchema } }, required: true },
  },
  responses: {
    200: jsonBody(CampaignSchema),
    ...problemResponses,
    409: problem("budgetMinor below what is granted, or a currency change after reservations"),
  },
});

const getRoute = createRoute({
  method: "get",
  path: "/campaigns/{id}",
  operationId: "getCampaign",
  tags,
  security,
  summary: "Read a campaign",
  request: { params: IdParamSchema },
  responses: { 200: jsonBody(CampaignSchema), ...problemResponses },
});

const listRoute = createRoute({
  method: "get",
  path: "/campaigns",
  operationId: "listCampaigns",
  tags,
  security,
  summary: "List campaigns by id, filtered, a page at a time",
  request: {
    query: CatalogListQuerySchema.extend({
      merchantId: SlugSchema.optional().describe("only campaigns boosting this merchant"),
      offerId: SlugSchema.optional().describe("only campaigns boosting this offer"),
    }),
  },
  responses: {
    200: jsonBody(z.object({ items: z.array(CampaignSchema), nextCursor: NextCursorSchema })),
    ...problemResponses,
  },
});

const budgetRoute = createRoute({
  method: "get",
  path: "/campaigns/{id}/budget",
  operationId: "getCampaignBudget",
  tags,
  security,
  summary: "A campaign's budget: desired vs granted vs remaining",
  description:
    "Read from the campaign's budget object, the single writer of its spending: what " +
    "transactions asked for at the full boost rate, what was granted (never more than the " +
    "budget), what cancellations gave back, and what remains.",
  request: { params: IdParamSchema },
  responses: { 200: jsonBody(CampaignBudgetSchema), ...problemResponses },
});

/** Operator routes for campaigns; mounted under `/admin/v1`. */
export const campaignAdminRoutes = featureApp()
  .openapi(putRoute, async (c) =>
    c.json(
      campaignView(
        await service.upsertCampaign(c.env, c.req.valid("param").id, c.req.valid("json")),
      ),
      200,
    ),
  )
  .openapi(getRoute, async (c) =>
    c.json(campaignView(await store.getCampaign(c.env, c.req.valid("param").id)), 200),
  )
  .openapi(listRoute, async (c) => {
    const page = await store.listCampaigns(c.env, c.req.valid("query"));
    return c.json({ items: page.items.map(campaignView), nextCursor: page.nextCursor }, 200);
  })
  .openapi(budgetRoute, async (c) => {
    const budget = await service.getCampaignBudget(c.env, c.req.valid("param").id);
    const { updatedAtMs, ...rest } = budget;
    return c.json({ ...rest, updatedAt: toIsoOrNull(updatedAtMs) }, 200);
  });

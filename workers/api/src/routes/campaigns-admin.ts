import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { ApiContext } from "../auth";
import * as service from "../campaigns/campaign-service";
import { jsonBody, problemResponses } from "../http/responses";
import {
  CampaignBudgetSchema,
  CampaignInputSchema,
  CampaignSchema,
  IdParamSchema,
  ProblemSchema,
  toIso,
  toIsoOrNull,
} from "../schemas";

const security = [{ adminKey: [] }];
const tags = ["campaigns (admin)"];

const campaignView = (c: service.CampaignRow) => ({
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
  createdAt: toIso(c.createdAtMs),
  updatedAt: toIso(c.updatedAtMs),
});

const putRoute = createRoute({
  method: "put",
  path: "/admin/v1/campaigns/{id}",
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
    409: {
      description: "budgetMinor below what is granted, or a currency change after reservations",
      content: { "application/problem+json": { schema: ProblemSchema } },
    },
  },
});

const getRoute = createRoute({
  method: "get",
  path: "/admin/v1/campaigns/{id}",
  tags,
  security,
  summary: "Read a campaign",
  request: { params: IdParamSchema },
  responses: { 200: jsonBody(CampaignSchema), ...problemResponses },
});

const listRoute = createRoute({
  method: "get",
  path: "/admin/v1/campaigns",
  tags,
  security,
  summary: "List campaigns",
  responses: { 200: jsonBody(z.object({ items: z.array(CampaignSchema) })), ...problemResponses },
});

const budgetRoute = createRoute({
  method: "get",
  path: "/admin/v1/campaigns/{id}/budget",
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

export function registerCampaignAdmin(app: OpenAPIHono<ApiContext>): void {
  app.openapi(putRoute, async (c) =>
    c.json(
      campaignView(
        await service.upsertCampaign(c.env, c.req.valid("param").id, c.req.valid("json")),
      ),
      200,
    ),
  );
  app.openapi(getRoute, async (c) =>
    c.json(campaignView(await service.getCampaign(c.env, c.req.valid("param").id)), 200),
  );
  app.openapi(listRoute, async (c) =>
    c.json({ items: (await service.listCampaigns(c.env)).map(campaignView) }, 200),
  );
  app.openapi(budgetRoute, async (c) => {
    const budget = await service.getCampaignBudget(c.env, c.req.valid("param").id);
    const { updatedAtMs, ...rest } = budget;
    return c.json({ ...rest, updatedAt: toIsoOrNull(updatedAtMs) }, 200);
  });
}

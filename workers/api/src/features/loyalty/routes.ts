import { createRoute, z } from "@hono/zod-openapi";
import { PageQuerySchema, UserIdParamSchema } from "../../http/common-schemas";
import { featureApp } from "../../http/feature-app";
import { ADMIN_SECURITY, jsonBody, problemResponses, USER_SECURITY } from "../../http/responses";
import { knownUser } from "../users/index";
import { historyPage, lotsPage, pointsSummary, tierHistory } from "./points-reads";
import {
  PointsHistoryEntrySchema,
  PointsLotSchema,
  PointsSummarySchema,
  pageOf,
  TierHistoryEntrySchema,
} from "./schemas";

const tags = ["loyalty"];
const LimitQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) });

const meSummary = createRoute({
  method: "get",
  path: "/me/points",
  operationId: "getPoints",
  tags,
  security: USER_SECURITY,
  summary: "The caller's points (active, pending, spent, expired), next expiry and tier",
  responses: { 200: jsonBody(PointsSummarySchema), ...problemResponses },
});

const meLots = createRoute({
  method: "get",
  path: "/me/points/lots",
  operationId: "listPointsLots",
  tags,
  security: USER_SECURITY,
  summary: "The caller's points lots, newest first, each with its expiry date",
  request: { query: PageQuerySchema },
  responses: { 200: jsonBody(pageOf(PointsLotSchema)), ...problemResponses },
});

const meHistory = createRoute({
  method: "get",
  path: "/me/points/history",
  operationId: "listPointsHistory",
  tags,
  security: USER_SECURITY,
  summary: "The caller's points history, newest first (keyset-paginated)",
  request: { query: PageQuerySchema },
  responses: { 200: jsonBody(pageOf(PointsHistoryEntrySchema)), ...problemResponses },
});

const params = UserIdParamSchema;

const adminSummary = createRoute({
  method: "get",
  path: "/users/{id}/points",
  operationId: "getAdminUserPoints",
  tags,
  security: ADMIN_SECURITY,
  summary: "A member's points by state, next expiry and tier",
  request: { params },
  responses: { 200: jsonBody(PointsSummarySchema), ...problemResponses },
});

const adminLots = createRoute({
  method: "get",
  path: "/users/{id}/points/lots",
  operationId: "listAdminUserPointsLots",
  tags,
  security: ADMIN_SECURITY,
  summary: "A member's points lots, newest first",
  request: { params, query: PageQuerySchema },
  responses: { 200: jsonBody(pageOf(PointsLotSchema)), ...problemResponses },
});

const adminHistory = createRoute({
  method: "get",
  path: "/users/{id}/points/history",
  operationId: "listAdminUserPointsHistory",
  tags,
  security: ADMIN_SECURITY,
  summary: "A member's points history, newest first",
  request: { params, query: PageQuerySchema },
  responses: { 200: jsonBody(pageOf(PointsHistoryEntrySchema)), ...problemResponses },
});

const adminTierHistory = createRoute({
  method: "get",
  path: "/users/{id}/tier-history",
  operationId: "listAdminUserTierHistory",
  tags,
  security: ADMIN_SECURITY,
  summary: "A member's tier changes, newest first",
  request: { params, query: LimitQuery },
  responses: {
    200: jsonBody(z.object({ items: z.array(TierHistoryEntrySchema) })),
    ...problemResponses,
  },
});

/** The member's own points; mounted under `/v1`. */
export const loyaltyUserRoutes = featureApp()
  .openapi(meSummary, async (c) => c.json(await pointsSummary(c.env, c.get("userId")), 200))
  .openapi(meLots, async (c) => {
    const { cursor, limit } = c.req.valid("query");
    return c.json(await lotsPage(c.env, c.get("userId"), cursor, limit), 200);
  })
  .openapi(meHistory, async (c) => {
    const { cursor, limit } = c.req.valid("query");
    return c.json(await historyPage(c.env, c.get("userId"), cursor, limit), 200);
  });

/** A member's points for operators; mounted under `/admin/v1`. */
export const loyaltyAdminRoutes = featureApp()
  .openapi(adminSummary, async (c) => {
    const { id } = c.req.valid("param");
    // The user or a 404, before any wallet is woken: an unknown id never creates a wallet.
    await knownUser(c.env, id);
    return c.json(await pointsSummary(c.env, id), 200);
  })
  .openapi(adminLots, async (c) => {
    const { id } = c.req.valid("param");
    const { cursor, limit } = c.req.valid("query");
    await knownUser(c.env, id);
    return c.json(await lotsPage(c.env, id, cursor, limit), 200);
  })
  .openapi(adminHistory, async (c) => {
    const { id } = c.req.valid("param");
    const { cursor, limit } = c.req.valid("query");
    await knownUser(c.env, id);
    return c.json(await historyPage(c.env, id, cursor, limit), 200);
  })
  .openapi(adminTierHistory, async (c) => {
    const { id } = c.req.valid("param");
    await knownUser(c.env, id);
    return c.json(await tierHistory(c.env, id, c.req.valid("query").limit), 200);
  });

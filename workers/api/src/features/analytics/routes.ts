import { createRoute } from "@hono/zod-openapi";
import { signupWeek } from "#shared/analytics/buckets";
import { MS_PER_DAY } from "#shared/time/clock";
import { featureApp } from "../../http/feature-app";
import { ADMIN_SECURITY, jsonBody, problemResponses } from "../../http/responses";
import { analyticsRange } from "./range";
import {
  AnalyticsQuerySchema,
  CohortQuerySchema,
  CohortsSchema,
  DistributionsQuerySchema,
  DistributionsSchema,
  FunnelSchema,
  MarginSchema,
} from "./schemas";
import {
  cohortFigures,
  distributionFigures,
  funnelFigures,
  MAX_OFFER_ROWS,
  marginFigures,
} from "./store";

const READ_FROM =
  "Read from D1's analytics rollups (docs/analytics.md): the days projection batches mark " +
  "dirty are recomputed by the ten-minute cron, so they may lag the wallets by minutes.";
const RANGE =
  "`from` and `to` are UTC days, both included (default: the 30 days up to today, at most " +
  "366); the previous period is as many days just before `from`.";

const funnelRoute = createRoute({
  method: "get",
  path: "/analytics/funnel",
  operationId: "getAnalyticsFunnel",
  tags: ["analytics"],
  security: ADMIN_SECURITY,
  summary: "The cashback funnel: click → conversion → confirmed → paid",
  description:
    "Clicks by click day; conversions by conversion day, and of those the ones confirmed and " +
    "paid now. Totals, the previous period's totals, per day, and per offer (at most " +
    `${MAX_OFFER_ROWS}) and per campaign, filtered by offer, merchant, network, currency and ` +
    "campaign (the clicks and conversions that carried its boost). " +
    `${RANGE} ${READ_FROM}`,
  request: { query: AnalyticsQuerySchema },
  responses: { 200: jsonBody(FunnelSchema), ...problemResponses },
});

const marginRoute = createRoute({
  method: "get",
  path: "/analytics/margin",
  operationId: "getAnalyticsMargin",
  tags: ["analytics"],
  security: ADMIN_SECURITY,
  summary: "Network commission vs cashback per network and offer: the operator's margin",
  description:
    "Of the conversions made in the range and confirmed now: the networks' commission, the " +
    "cashback and boosts owed to users, their difference, and what paid payouts have covered, " +
    `per network and currency (with the previous period) and per offer. ${RANGE} ${READ_FROM}`,
  request: { query: AnalyticsQuerySchema },
  responses: { 200: jsonBody(MarginSchema), ...problemResponses },
});

const distributionsRoute = createRoute({
  method: "get",
  path: "/analytics/distributions",
  operationId: "getAnalyticsDistributions",
  tags: ["analytics"],
  security: ADMIN_SECURITY,
  summary: "Time-to-conversion and time-to-confirmation distributions",
  description:
    "Conversions of the range per duration bucket: from the click to the conversion, and " +
    `from the conversion to its confirmation, beside the previous period. ${RANGE} ${READ_FROM}`,
  request: { query: DistributionsQuerySchema },
  responses: { 200: jsonBody(DistributionsSchema), ...problemResponses },
});

const cohortsRoute = createRoute({
  method: "get",
  path: "/analytics/cohorts",
  operationId: "getAnalyticsCohorts",
  tags: ["analytics"],
  security: ADMIN_SECURITY,
  summary: "Cohorts by signup week: users, converting users, cashback",
  description:
    "Users by the week (Monday, UTC) they were first seen, with how many converted and the " +
    "cashback confirmed to them per currency. Weeks starting in [from, to] (default: the last " +
    `12 weeks). ${READ_FROM}`,
  request: { query: CohortQuerySchema },
  responses: { 200: jsonBody(CohortsSchema), ...problemResponses },
});

/** GET /admin/v1/analytics/* (every role reads them); mounted under `/admin/v1`. */
export const analyticsAdminRoutes = featureApp()
  .openapi(funnelRoute, async (c) => {
    const q = c.req.valid("query");
    const range = analyticsRange(q, Date.now());
    const figures = await funnelFigures(c.env.DB, range, q);
    return c.json({ from: range.from, to: range.to, previous: range.previous, ...figures }, 200);
  })
  .openapi(marginRoute, async (c) => {
    const q = c.req.valid("query");
    const range = analyticsRange(q, Date.now());
    const figures = await marginFigures(c.env.DB, range, q);
    return c.json({ from: range.from, to: range.to, previous: range.previous, ...figures }, 200);
  })
  .openapi(distributionsRoute, async (c) => {
    const q = c.req.valid("query");
    const range = analyticsRange(q, Date.now());
    const figures = await distributionFigures(c.env.DB, range, q);
    return c.json({ from: range.from, to: range.to, previous: range.previous, ...figures }, 200);
  })
  .openapi(cohortsRoute, async (c) => {
    const q = c.req.valid("query");
    const nowMs = Date.now();
    const range = analyticsRange(
      { to: q.to, from: q.from ?? signupWeek(nowMs - 11 * 7 * MS_PER_DAY) },
      nowMs,
    );
    const weeks = await cohortFigures(c.env.DB, range);
    return c.json({ from: range.from, to: range.to, weeks }, 200);
  });

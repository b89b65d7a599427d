import { createRoute } from "@hono/zod-openapi";
import { featureApp } from "../../http/feature-app";
import { ADMIN_SECURITY, jsonBody, problemResponses } from "../../http/responses";
import {
  HoldRatesQuerySchema,
  HoldRatesSchema,
  PointsFunnelSchema,
  PointsQuerySchema,
  ReferralAnalyticsQuerySchema,
  ReferralAnalyticsSchema,
} from "./funnels-schemas";
import { pointsFigures } from "./points";
import { analyticsRange } from "./range";
import { referralFunnelFigures } from "./referral-funnel";
import { holdRateFigures } from "./risk-rates";

const RANGE =
  "`from` and `to` are UTC days, both included (default: the 30 days up to today, at most " +
  "366); the previous period is as many days just before `from`.";
const LAG = "Read from D1's projections; they may lag the wallets by seconds.";

const pointsRoute = createRoute({
  method: "get",
  path: "/analytics/points",
  operationId: "getAnalyticsPoints",
  tags: ["analytics"],
  security: ADMIN_SECURITY,
  summary: "The points funnel: earned → redeemed, expired, members who earned and redeemed",
  description:
    "Points earned (lots credited), redeemed, expired and reversed by the day the wallet " +
    "recorded them, members who earned and who redeemed; totals, the previous period's, per " +
    "day, per source type of the lots and per kind of redemption, optionally for one source " +
    `type. ${RANGE} ${LAG}`,
  request: { query: PointsQuerySchema },
  responses: { 200: jsonBody(PointsFunnelSchema), ...problemResponses },
});

const holdsRoute = createRoute({
  method: "get",
  path: "/analytics/risk-holds",
  operationId: "getAnalyticsRiskHolds",
  tags: ["analytics"],
  security: ADMIN_SECURITY,
  summary: "Fraud hold and false-positive rates",
  description:
    "Risk holds placed in the range (by the day placed), how they ended (released, stepped " +
    "up, confirmed fraud, still pending) and their labels; the hold rate (users held over " +
    "users scored) and the false-positive rate (holds labelled not_fraud or released without " +
    "a fraud label, over decided holds). Totals, the previous period's, per day, per reason " +
    `code and per rule; filtered by reason code and hold kind. ${RANGE} ${LAG}`,
  request: { query: HoldRatesQuerySchema },
  responses: { 200: jsonBody(HoldRatesSchema), ...problemResponses },
});

const referralsRoute = createRoute({
  method: "get",
  path: "/analytics/referrals",
  operationId: "getAnalyticsReferrals",
  tags: ["analytics"],
  security: ADMIN_SECURITY,
  summary: "The referral funnel per program: share → click → signup → qualified → rewarded",
  description:
    "Codes issued and referrers whose link was clicked (share), link clicks, and referrals " +
    "that signed up in the range with, of those, the ones that qualified and are rewarded now; " +
    "totals, the previous period's, per day and per program, optionally for one program. " +
    `${RANGE} ${LAG}`,
  request: { query: ReferralAnalyticsQuerySchema },
  responses: { 200: jsonBody(ReferralAnalyticsSchema), ...problemResponses },
});

/** GET /admin/v1/analytics/{points,risk-holds,referrals} (every role reads them). */
export const analyticsFunnelRoutes = featureApp()
  .openapi(pointsRoute, async (c) => {
    const q = c.req.valid("query");
    const range = analyticsRange(q, Date.now());
    const figures = await pointsFigures(c.env.DB, range, q.sourceType);
    return c.json(
      {
        from: range.from,
        to: range.to,
        previous: range.previous,
        sourceType: q.sourceType ?? null,
        ...figures,
      },
      200,
    );
  })
  .openapi(holdsRoute, async (c) => {
    const q = c.req.valid("query");
    const range = analyticsRange(q, Date.now());
    const figures = await holdRateFigures(c.env, range, q);
    return c.json(
      {
        from: range.from,
        to: range.to,
        previous: range.previous,
        reason: q.reason ?? null,
        kind: q.kind ?? null,
        ...figures,
      },
      200,
    );
  })
  .openapi(referralsRoute, async (c) => {
    const q = c.req.valid("query");
    const range = analyticsRange(q, Date.now());
    const figures = await referralFunnelFigures(c.env, range, q.programId);
    return c.json(
      {
        from: range.from,
        to: range.to,
        previous: range.previous,
        programId: q.programId ?? null,
        ...figures,
      },
      200,
    );
  });

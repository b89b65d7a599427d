import { createRoute } from "@hono/zod-openapi";
import { featureApp } from "../../http/feature-app";
import { ADMIN_SECURITY, jsonBody, problemResponses } from "../../http/responses";
import { assembleFunnel } from "./assemble";
import { DEFAULT_FUNNEL_RANGE_DAYS, funnelRange, MAX_FUNNEL_RANGE_DAYS } from "./range";
import { FunnelQuerySchema, ReferralFunnelSchema } from "./schemas";
import { funnelFigures, MAX_FUNNEL_REFERRERS } from "./store";

const funnelRoute = createRoute({
  method: "get",
  path: "/referrals/funnel",
  operationId: "getReferralFunnel",
  tags: ["referrals"],
  security: ADMIN_SECURITY,
  summary: "The referral funnel: clicks, signups, qualified, rewarded, held, rejected, reversed",
  description:
    "Share-link clicks in [from, to), and the referrals that signed up in that range counted " +
    "by the stage they reached and the state they are in now, with the time from the link " +
    "click to the qualifying event (median and 90th percentile, nearest rank; referrals " +
    "attributed by a typed code without a click are not in it). Totals, per campaign (the " +
    `referral rule that qualified them) and for the ${MAX_FUNNEL_REFERRERS} referrers with ` +
    `the most signups. The range defaults to the ${DEFAULT_FUNNEL_RANGE_DAYS} days up to now ` +
    `and spans at most ${MAX_FUNNEL_RANGE_DAYS} days. Read from D1's projections in one ` +
    "batch; they may lag the wallets by seconds.",
  request: { query: FunnelQuerySchema },
  responses: { 200: jsonBody(ReferralFunnelSchema), ...problemResponses },
});

/** GET /admin/v1/referrals/funnel (every role reads it); mounted under `/admin/v1`. */
export const referralFunnelAdminRoutes = featureApp().openapi(funnelRoute, async (c) => {
  const params = c.req.valid("query");
  const { fromMs, toMs } = funnelRange(params, Date.now());
  const query = {
    fromMs,
    toMs,
    ruleId: params.ruleId ?? null,
    referrerId: params.referrerId ?? null,
  };
  const rows = await funnelFigures(c.env, query);
  return c.json(assembleFunnel({ query, ...rows }), 200);
});

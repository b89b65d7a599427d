import { createRoute, z } from "@hono/zod-openapi";
import { FINAL_PAYOUT_STATUSES, PAYOUT_STATUSES } from "#shared/payouts/types";
import { utcDay } from "#shared/time/clock";
import { featureApp } from "../../http/feature-app";
import { ADMIN_SECURITY, jsonBody, problemResponses } from "../../http/responses";
import { assembleOverview } from "./assemble";
import { OverviewSchema } from "./schemas";
import { overviewFigures } from "./store";
import { OVERVIEW_WINDOW_DAYS, overviewWindow } from "./window";

/** Payout statuses in which money is reserved and not yet settled either way. */
const IN_FLIGHT_PAYOUT_STATUSES = PAYOUT_STATUSES.filter((s) => !FINAL_PAYOUT_STATUSES.has(s));

/**
 * Report-reconciliation outcomes that need a person (reconciliation/decide.ts UNEXPLAINED;
 * named here, not imported, because features meet through their index and these are only
 * words in a column).
 */
const UNEXPLAINED_OUTCOMES = ["report_behind", "ignored", "unparseable", "unknown_to_network"];

const overviewRoute = createRoute({
  method: "get",
  path: "/overview",
  operationId: "getOverview",
  tags: ["operations"],
  security: ADMIN_SECURITY,
  summary: "Today and the last 30 days at a glance, and what needs an operator",
  description:
    `Clicks, conversions and cashback (pending, confirmed, paid) per currency for today and ` +
    `the ${OVERVIEW_WINDOW_DAYS} UTC days ending today, per-day series for charts, payouts in ` +
    "flight, and counts of the queues waiting for an operator. Read from the D1 projections " +
    "in one batch; they may lag the wallets by seconds. Money is in minor units per currency.",
  request: {
    query: z.object({
      asOf: z.iso
        .datetime({ offset: true })
        .optional()
        .describe("the figures' instant (default now): today is its UTC day; queues are as of now"),
    }),
  },
  responses: { 200: jsonBody(OverviewSchema), ...problemResponses },
});

/** GET /admin/v1/overview (every role may read it); mounted under `/admin/v1`. */
export const overviewAdminRoutes = featureApp().openapi(overviewRoute, async (c) => {
  const { asOf } = c.req.valid("query");
  const asOfMs = asOf ? Date.parse(asOf) : Date.now();
  const window = overviewWindow(asOfMs);
  const rows = await overviewFigures(c.env, {
    fromMs: window.fromMs,
    toMs: window.toMs,
    fromDay: utcDay(window.fromMs),
    toDay: utcDay(window.todayFromMs),
    inFlightStatuses: IN_FLIGHT_PAYOUT_STATUSES,
    unexplainedOutcomes: UNEXPLAINED_OUTCOMES,
  });
  return c.json(assembleOverview(window, asOfMs, rows), 200);
});

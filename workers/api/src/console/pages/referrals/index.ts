import { Hono } from "hono";
import type { ConsoleContext } from "../../context";
import { campaignsPage } from "./campaign-list";
import { funnelPage } from "./funnel";

/**
 * /console/referrals (docs/console.md, Referrals): the referral campaigns (referral rules)
 * and the funnel, all through the admin API (`/admin/v1/rules/live`,
 * `/admin/v1/referrals/funnel`).
 *
 * @example
 * console.route("/referrals", referralsRoutes);
 */
export const referralsRoutes = new Hono<ConsoleContext>()
  .get("/", campaignsPage)
  .get("/funnel", funnelPage);

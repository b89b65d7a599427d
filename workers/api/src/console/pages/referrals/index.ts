import { Hono } from "hono";
import type { ConsoleContext } from "../../context";
import { banAction, referrerPage } from "./ban";
import { campaignsPage } from "./campaign-list";
import { funnelPage } from "./funnel";
import { REFERRALS_BASE } from "./parts";
import { programRoutes } from "./program";
import { reasonTextsListPage, reasonTextsLocalePage, saveReasonTexts } from "./reason-texts";
import { decide, reviewPage } from "./review";
import { riskListRoutes } from "./risk-lists";
import { timelinePage } from "./timeline";

/**
 * /console/referrals (docs/console.md, Referrals): the referral campaigns (referral rules),
 * the funnel, the review queue of held referrals, each referral's timeline, the program's
 * settings and the risk lists, all through the admin API (`/admin/v1/rules/live`,
 * `/admin/v1/referrals/funnel`, `/admin/v1/referrals…`, `/admin/v1/risk-lists/{list}`).
 * The static paths come before `/:referralId`.
 *
 * @example
 * console.route("/referrals", referralsRoutes);
 */
export const referralsRoutes = new Hono<ConsoleContext>()
  .get("/", campaignsPage)
  .get("/funnel", funnelPage)
  .get("/review", (c) => reviewPage(c))
  .get("/program", programRoutes.show)
  .post("/program", programRoutes.save)
  .get("/risk-lists", riskListRoutes.show)
  .post("/risk-lists/:list", riskListRoutes.replace)
  .get("/reason-texts", reasonTextsListPage)
  .get("/reason-texts/:locale", (c) => reasonTextsLocalePage(c))
  .post("/reason-texts/:locale", (c) => saveReasonTexts(c, false))
  .post("/reason-texts/:locale/remove", (c) => saveReasonTexts(c, true))
  .get("/referrers/:userId", (c) => referrerPage(c))
  .post("/referrers/:userId/:action{ban|unban}", (c) =>
    banAction(c, c.req.param("action") === "ban" ? "ban" : "unban"),
  )
  .get("/:referralId", (c) => timelinePage(c))
  .post("/:referralId/:decision{approve|reject}", (c) =>
    // A refused decision comes back on the page its form was on: the queue or the referral's.
    decide(c, (ctx, failed, back) =>
      back.startsWith(`${REFERRALS_BASE}/review`)
        ? reviewPage(ctx, failed)
        : timelinePage(ctx, failed),
    ),
  );

import { Hono } from "hono";
import type { ConsoleContext } from "../../context";
import { decideBulk, holdsPage } from "./holds";
import { RISK_BASE, riskUserHref } from "./types";
import { decideOne, userRiskPage } from "./user";

/**
 * /console/risk: the risk review queue and each user's risk page (docs/console.md "Risk").
 */
export const riskRoutes = new Hono<ConsoleContext>()
  .get("/", (c) => c.redirect(`${RISK_BASE}/holds`, 303))
  .get("/holds", (c) => holdsPage(c))
  // The bulk form's answer is a page at this address: reloading it shows the queue again.
  .get("/holds/decisions", (c) => c.redirect(`${RISK_BASE}/holds${new URL(c.req.url).search}`, 303))
  .post("/holds/decisions", decideBulk)
  .get("/users", (c) => {
    const id = (c.req.query("id") ?? "").trim();
    return c.redirect(id ? riskUserHref(id) : `${RISK_BASE}/holds`, 303);
  })
  .get("/users/:id", (c) => userRiskPage(c))
  .post("/users/:id/holds/decision", decideOne);

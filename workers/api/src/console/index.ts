import { Hono } from "hono";
import { assetResponse } from "../features/docs/reference-assets";
import { type ApiApp, adminApiFor } from "./admin-api";
import type { ConsoleContext } from "./context";
import { requireCsrf } from "./http/csrf";
import { consoleSecurityHeaders } from "./http/security-headers";
import { requireSession } from "./http/session";
import { accountRoutes } from "./pages/account";
import { alertsRoutes } from "./pages/alerts/index";
import { analyticsRoutes } from "./pages/analytics";
import { analyticsFunnelsRoutes } from "./pages/analytics-funnels";
import { auditRoutes } from "./pages/audit/index";
import { catalogRoutes } from "./pages/catalog/index";
import { financeRoutes } from "./pages/finance";
import { loyaltyRoutes } from "./pages/loyalty/index";
import { deadLettersRoutes, promotionsRoutes, templatesRoutes } from "./pages/notifications/index";
import { notificationSettingsRoutes } from "./pages/notifications/settings";
import { operatorsRoutes } from "./pages/operators";
import { overviewPage } from "./pages/overview";
import { payoutsRoutes } from "./pages/payouts/index";
import { transactionsExport } from "./pages/payouts/transactions-export";
import { postbacksRoutes } from "./pages/postbacks/index";
import { reconciliationRoutes } from "./pages/reconciliation/index";
import { referralsRoutes } from "./pages/referrals/index";
import { reviewRoutes } from "./pages/review/index";
import { riskRoutes } from "./pages/risk/index";
import { rulesRoutes } from "./pages/rules/index";
import { signInRoutes, signOut } from "./pages/sign-in";
import { transactionsRoutes } from "./pages/transactions/index";
import { userDbMovesRoutes } from "./pages/user-db-moves";
import { usersRoutes } from "./pages/users/index";
import { CONSOLE_ASSETS } from "./static/assets";

/**
 * The operator console (docs/console.md): server-rendered pages under /console, part of the
 * api worker. Each page reads and acts through the admin API, called in-process as the
 * signed-in operator (admin-api.ts), so roles, validation and the audit log are the API's.
 * Page modules add their routes here, one line each.
 *
 * @example
 * app.route("/console", createConsole(app));
 */
export function createConsole(apiApp: ApiApp) {
  const console = new Hono<ConsoleContext>();
  console.use("*", ...consoleSecurityHeaders);

  console.get("/static/:name", (c) => {
    const asset = CONSOLE_ASSETS.find((a) => a.name === c.req.param("name"));
    if (!asset) return c.notFound();
    return assetResponse(asset, c.req.header("if-none-match") ?? null);
  });
  console.route("/", signInRoutes);

  // Everything below needs a live session, and every POST its CSRF token.
  console.use("*", requireSession);
  console.use("*", async (c, next) => {
    const { operator } = c.get("session");
    const origin = new URL(c.req.url).origin;
    const identity = { name: operator.email, scope: operator.role as never };
    c.set("api", adminApiFor(apiApp, c.env, c.executionCtx, origin, identity));
    await next();
  });
  console.use("*", requireCsrf);

  console.post("/sign-out", signOut);
  console.get("/", overviewPage);
  console.route("/operators", operatorsRoutes);
  console.route("/account", accountRoutes);
  console.route("/catalog", catalogRoutes);
  console.route("/rules", rulesRoutes);
  console.route("/users", usersRoutes);
  console.route("/loyalty", loyaltyRoutes);
  console.route("/notifications/templates", templatesRoutes);
  console.route("/notifications/promotions", promotionsRoutes);
  console.route("/notifications/dead-letters", deadLettersRoutes);
  console.route("/referrals", referralsRoutes);
  console.route("/notification-settings", notificationSettingsRoutes);
  // Before the /transactions/:id page route: a static path, matched first.
  console.get("/transactions/export.csv", transactionsExport);
  console.route("/transactions", transactionsRoutes);
  console.route("/postbacks", postbacksRoutes);
  console.route("/review", reviewRoutes);
  console.route("/risk", riskRoutes);
  console.route("/reconciliation", reconciliationRoutes);
  console.route("/payouts", payoutsRoutes);
  console.route("/alerts", alertsRoutes);
  console.route("/audit", auditRoutes);
  console.route("/user-db-moves", userDbMovesRoutes);
  console.route("/finance", financeRoutes);
  console.route("/analytics", analyticsFunnelsRoutes);
  console.route("/analytics", analyticsRoutes);
  return console;
}

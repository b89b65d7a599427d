import type { OpenAPIHono } from "@hono/zod-openapi";
import { except } from "hono/combine";
import { AppError, problemResponse } from "#shared/http/errors";
import { errorFields } from "#shared/observability/logger";
import { type ApiContext, requireAdmin, requireAdminScope, requireUser } from "./auth";
import { createConsole } from "./console/index";
import { auditAdminRoutes, auditAdminWrites } from "./features/admin-audit/index";
import { alertAdminRoutes } from "./features/alerts/index";
import { analyticsAdminRoutes, analyticsFunnelRoutes } from "./features/analytics/index";
import { budgetAdminRoutes } from "./features/budgets/index";
import { campaignAdminRoutes } from "./features/campaigns/index";
import { catalogAdminRoutes } from "./features/catalog/index";
import { claimAdminRoutes, claimUserRoutes } from "./features/claims/index";
import { clickUserRoutes } from "./features/clicks/index";
import { confirmationAdminRoutes } from "./features/confirmation/index";
import {
  catalogCaller,
  catalogPublicRoutes,
  PUBLIC_CATALOG_PATHS,
} from "./features/discovery/index";
import { mountDocs } from "./features/docs/index";
import { eventTypeAdminRoutes } from "./features/event-types/index";
import { fraudReadRoutes } from "./features/fraud/index";
import { loyaltyAdminRoutes, loyaltyUserRoutes } from "./features/loyalty/index";
import {
  loyaltyProgramAdminRoutes,
  loyaltyProgramUserRoutes,
} from "./features/loyalty-program/index";
import {
  notificationAddressRoutes,
  WEB_PUSH_KEY_PATH,
} from "./features/notifications/address-routes";
import { notificationAdminRoutes } from "./features/notifications/index";
import {
  notificationPreferenceAdminRoutes,
  notificationPreferenceUserRoutes,
} from "./features/notifications/preference-routes";
import {
  RECEIPT_PATHS,
  receiptRoutes,
  TWILIO_RECEIPT_PATH,
} from "./features/notifications/receipts-routes";
import { notificationSettingsAdminRoutes } from "./features/notifications/settings-routes";
import { notificationTemplateAdminRoutes } from "./features/notifications/templates-routes";
import {
  UNSUBSCRIBE_PATH,
  unsubscribeCaller,
  unsubscribeRoutes,
} from "./features/notifications/unsubscribe-routes";
import { notificationsAdminRoutes, operationsAdminRoutes } from "./features/operations/index";
import { operatorAdminRoutes } from "./features/operators/index";
import { overviewAdminRoutes } from "./features/overview/index";
import { payoutAdminRoutes, payoutUserRoutes, payoutWebhookRoutes } from "./features/payouts/index";
import { promoSendAdminRoutes } from "./features/promotions/index";
import { reconciliationAdminRoutes } from "./features/reconciliation/index";
import { referralFunnelAdminRoutes } from "./features/referral-funnel/index";
import { referralUserRoutes } from "./features/referral-records/index";
import { referralReviewRoutes } from "./features/referral-review/index";
import { reasonTextAdminRoutes, referralAdminRoutes } from "./features/referrals/index";
import { retentionAdminRoutes } from "./features/retention/index";
import { riskHoldAdminRoutes } from "./features/risk-holds/index";
import { riskLabelAdminRoutes } from "./features/risk-labels/index";
import { rulesAdminRoutes } from "./features/rules/index";
import { syncAdminRoutes } from "./features/sync/index";
import { userDbMoveAdminRoutes } from "./features/user-db-moves/index";
import { userMeRoutes, usersAdminRoutes } from "./features/users/index";
import { featureApp } from "./http/feature-app";
import { bodySizeLimit } from "./http/limits/body-size";
import { userRateLimit } from "./http/limits/user-rate-limit";
import { requestLogger } from "./http/request-logger";

/**
 * The api worker's HTTP app: cross-cutting middleware, then one sub-app per feature mounted
 * under its prefix (`/admin/v1` for operators, `/v1` for users, `/webhooks` for processors),
 * then the contract (`/openapi.json`, `/docs`).
 *
 * @example
 * export default { fetch: createApp().fetch };
 */
export function createApp() {
  const app: OpenAPIHono<ApiContext> = featureApp();

  app.use("*", requestLogger);
  // Admin: identify the key, record writes in the audit log (refusals too), then check scope.
  app.use("/admin/*", requireAdmin, auditAdminWrites(app), requireAdminScope);
  // Per user, every request, and writes more strictly (http/limits/user-rate-limit.ts). The
  // public catalog needs no token: anonymous callers are limited per IP, users as here.
  app.use(
    "/v1/*",
    except(
      [PUBLIC_CATALOG_PATHS, WEB_PUSH_KEY_PATH, UNSUBSCRIBE_PATH, ...RECEIPT_PATHS],
      requireUser,
      userRateLimit,
    ),
  );
  app.use(PUBLIC_CATALOG_PATHS, catalogCaller);
  // The signed unsubscribe link needs no login (its token is the credential).
  app.use(UNSUBSCRIBE_PATH, unsubscribeCaller);

  // Bodies are JSON. The content type is checked here, without reading the body; a body that
  // does not parse is rejected by the route's validator and rendered as a 400 by onError.
  app.use("*", async (c, next) => {
    const hasBody =
      (c.req.header("content-length") ?? "0") !== "0" ||
      c.req.header("transfer-encoding") !== undefined;
    const type = c.req.header("content-type") ?? "";
    if (
      ["POST", "PUT", "PATCH"].includes(c.req.method) &&
      // The console's forms post form data (console/index.ts reads them).
      !c.req.path.startsWith("/console/") &&
      // RFC 8058 one-click unsubscribe posts `List-Unsubscribe=One-Click` as a form.
      c.req.path !== UNSUBSCRIBE_PATH &&
      // Twilio's status callbacks are forms too (verified over their parameters).
      c.req.path !== TWILIO_RECEIPT_PATH &&
      hasBody &&
      !/^application\/([\w.+-]+\+)?json\b/i.test(type)
    ) {
      throw new AppError("unsupported_media_type", "send JSON with content-type: application/json");
    }
    await next();
  });
  // Bodies are bounded before anything parses them: 413 past API_MAX_BODY_BYTES.
  app.use("*", bodySizeLimit);

  // Operators (admin key).
  app.route("/admin/v1", catalogAdminRoutes);
  app.route("/admin/v1", campaignAdminRoutes);
  app.route("/admin/v1", budgetAdminRoutes);
  app.route("/admin/v1", confirmationAdminRoutes);
  app.route("/admin/v1", operationsAdminRoutes);
  app.route("/admin/v1", retentionAdminRoutes);
  app.route("/admin/v1", userDbMoveAdminRoutes);
  app.route("/admin/v1", notificationsAdminRoutes);
  app.route("/admin/v1", promoSendAdminRoutes);
  app.route("/admin/v1", notificationAdminRoutes);
  app.route("/admin/v1", notificationTemplateAdminRoutes);
  app.route("/admin/v1", usersAdminRoutes);
  app.route("/admin/v1", notificationPreferenceAdminRoutes);
  app.route("/admin/v1", notificationSettingsAdminRoutes);
  app.route("/admin/v1", loyaltyAdminRoutes);
  app.route("/admin/v1", loyaltyProgramAdminRoutes);
  // Before the referrals' own routes: /referrals/funnel is a static path, matched first.
  app.route("/admin/v1", referralFunnelAdminRoutes);
  app.route("/admin/v1", referralAdminRoutes);
  app.route("/admin/v1", reasonTextAdminRoutes);
  // After the program's routes: `/referrals/program` is theirs, not a referral id.
  app.route("/admin/v1", referralReviewRoutes);
  app.route("/admin/v1", reconciliationAdminRoutes);
  app.route("/admin/v1", syncAdminRoutes);
  app.route("/admin/v1", claimAdminRoutes);
  app.route("/admin/v1", payoutAdminRoutes);
  app.route("/admin/v1", riskHoldAdminRoutes());
  app.route("/admin/v1", riskLabelAdminRoutes);
  app.route("/admin/v1", auditAdminRoutes);
  app.route("/admin/v1", operatorAdminRoutes);
  app.route("/admin/v1", overviewAdminRoutes);
  app.route("/admin/v1", alertAdminRoutes);
  app.route("/admin/v1", analyticsAdminRoutes);
  app.route("/admin/v1", analyticsFunnelRoutes);
  app.route("/admin/v1", eventTypeAdminRoutes);
  app.route("/admin/v1", rulesAdminRoutes);
  app.route("/admin/v1", fraudReadRoutes());
  // Users (JWT).
  app.route("/v1", userMeRoutes);
  app.route("/v1", notificationPreferenceUserRoutes);
  app.route("/v1", loyaltyUserRoutes);
  app.route("/v1", loyaltyProgramUserRoutes);
  app.route("/v1", clickUserRoutes);
  app.route("/v1", claimUserRoutes);
  app.route("/v1", payoutUserRoutes);
  app.route("/v1", referralUserRoutes);
  app.route("/v1", notificationAddressRoutes);
  // Anyone holding a signed unsubscribe link.
  app.route("/", unsubscribeRoutes);
  // Receipts: providers' signed callbacks, the push receipt, the e-mail pixel and links.
  app.route("/", receiptRoutes);
  // Shoppers, with or without a user token.
  app.route("/v1", catalogPublicRoutes);
  // Payout processors (their own signatures).
  app.route("/webhooks", payoutWebhookRoutes);

  // Operators' console (server-rendered pages, a session cookie; console/index.ts).
  app.route("/console", createConsole(app));

  mountDocs(app);
  app.get("/healthz", (c) => c.json({ ok: true, worker: "api" }));

  app.notFound(() => problemResponse(new AppError("not_found", "no such route")));
  app.onError((error, c) => {
    const problem = problemResponse(error);
    if (problem.status >= 500) c.get("log")?.error("api.unexpected_error", errorFields(error));
    return problem;
  });
  return app;
}

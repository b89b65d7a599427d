import type { OpenAPIHono } from "@hono/zod-openapi";
import { AppError, problemResponse } from "#shared/http/errors";
import { errorFields } from "#shared/observability/logger";
import { type ApiContext, requireAdmin, requireUser } from "./auth";
import { campaignAdminRoutes } from "./features/campaigns/index";
import { catalogAdminRoutes } from "./features/catalog/index";
import { mountDocs } from "./features/docs/index";
import { syncAdminRoutes } from "./features/sync/index";
import { userMeRoutes, usersAdminRoutes } from "./features/users/index";
import { featureApp } from "./http/feature-app";
import { requestLogger } from "./http/request-logger";
import { registerClaimRoutes } from "./routes/claims";
import { registerFinanceAdmin } from "./routes/finance-admin";
import { registerGiftCardRoutes } from "./routes/gift-cards";
import { registerNotificationsAdmin } from "./routes/notifications-admin";
import { registerOpsAdmin } from "./routes/ops-admin";
import { registerPayoutReconAdmin } from "./routes/payout-recon-admin";
import { registerPayoutWebhooks } from "./routes/payout-webhooks";
import { registerPayoutsAdmin } from "./routes/payouts-admin";
import { registerReconciliationAdmin } from "./routes/reconciliation-admin";
import { registerRedemptionRoutes } from "./routes/redemptions";

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
  app.use("/admin/*", requireAdmin);
  app.use("/v1/*", requireUser);

  // Bodies are JSON. The content type is checked here, without reading the body; a body that
  // does not parse is rejected by the route's validator and rendered as a 400 by onError.
  app.use("*", async (c, next) => {
    const hasBody =
      (c.req.header("content-length") ?? "0") !== "0" ||
      c.req.header("transfer-encoding") !== undefined;
    const type = c.req.header("content-type") ?? "";
    if (
      ["POST", "PUT", "PATCH"].includes(c.req.method) &&
      hasBody &&
      !/^application\/([\w.+-]+\+)?json\b/i.test(type)
    ) {
      throw new AppError("unsupported_media_type", "send JSON with content-type: application/json");
    }
    await next();
  });

  app.route("/admin/v1", catalogAdminRoutes);
  app.route("/admin/v1", campaignAdminRoutes);
  registerOpsAdmin(app);
  app.route("/admin/v1", usersAdminRoutes);
  registerReconciliationAdmin(app);
  app.route("/admin/v1", syncAdminRoutes);
  registerGiftCardRoutes(app);
  registerFinanceAdmin(app);
  registerNotificationsAdmin(app);
  registerPayoutReconAdmin(app);
  registerPayoutsAdmin(app);
  registerPayoutWebhooks(app);
  registerRedemptionRoutes(app);
  registerClaimRoutes(app);
  app.route("/v1", userMeRoutes);

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

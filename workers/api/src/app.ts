import { OpenAPIHono } from "@hono/zod-openapi";
import { AppError, fieldsFromZod, problemResponse } from "#shared/http/errors";
import { type ApiContext, requireAdmin, requireUser } from "./auth";
import { registerReferencePage } from "./docs-page";
import { OPENAPI_CONFIG } from "./openapi/info";
import { registerCampaignAdmin } from "./routes/campaigns-admin";
import { registerCatalogAdmin } from "./routes/catalog-admin";
import { registerClaimRoutes } from "./routes/claims";
import { registerFinanceAdmin } from "./routes/finance-admin";
import { registerGiftCardRoutes } from "./routes/gift-cards";
import { registerKycAdmin } from "./routes/kyc-admin";
import { registerNotificationsAdmin } from "./routes/notifications-admin";
import { registerOpsAdmin } from "./routes/ops-admin";
import { registerPayoutReconAdmin } from "./routes/payout-recon-admin";
import { registerPayoutWebhooks } from "./routes/payout-webhooks";
import { registerPayoutsAdmin } from "./routes/payouts-admin";
import { registerReconciliationAdmin } from "./routes/reconciliation-admin";
import { registerRedemptionRoutes } from "./routes/redemptions";
import { registerSyncAdmin } from "./routes/sync-admin";
import { registerUserRoutes } from "./routes/user";
import { registerUsersAdmin } from "./routes/users-admin";

export function createApp() {
  const app = new OpenAPIHono<ApiContext>({
    // Every validation failure becomes one problem+json 400 listing each bad field.
    defaultHook: (result) => {
      if (!result.success) {
        throw new AppError(
          "validation_failed",
          "the request did not pass validation",
          fieldsFromZod(result.error.issues),
        );
      }
    },
  });

  app.openAPIRegistry.registerComponent("securitySchemes", "adminKey", {
    type: "http",
    scheme: "bearer",
    description: "The operator's ADMIN_API_KEY",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "userJwt", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: "HS256 JWT minted by the operator's backend: sub = user id, exp required",
  });

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

  registerCatalogAdmin(app);
  registerCampaignAdmin(app);
  registerOpsAdmin(app);
  registerUsersAdmin(app);
  registerReconciliationAdmin(app);
  registerSyncAdmin(app);
  registerGiftCardRoutes(app);
  registerKycAdmin(app);
  registerFinanceAdmin(app);
  registerNotificationsAdmin(app);
  registerPayoutReconAdmin(app);
  registerPayoutsAdmin(app);
  registerPayoutWebhooks(app);
  registerRedemptionRoutes(app);
  registerClaimRoutes(app);
  registerUserRoutes(app);

  app.doc31("/openapi.json", OPENAPI_CONFIG);
  registerReferencePage(app, () => app.getOpenAPI31Document(OPENAPI_CONFIG));
  app.get("/healthz", (c) => c.json({ ok: true, worker: "api" }));

  app.notFound(() => problemResponse(new AppError("not_found", "no such route")));
  app.onError((error) => {
    const problem = problemResponse(error);
    if (problem.status >= 500) console.error("api worker error", { error: String(error) });
    return problem;
  });
  return app;
}

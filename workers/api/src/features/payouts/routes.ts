import { featureApp } from "../../http/feature-app";
import { payoutAdminRoutes as payoutsAdmin } from "./admin-routes";
import { destinationAdminRoutes } from "./destination-admin-routes";
import { destinationRoutes } from "./destination-routes";
import { financeAdminRoutes } from "./finance-routes";
import { giftCardAdminRoutes, giftCardUserRoutes } from "./gift-card-routes";
import { payoutReconRoutes } from "./recon-routes";
import { redemptionRoutes } from "./redemption-routes";
import { payoutWebhookRoutes } from "./webhook-routes";

/**
 * The payouts feature's sub-apps, one per audience, each composed of its sub-concerns'
 * routes (every file there declares paths relative to the mount point).
 *
 * @example
 * app.route("/v1", payoutUserRoutes);
 * app.route("/admin/v1", payoutAdminRoutes);
 * app.route("/webhooks", payoutWebhookRoutes);
 */
export const payoutUserRoutes = featureApp()
  .route("/", destinationRoutes)
  .route("/", redemptionRoutes)
  .route("/", giftCardUserRoutes);

export const payoutAdminRoutes = featureApp()
  .route("/", giftCardAdminRoutes)
  .route("/", financeAdminRoutes)
  .route("/", payoutReconRoutes())
  .route("/", destinationAdminRoutes)
  .route("/", payoutsAdmin);

export { payoutWebhookRoutes };

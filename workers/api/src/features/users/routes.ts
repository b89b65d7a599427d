import { featureApp } from "../../http/feature-app";
import { userEventAdminRoutes } from "./admin-event-routes";
import { userLedgerExportAdminRoutes } from "./admin-ledger-export-routes";
import { userReadAdminRoutes } from "./admin-read-routes";
import { userWriteAdminRoutes } from "./admin-routes";
import { userSegmentAdminRoutes } from "./admin-segment-routes";

/**
 * Users admin, mounted under `/admin/v1`: registration and KYC (admin-routes.ts), and the
 * reads of one user and their wallet (admin-read-routes.ts), the user's first-party events
 * and contact details (admin-event-routes.ts), and the segments rules read
 * (admin-segment-routes.ts), and the ledger export with its chain proofs
 * (admin-ledger-export-routes.ts).
 *
 * @example
 * app.route("/admin/v1", usersAdminRoutes);
 */
export const usersAdminRoutes = featureApp()
  .route("/", userWriteAdminRoutes)
  .route("/", userReadAdminRoutes)
  .route("/", userEventAdminRoutes)
  .route("/", userSegmentAdminRoutes)
  .route("/", userLedgerExportAdminRoutes);

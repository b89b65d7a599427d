import { featureApp } from "../../http/feature-app";
import { userReadAdminRoutes } from "./admin-read-routes";
import { userWriteAdminRoutes } from "./admin-routes";

/**
 * Users admin, mounted under `/admin/v1`: registration and KYC (admin-routes.ts), and the
 * reads of one user and their wallet (admin-read-routes.ts).
 *
 * @example
 * app.route("/admin/v1", usersAdminRoutes);
 */
export const usersAdminRoutes = featureApp()
  .route("/", userWriteAdminRoutes)
  .route("/", userReadAdminRoutes);

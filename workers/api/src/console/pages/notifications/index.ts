import { Hono } from "hono";
import type { ConsoleContext } from "../../context";
import { PROMOTIONS_BASE, promotionsRoutes } from "./promotions";

/** /console/notifications (docs/notifications.md): promotional sends. */
export const notificationsRoutes = new Hono<ConsoleContext>()
  .get("/", (c) => c.redirect(PROMOTIONS_BASE, 302))
  .route("/promotions", promotionsRoutes);

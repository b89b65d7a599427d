import { Hono } from "hono";
import type { ConsoleContext } from "../../context";
import { campaignsRoutes } from "./campaigns";
import { merchantsRoutes } from "./merchants";
import { networksRoutes } from "./networks";
import { offersRoutes } from "./offers";
import { CATALOG_BASE } from "./parts";

/**
 * /console/catalog (docs/console.md, Catalog): networks, merchants, offers and campaigns,
 * each a list, a page per entity and create/edit forms, all through the admin API.
 *
 * @example
 * console.route("/catalog", catalogRoutes);
 */
export const catalogRoutes = new Hono<ConsoleContext>()
  .get("/", (c) => c.redirect(`${CATALOG_BASE}/offers`, 303))
  .route("/networks", networksRoutes)
  .route("/merchants", merchantsRoutes)
  .route("/offers", offersRoutes)
  .route("/campaigns", campaignsRoutes);

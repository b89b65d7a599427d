import { Hono } from "hono";
import type { ConsoleContext } from "../../context";
import { budgetsPage } from "./budgets";
import { draftPage, publish, saveDraft } from "./draft";
import { livePage, rollback, versionPage } from "./live";
import { simulateFromForm, simulatorForm } from "./simulator";

/**
 * /console/rules (docs/console.md, Rules): the live version with its history and rollback,
 * the draft editor with its diff and Publish, the simulator with its trace, and budgets, all
 * through the admin API (`/admin/v1/rules/*`, `/admin/v1/budgets/{key}`).
 *
 * @example
 * console.route("/rules", rulesRoutes);
 */
export const rulesRoutes = new Hono<ConsoleContext>()
  .get("/", livePage)
  .get("/versions/:version", (c) => versionPage(c))
  .post("/rollback", rollback)
  .get("/draft", (c) => draftPage(c))
  .post("/draft", saveDraft)
  .post("/publish", publish)
  .get("/simulate", simulatorForm)
  .post("/simulate", simulateFromForm)
  .get("/budgets", budgetsPage);

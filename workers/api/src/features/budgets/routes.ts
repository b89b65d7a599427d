import { createRoute } from "@hono/zod-openapi";
import { budgetFor } from "#durable-objects/budget/index";
import { AppError } from "#shared/http/errors";
import { toIso } from "../../http/common-schemas";
import { featureApp } from "../../http/feature-app";
import { ADMIN_SECURITY, jsonBody, problemResponses } from "../../http/responses";
import { BudgetKeyParamSchema, BudgetUsageSchema } from "./schemas";

const getRoute = createRoute({
  method: "get",
  path: "/budgets/{key}",
  operationId: "getBudget",
  tags: ["budgets"],
  security: ADMIN_SECURITY,
  summary: "One rule budget's use in its period: asked vs granted vs released vs remaining",
  description:
    "Read from the budget's single writer (one Durable Object per budget key). The key is " +
    "rule × entity (user, campaign, global) × period in the program's time zone, URL-encoded " +
    "in the path. 404 until a reward has drawn on it (a campaign's budget: until it is configured).",
  request: { params: BudgetKeyParamSchema },
  responses: { 200: jsonBody(BudgetUsageSchema), ...problemResponses },
});

/** GET /admin/v1/budgets/{key} (every role may read it); mounted under `/admin/v1`. */
export const budgetAdminRoutes = featureApp().openapi(getRoute, async (c) => {
  const { key } = c.req.valid("param");
  // With the key, a campaign budget from before campaigns were rules is handed over first.
  const usage = await budgetFor(c.env, key).usage(key);
  if (!usage) throw new AppError("not_found", "no reward has drawn on this budget yet");
  const { updatedAtMs, ...rest } = usage;
  return c.json({ ...rest, partial: rest.partial ?? false, updatedAt: toIso(updatedAtMs) }, 200);
});

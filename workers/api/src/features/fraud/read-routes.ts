import { createRoute } from "@hono/zod-openapi";
import { UserIdParamSchema } from "../../http/common-schemas";
import { featureApp } from "../../http/feature-app";
import { ADMIN_SECURITY, jsonBody, problemResponses } from "../../http/responses";
import { walletOf } from "../../wallet-client";
import { linkedAccounts } from "./linked-accounts";
import { AdminUserRiskSchema } from "./read-schemas";
import { liveRiskPorts, type RiskPorts } from "./risk-ports";

/** Holds shown per user: the newest ones. */
const HOLDS_SHOWN = 100;

const getUserRiskRoute = createRoute({
  method: "get",
  path: "/risk/users/{id}",
  operationId: "getAdminUserRisk",
  tags: ["fraud"],
  security: ADMIN_SECURITY,
  summary: "A user's risk: score with reasons and history, holds, linked accounts",
  description:
    "The score (0–100), the reasons in force and the score's history come from the user's " +
    "risk object; the holds from their wallet; the accounts linked through shared " +
    "identifiers (device, IP network, payment instrument, e-mail, phone) from D1, bounded to " +
    "depth 2 and 25 accounts. Identifiers are never shown, only the kind two accounts share. " +
    "While scoring cannot answer, `risk` is null and the rest still shows. Every role reads.",
  request: { params: UserIdParamSchema },
  responses: { 200: jsonBody(AdminUserRiskSchema), ...problemResponses },
});

/**
 * Operators' fraud reads (docs/fraud.md "API").
 *
 * @example
 * app.route("/admin/v1", fraudReadRoutes());
 */
export function fraudReadRoutes(ports: RiskPorts = liveRiskPorts) {
  return featureApp().openapi(getUserRiskRoute, async (c) => {
    const { id } = c.req.valid("param");
    const [risk, holds, links] = await Promise.all([
      ports.riskOf(c.env, id),
      walletOf(c.env, id).getRiskHolds(HOLDS_SHOWN),
      linkedAccounts(c.env.DB, id),
    ]);
    return c.json({ userId: id, risk, holds, linkedAccounts: links }, 200);
  });
}

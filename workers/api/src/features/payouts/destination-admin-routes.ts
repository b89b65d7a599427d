import { createRoute, z } from "@hono/zod-openapi";
import { AppError } from "#shared/http/errors";
import { UserIdParamSchema } from "../../http/common-schemas";
import { featureApp } from "../../http/feature-app";
import { ADMIN_SECURITY, jsonBody, problemResponses } from "../../http/responses";
import { walletOf } from "../../wallet-client";
import { readUser } from "../users/index";
import { DestinationSchema } from "./schemas";
import { destinationView } from "./views";

const destinationsRoute = createRoute({
  method: "get",
  path: "/users/{id}/destinations",
  operationId: "listAdminUserDestinations",
  tags: ["payouts"],
  security: ADMIN_SECURITY,
  summary: "A user's payout destinations, masked (the details are never shown)",
  description:
    "The same view the user gets: type, label, the masked form (last characters), status and " +
    "cooling-off. The sealed details stay in the user's wallet; no admin route reveals them.",
  request: { params: UserIdParamSchema },
  responses: {
    200: jsonBody(z.object({ items: z.array(DestinationSchema) })),
    ...problemResponses,
  },
});

/** The operator's masked view of a user's destinations; mounted under `/admin/v1`. */
export const destinationAdminRoutes = featureApp().openapi(destinationsRoute, async (c) => {
  const { id } = c.req.valid("param");
  // An unknown id is a 404 before any wallet is woken, so a typo never creates one.
  if (!(await readUser(c.env, id))) throw new AppError("not_found", "no such user");
  const destinations = await walletOf(c.env, id).getDestinations();
  return c.json({ items: destinations.map(destinationView) }, 200);
});

import { createRoute, z } from "@hono/zod-openapi";
import { toIso } from "../../http/common-schemas";
import { featureApp } from "../../http/feature-app";
import { jsonBody, problemResponses, USER_SECURITY } from "../../http/responses";
import { walletOf } from "../../wallet-client";

const listClicksRoute = createRoute({
  method: "get",
  path: "/me/clicks",
  operationId: "listClicks",
  tags: ["clicks"],
  security: USER_SECURITY,
  summary: "The caller's recent clicks (kept for the attribution window plus a week)",
  request: { query: z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) }) },
  responses: {
    200: jsonBody(
      z.object({
        items: z.array(
          z.object({
            clickId: z.string(),
            offerId: z.string(),
            clickedAt: z.string(),
            currency: z.string(),
          }),
        ),
      }),
    ),
    ...problemResponses,
  },
});

/** The caller's recent clicks, as their wallet holds them; mounted under `/v1`. */
export const clickUserRoutes = featureApp().openapi(listClicksRoute, async (c) => {
  const clicks = await walletOf(c.env, c.get("userId")).getClicks(c.req.valid("query").limit);
  return c.json(
    {
      items: clicks.map((k) => ({
        clickId: k.clickId,
        offerId: k.offerId,
        clickedAt: toIso(k.clickedAtMs),
        currency: k.currency,
      })),
    },
    200,
  );
});

import { createRoute, z } from "@hono/zod-openapi";
import { AppError } from "#shared/http/errors";
import { featureApp } from "../../http/feature-app";
import { ADMIN_SECURITY, jsonBody, problemResponses } from "../../http/responses";
import { runConfirmationBackstop } from "./backstop";

const runConfirmationsRoute = createRoute({
  method: "post",
  path: "/confirmations/run",
  operationId: "runConfirmations",
  tags: ["confirmation"],
  security: ADMIN_SECURITY,
  summary: "Confirm every pending transaction whose return window has passed, as its policy allows",
  description:
    "Runs the same backstop the cron runs: wallets with transactions whose expected confirmation date has passed close their return windows. Under the `return_window` policy that confirms them; transactions awaiting the network (`network_approval`, or `both` before the approval) have no date and wait for the network. " +
    '`asOf` later than now is accepted only where ALLOW_CLOCK_OVERRIDE is "true" (development and tests), to demonstrate confirmation without waiting.',
  request: {
    body: {
      required: false,
      content: {
        "application/json": {
          schema: z.object({ asOf: z.iso.datetime({ offset: true }).optional() }).strict(),
        },
      },
    },
  },
  responses: {
    200: jsonBody(
      z.object({
        asOf: z.string(),
        usersVisited: z.number(),
        confirmed: z.number(),
        failures: z.number(),
      }),
    ),
    ...problemResponses,
  },
});

/** The operator's trigger for the backstop the cron runs; mounted under `/admin/v1`. */
export const confirmationAdminRoutes = featureApp().openapi(runConfirmationsRoute, async (c) => {
  const nowMs = Date.now();
  const body = c.req.valid("json") ?? {};
  let asOfMs = nowMs;
  if (body.asOf) {
    asOfMs = Date.parse(body.asOf);
    if (asOfMs > nowMs && c.env.ALLOW_CLOCK_OVERRIDE !== "true") {
      throw new AppError(
        "forbidden",
        "asOf in the future needs ALLOW_CLOCK_OVERRIDE=true (development only)",
      );
    }
  }
  return c.json(await runConfirmationBackstop(c.env, asOfMs), 200);
});

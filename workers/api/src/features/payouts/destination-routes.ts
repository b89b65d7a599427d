import { createRoute, z } from "@hono/zod-openapi";
import { AppError } from "#shared/http/errors";
import { destinationIdFor, newId } from "#shared/ids";
import { capReached } from "#shared/limits/rate-limit";
import { createLogger } from "#shared/observability/logger";
import { featureApp } from "../../http/feature-app";
import {
  CONFLICT_RESPONSE,
  jsonBody,
  problemResponses,
  UNAVAILABLE_RESPONSE,
  USER_SECURITY,
} from "../../http/responses";
import { type DestinationResult, walletOf } from "../../wallet-client";
import { payoutPolicyOf } from "./policy";
import {
  DestinationIdParam,
  DestinationInputSchema,
  DestinationSchema,
  IdempotencyHeaders,
} from "./schemas";
import { destinationView } from "./views";

const log = createLogger({ worker: "api", feature: "payouts" });
const security = USER_SECURITY;
const tags = ["payouts"];

function destinationOrThrow(result: DestinationResult) {
  switch (result.status) {
    case "not_found":
      throw new AppError("not_found", "no such payout destination");
    case "too_many":
      throw new AppError("conflict", "remove a destination before adding another (10 at most)");
    case "change_cap_reached":
      throw capReached(
        "destination_change_cap_reached",
        "too many payout destinations added or removed in the last 24 hours",
        result.retryAtMs,
        Date.now(),
      );
    case "idempotency_conflict":
      throw new AppError(
        "idempotency_conflict",
        "this Idempotency-Key added a destination with other details",
      );
    case "step_up_required":
    case "step_up_failed":
      throw new AppError(result.status, result.detail);
    case "no_keys":
      log.error("payouts.details_keys_unusable");
      throw new AppError("unavailable", "payout destinations cannot be stored right now");
    default:
      return result;
  }
}

/**
 * The details apart from the step-up code: the code is not part of the destination (nor of
 * the request's digest, so a retried add with another code is the same add).
 */
function splitStepUp<T extends { stepUp?: StepUp | undefined }>(
  body: T,
): { input: WithoutStepUp<T>; stepUp: StepUp | null } {
  const { stepUp, ...input } = body;
  return { input: input as WithoutStepUp<T>, stepUp: stepUp ?? null };
}

type StepUp = { challengeId: string; code: string };
/** Each member of the union without its `stepUp` (a plain Omit would merge the members). */
type WithoutStepUp<T> = T extends unknown ? Omit<T, "stepUp"> : never;

const listDestinationsRoute = createRoute({
  operationId: "listPayoutDestinations",
  method: "get",
  path: "/me/payout-destinations",
  tags,
  security,
  summary: "The caller's bank accounts and UPI ids, masked",
  responses: {
    200: jsonBody(z.object({ items: z.array(DestinationSchema) })),
    ...problemResponses,
  },
});

const addDestinationRoute = createRoute({
  operationId: "createPayoutDestination",
  method: "post",
  path: "/me/payout-destinations",
  tags,
  security,
  summary:
    "Add a bank account or UPI id. Details are encrypted at rest and only shown masked; it can receive money after the cooling-off period.",
  request: {
    headers: z.object({
      "idempotency-key": IdempotencyHeaders.shape["idempotency-key"].optional(),
    }),
    body: { required: true, content: { "application/json": { schema: DestinationInputSchema } } },
  },
  responses: {
    201: jsonBody(DestinationSchema, "added"),
    200: jsonBody(DestinationSchema, "already added with this Idempotency-Key"),
    ...problemResponses,
    ...CONFLICT_RESPONSE,
    ...UNAVAILABLE_RESPONSE,
  },
});

const updateDestinationRoute = createRoute({
  operationId: "putPayoutDestination",
  method: "put",
  path: "/me/payout-destinations/{id}",
  tags,
  security,
  summary: "Replace a destination's details; the cooling-off period starts again",
  request: {
    params: DestinationIdParam,
    body: { required: true, content: { "application/json": { schema: DestinationInputSchema } } },
  },
  responses: {
    200: jsonBody(DestinationSchema),
    ...problemResponses,
    ...CONFLICT_RESPONSE,
    ...UNAVAILABLE_RESPONSE,
  },
});

const removeDestinationRoute = createRoute({
  operationId: "deletePayoutDestination",
  method: "delete",
  path: "/me/payout-destinations/{id}",
  tags,
  security,
  summary: "Remove a destination",
  request: { params: DestinationIdParam },
  responses: {
    200: jsonBody(DestinationSchema),
    ...problemResponses,
    ...CONFLICT_RESPONSE,
    ...UNAVAILABLE_RESPONSE,
  },
});

/** The caller's bank accounts and UPI ids; mounted under `/v1`. */
export const destinationRoutes = featureApp()
  .openapi(listDestinationsRoute, async (c) => {
    const items = await walletOf(c.env, c.get("userId")).getDestinations();
    return c.json({ items: items.map(destinationView) }, 200);
  })
  .openapi(addDestinationRoute, async (c) => {
    const userId = c.get("userId");
    const key = c.req.valid("header")["idempotency-key"];
    const destinationId = key ? await destinationIdFor(userId, key) : newId("destination");
    const { input, stepUp } = splitStepUp(c.req.valid("json"));
    const result = destinationOrThrow(
      await walletOf(c.env, userId).addDestination(
        userId,
        destinationId,
        input,
        payoutPolicyOf(c.env),
        Date.now(),
        stepUp,
      ),
    );
    return c.json(destinationView(result.destination), result.status === "created" ? 201 : 200);
  })
  .openapi(updateDestinationRoute, async (c) => {
    const userId = c.get("userId");
    const { input, stepUp } = splitStepUp(c.req.valid("json"));
    const result = destinationOrThrow(
      await walletOf(c.env, userId).updateDestination(
        userId,
        c.req.valid("param").id,
        input,
        payoutPolicyOf(c.env),
        Date.now(),
        stepUp,
      ),
    );
    return c.json(destinationView(result.destination), 200);
  })
  .openapi(removeDestinationRoute, async (c) => {
    const result = destinationOrThrow(
      await walletOf(c.env, c.get("userId")).removeDestination(
        c.req.valid("param").id,
        Date.now(),
        payoutPolicyOf(c.env).destinationChangesPerDay,
      ),
    );
    return c.json(destinationView(result.destination), 200);
  });

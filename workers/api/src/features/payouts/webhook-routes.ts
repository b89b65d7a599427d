import { createRoute, z } from "@hono/zod-openapi";
import { AppError } from "#shared/http/errors";
import { featureApp } from "../../http/feature-app";
import { jsonBody, problemResponses } from "../../http/responses";
import { walletOf } from "../../wallet-client";
import { payoutProcessorFor, processorViewOf } from "./processor-client";
import { payoutOwnerOf } from "./store";

const webhookRoute = createRoute({
  method: "post",
  path: "/payouts/{processorId}",
  operationId: "receivePayoutWebhook",
  tags: ["payouts"],
  // Authenticated by the processor's signature over the raw body, not by a client credential.
  security: [],
  summary:
    "Payout status from the processor (processing, completed, failed). Verified by the processor's signature; replays and reordering change nothing.",
  request: {
    params: z.object({
      processorId: z
        .string()
        .max(32)
        .openapi({ param: { name: "processorId", in: "path" } }),
    }),
    body: {
      required: true,
      description: "the processor's signed event; its shape is the processor's own",
      content: {
        "application/json": {
          schema: z.record(z.string(), z.unknown()).openapi("ProcessorEvent"),
        },
      },
    },
  },
  responses: {
    200: jsonBody(
      z.object({
        outcome: z
          .enum(["applied", "ignored", "replay", "conflict"])
          .describe("ignored: older news than the payout's state; replay: this event was seen"),
      }),
    ),
    ...problemResponses,
  },
});

/**
 * The processor's status callbacks; mounted under `/webhooks`. The route is documented but
 * registered as a plain handler: a body validator would consume the request, and the
 * signature must be checked over the raw bytes, which the adapter reads (bounded) itself.
 */
export const payoutWebhookRoutes = featureApp();
payoutWebhookRoutes.openAPIRegistry.registerPath(webhookRoute);
payoutWebhookRoutes.post("/payouts/:processorId", async (c) => {
  const processor = payoutProcessorFor(c.env);
  if (c.req.param("processorId") !== processor.id) {
    throw new AppError("not_found", "no such payout processor");
  }
  const parsed = await processor.parseWebhook(c.req.raw, Date.now());
  if (!parsed.ok) {
    throw parsed.reason === "malformed"
      ? new AppError("bad_request", parsed.detail)
      : new AppError("invalid_signature", parsed.detail);
  }
  const { event } = parsed;
  const userId = await payoutOwnerOf(c.env, event.payoutId);
  // Unknown here: the processor retries, and reconciliation reports it if it stays unknown.
  if (!userId) throw new AppError("not_found", "no such payout");
  const result = await walletOf(c.env, userId).applyProcessorState(
    event.payoutId,
    processorViewOf(event),
    { eventId: event.eventId, processorId: processor.id },
  );
  if (result.outcome === "not_found") throw new AppError("not_found", "no such payout");
  return c.json({ outcome: result.outcome }, 200);
});

import { createRoute, z } from "@hono/zod-openapi";
import { type DbRouterEnv, globalDb } from "#shared/db/router";
import { AppError } from "#shared/http/errors";
import { categoryOf, NOTIFICATION_TYPES } from "#shared/notify/catalog";
import type { NotificationEventMessage } from "#shared/notify/message";
import { toIso, toIsoOrNull, UserIdParamSchema } from "../../http/common-schemas";
import { featureApp } from "../../http/feature-app";
import { ADMIN_SECURITY, jsonBody, problem, problemResponses } from "../../http/responses";
import {
  type DeadLetterRow,
  deadLetterById,
  listDeadLetters,
  markReplayed,
  unmarkReplayed,
} from "./dead-letters";
import { type DeliveryRow, listUserDeliveries, replayDelivery } from "./deliveries";
import { queueFor } from "./router";

const tags = ["notifications"];
const security = ADMIN_SECURITY;

const DeadLetterSchema = z
  .object({
    id: z.string(),
    deliveryId: z.string(),
    eventId: z.string(),
    userId: z.string(),
    type: z.string(),
    channel: z
      .string()
      .describe("webhook, email, sms or push; `all` when no delivery was recorded"),
    error: z.string().describe("The channel's last error (never the message body)"),
    attempts: z.number().int(),
    status: z.enum(["open", "replayed"]),
    createdAt: z.string(),
    replayedAt: z.string().nullable(),
    replayedBy: z.string().nullable(),
  })
  .openapi("NotificationDeadLetter");

const DeliverySchema = z
  .object({
    id: z.string().describe("Stable per (event, channel, recipient)"),
    eventId: z.string(),
    type: z.string(),
    category: z.string(),
    channel: z.string(),
    state: z.enum(["pending", "sending", "sent", "skipped", "deferred", "failed", "dead"]),
    attempts: z.number().int(),
    reason: z.string().nullable(),
    providerRef: z.string().nullable(),
    deliverAfter: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    sentAt: z.string().nullable(),
    deliveredAt: z
      .string()
      .nullable()
      .describe("the first delivery receipt (provider, push shown, webhook 2xx)"),
    openedAt: z
      .string()
      .nullable()
      .describe("the first open receipt (pixel, tracked link, push clicked, provider)"),
    receiptFailure: z
      .string()
      .nullable()
      .describe("the provider's bad news: bounced, complained, undelivered or failed"),
    escalatedAt: z
      .string()
      .nullable()
      .describe("an unopened transactional push escalated to e-mail at this time"),
  })
  .openapi("NotificationDelivery");

const CURSOR = /^(\d{1,16})\.(ndl_[0-9a-f]{32})$/;

const listRoute = createRoute({
  method: "get",
  path: "/notifications/dead-letters",
  operationId: "listNotificationDeadLetters",
  tags,
  security,
  summary: "Notification deliveries that will not go out by themselves, newest first",
  description:
    "A delivery lands here when its channel refused it (a non-retryable error) or when the " +
    "queue gave up after its last retry. `open` ones can be replayed once.",
  request: {
    query: z.object({
      status: z.enum(["open", "replayed"]).optional(),
      limit: z.coerce.number().int().min(1).max(200).default(50),
      cursor: z.string().regex(CURSOR, "not a cursor").optional(),
    }),
  },
  responses: {
    200: jsonBody(
      z.object({ items: z.array(DeadLetterSchema), nextCursor: z.string().nullable() }),
    ),
    ...problemResponses,
  },
});

const retryRoute = createRoute({
  method: "post",
  path: "/notifications/dead-letters/{id}/retry",
  operationId: "retryNotificationDeadLetter",
  tags,
  security,
  summary: "Replay one dead-lettered notification, exactly once",
  description:
    "Marks the dead letter replayed (atomically: a second replay answers 409) and queues the " +
    "event again; the delivery id keeps the channel from sending it twice. 202: queued.",
  request: { params: z.object({ id: z.string().min(1).max(64) }) },
  responses: {
    202: jsonBody(z.object({ deadLetter: DeadLetterSchema }), "Queued for delivery"),
    409: problem("already replayed"),
    503: problem("the notification queue did not take the event; the dead letter stays open"),
    ...problemResponses,
  },
});

const deliveriesRoute = createRoute({
  method: "get",
  path: "/users/{id}/notification-deliveries",
  operationId: "listUserNotificationDeliveries",
  tags,
  security,
  summary: "A user's most recent notification deliveries, newest first",
  request: {
    params: UserIdParamSchema,
    query: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }),
  },
  responses: {
    200: jsonBody(z.object({ items: z.array(DeliverySchema) })),
    ...problemResponses,
  },
});

export const deadLetterView = (r: DeadLetterRow) => ({
  id: r.id,
  deliveryId: r.deliveryId,
  eventId: r.eventId,
  userId: r.userId,
  type: r.type,
  channel: r.channel,
  error: r.error,
  attempts: r.attempts,
  status: r.status,
  createdAt: toIso(r.createdAtMs),
  replayedAt: toIsoOrNull(r.replayedAtMs),
  replayedBy: r.replayedBy,
});

export const deliveryView = (r: DeliveryRow) => ({
  id: r.id,
  eventId: r.eventId,
  type: r.type,
  category: r.category,
  channel: r.channel,
  state: r.state,
  attempts: r.attempts,
  reason: r.reason,
  providerRef: r.providerRef,
  deliverAfter: toIsoOrNull(r.deliverAfterMs),
  createdAt: toIso(r.createdAtMs),
  updatedAt: toIso(r.updatedAtMs),
  sentAt: toIsoOrNull(r.sentAtMs),
  deliveredAt: toIsoOrNull(r.deliveredAtMs),
  openedAt: toIsoOrNull(r.openedAtMs),
  receiptFailure: r.receiptFailure,
  escalatedAt: toIsoOrNull(r.escalatedAtMs),
});

/**
 * Replays one dead letter: marks it (one replay wins), then queues its event on its category's
 * queue. If the queue refuses, the mark is undone so the operator can try again.
 */
export async function replayDeadLetter(
  env: Parameters<typeof queueFor>[0] & DbRouterEnv,
  id: string,
  by: string,
  nowMs: number,
): Promise<DeadLetterRow> {
  const marked = await markReplayed(globalDb(env), id, by, nowMs);
  if (!marked) {
    const row = await deadLetterById(globalDb(env), id);
    if (!row) throw new AppError("not_found", "no such dead letter");
    throw new AppError("conflict", "this dead letter was already replayed");
  }
  const event = marked.event as unknown as NotificationEventMessage;
  const category = Object.hasOwn(NOTIFICATION_TYPES, event.type)
    ? categoryOf(event.type)
    : "transactional";
  // The letter (global) and its delivery (the user's database) are two writes: the delivery
  // reopens only after this replay won the letter, and a failure after it undoes both.
  const delivery = { id: marked.deliveryId, userId: marked.userId };
  let reopened = false;
  try {
    await replayDelivery(env, delivery, "reopen", nowMs);
    reopened = true;
    await queueFor(env, category).send(event);
  } catch {
    try {
      if (reopened) await replayDelivery(env, delivery, "undo", nowMs);
    } finally {
      // Even when the undo fails, the letter is released so the operator can replay it again:
      // that replay finds the delivery already pending (the reopen changes nothing) and queues
      // the event, which delivers it.
      await unmarkReplayed(globalDb(env), marked);
    }
    throw new AppError("unavailable", "the notification queue did not take the event; try again");
  }
  return marked;
}

/** Dead letters, their replay, and a user's deliveries; mounted under `/admin/v1`. */
export const notificationAdminRoutes = featureApp()
  .openapi(listRoute, async (c) => {
    const { status, limit, cursor } = c.req.valid("query");
    const match = cursor ? CURSOR.exec(cursor) : null;
    const before = match ? { createdAtMs: Number(match[1]), id: match[2] as string } : undefined;
    const rows = await listDeadLetters(c.env.DB, { status, limit: limit + 1, before });
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return c.json(
      {
        items: page.map(deadLetterView),
        nextCursor: rows.length > limit && last ? `${last.createdAtMs}.${last.id}` : null,
      },
      200,
    );
  })
  .openapi(retryRoute, async (c) => {
    const row = await replayDeadLetter(
      c.env,
      c.req.valid("param").id,
      c.get("admin").name,
      Date.now(),
    );
    return c.json({ deadLetter: deadLetterView(row) }, 202);
  })
  .openapi(deliveriesRoute, async (c) => {
    const rows = await listUserDeliveries(c.env, c.req.valid("param").id, {
      limit: c.req.valid("query").limit,
    });
    return c.json({ items: rows.map(deliveryView) }, 200);
  });

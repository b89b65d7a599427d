import { createRoute, z } from "@hono/zod-openapi";
import { AppError } from "#shared/http/errors";
import { USER_ID_PATTERN } from "#shared/ids";
import { toIso } from "../../http/common-schemas";
import { featureApp } from "../../http/feature-app";
import { ADMIN_SECURITY, jsonBody, problemResponses } from "../../http/responses";
import { listOutboxNotices, OUTBOX_KINDS } from "./outbox-store";

const NotificationSchema = z
  .object({
    id: z.string().describe("The notification event's id"),
    deliveryId: z.string(),
    channel: z.string().describe("webhook, email, sms or push"),
    userId: z.string(),
    kind: z.enum(OUTBOX_KINDS),
    body: z.record(z.string(), z.unknown()).describe("The event's variables"),
    message: z
      .object({ title: z.string(), body: z.string(), url: z.string().optional() })
      .nullable()
      .describe("The rendered message; null on notices kept before templates"),
    createdAt: z.string(),
  })
  .openapi("OutboxNotification");

const listRoute = createRoute({
  method: "get",
  path: "/dev/notifications",
  operationId: "listDevNotifications",
  tags: ["operations"],
  security: ADMIN_SECURITY,
  summary: "Messages sent to users through the outbox channel, newest first",
  description:
    "Only when NOTIFY_CHANNEL is `outbox` (development and tests): every delivery a deployment " +
    "would hand to a channel (the webhook, or e-mail, SMS and push when their provider is " +
    "`outbox`). 404 with any other NOTIFY_CHANNEL.",
  request: {
    query: z.object({
      userId: z.string().regex(USER_ID_PATTERN, "not a user id").optional(),
      kind: z.enum(OUTBOX_KINDS).optional(),
      limit: z.coerce.number().int().min(1).max(200).default(50),
    }),
  },
  responses: {
    200: jsonBody(z.object({ items: z.array(NotificationSchema) })),
    ...problemResponses,
  },
});

/** The development outbox; mounted under `/admin/v1`. */
export const notificationsAdminRoutes = featureApp().openapi(listRoute, async (c) => {
  if (c.env.NOTIFY_CHANNEL !== "outbox") {
    throw new AppError("not_found", "there is no outbox: NOTIFY_CHANNEL is not outbox");
  }
  const rows = await listOutboxNotices(c.env, c.req.valid("query"));
  return c.json(
    {
      items: rows.map((r) => ({
        id: r.id,
        deliveryId: r.deliveryId,
        channel: r.channel,
        userId: r.userId,
        kind: r.kind as (typeof OUTBOX_KINDS)[number],
        body: r.body,
        message: (r.message as { title: string; body: string; url?: string } | null) ?? null,
        createdAt: toIso(r.createdAtMs),
      })),
    },
    200,
  );
});

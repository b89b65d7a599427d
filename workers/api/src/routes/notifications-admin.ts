import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { AppError } from "#shared/http/errors";
import { USER_ID_PATTERN } from "#shared/ids";
import type { ApiContext } from "../auth";
import { toIso } from "../http/common-schemas";
import { jsonBody, problemResponses } from "../http/responses";
import { NOTICE_KINDS } from "../payouts/notifier";

const NotificationSchema = z
  .object({
    id: z.string(),
    userId: z.string(),
    kind: z.enum(NOTICE_KINDS),
    body: z.record(z.string(), z.unknown()),
    createdAt: z.string(),
  })
  .openapi("OutboxNotification");

const listRoute = createRoute({
  method: "get",
  path: "/admin/v1/dev/notifications",
  tags: ["notifications (admin, development)"],
  security: [{ adminKey: [] }],
  summary: "Messages sent to users through the outbox channel, newest first",
  description:
    "Only when NOTIFY_CHANNEL is `outbox` (development and tests): step-up codes and payout " +
    "notices a deployment would hand to the operator's webhook. 404 with any other channel.",
  request: {
    query: z.object({
      userId: z.string().regex(USER_ID_PATTERN, "not a user id").optional(),
      kind: z.enum(NOTICE_KINDS).optional(),
      limit: z.coerce.number().int().min(1).max(200).default(50),
    }),
  },
  responses: {
    200: jsonBody(z.object({ items: z.array(NotificationSchema) })),
    ...problemResponses,
  },
});

interface OutboxRow {
  id: string;
  user_id: string;
  kind: (typeof NOTICE_KINDS)[number];
  body: string;
  created_at_ms: number;
}

export function registerNotificationsAdmin(app: OpenAPIHono<ApiContext>): void {
  app.openapi(listRoute, async (c) => {
    if (c.env.NOTIFY_CHANNEL !== "outbox") {
      throw new AppError("not_found", "there is no outbox: NOTIFY_CHANNEL is not outbox");
    }
    const { userId, kind, limit } = c.req.valid("query");
    // Conditions are added only when given, so the (user_id, created_at_ms) index serves a
    // per-user listing.
    const where: string[] = [];
    const params: Array<string | number> = [];
    if (userId !== undefined) {
      params.push(userId);
      where.push(`user_id = ?${params.length}`);
    }
    if (kind !== undefined) {
      params.push(kind);
      where.push(`kind = ?${params.length}`);
    }
    params.push(limit);
    const { results } = await c.env.DB.prepare(
      `SELECT id, user_id, kind, body, created_at_ms FROM notification_outbox
       ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""}
       ORDER BY created_at_ms DESC, id DESC LIMIT ?${params.length}`,
    )
      .bind(...params)
      .all<OutboxRow>();
    return c.json(
      {
        items: results.map((r) => ({
          id: r.id,
          userId: r.user_id,
          kind: r.kind,
          body: JSON.parse(r.body) as Record<string, unknown>,
          createdAt: toIso(r.created_at_ms),
        })),
      },
      200,
    );
  });
}

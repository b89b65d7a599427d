import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { USER_ID_PATTERN } from "#shared/ids";
import type { ApiContext } from "../auth";
import { jsonBody, problemResponses } from "../http/responses";
import { toIso } from "../schemas";

const UserSchema = z
  .object({ id: z.string(), displayName: z.string().nullable(), createdAt: z.string() })
  .openapi("User");

const putUserRoute = createRoute({
  method: "put",
  path: "/admin/v1/users/{id}",
  tags: ["users (admin)"],
  security: [{ adminKey: [] }],
  summary:
    "Register a user (idempotent). Users are also registered on their first wallet activity.",
  request: {
    params: z.object({
      id: z
        .string()
        .regex(USER_ID_PATTERN, "user ids are 1-64 chars of A-Z, a-z, 0-9, '_' and '-'")
        .openapi({ param: { name: "id", in: "path" } }),
    }),
    body: {
      required: true,
      content: {
        "application/json": {
          schema: z
            .object({ displayName: z.string().min(1).max(120).nullable().default(null) })
            .strict(),
        },
      },
    },
  },
  responses: { 200: jsonBody(UserSchema), ...problemResponses },
});

export function registerUsersAdmin(app: OpenAPIHono<ApiContext>): void {
  app.openapi(putUserRoute, async (c) => {
    const { id } = c.req.valid("param");
    const { displayName } = c.req.valid("json");
    const row = await c.env.DB.prepare(
      `INSERT INTO users (id, display_name, created_at_ms) VALUES (?1, ?2, ?3)
       ON CONFLICT (id) DO UPDATE SET display_name = excluded.display_name
       RETURNING id, display_name, created_at_ms`,
    )
      .bind(id, displayName, Date.now())
      .first<{ id: string; display_name: string | null; created_at_ms: number }>();
    if (!row) throw new Error("user upsert returned no row");
    return c.json(
      { id: row.id, displayName: row.display_name, createdAt: toIso(row.created_at_ms) },
      200,
    );
  });
}

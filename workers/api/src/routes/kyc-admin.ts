import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { USER_ID_PATTERN } from "#shared/ids";
import type { ApiContext } from "../auth";
import { jsonBody, problemResponses } from "../http/responses";
import { toIsoOrNull } from "../schemas";

const KYC_STATUSES = ["none", "pending", "verified", "rejected"] as const;
export type KycStatus = (typeof KYC_STATUSES)[number];

const KycSchema = z
  .object({
    userId: z.string(),
    status: z.enum(KYC_STATUSES),
    updatedAt: z.string().nullable().describe("when the operator last changed it"),
  })
  .openapi("KycStatus");

const UserIdParamSchema = z.object({
  id: z
    .string()
    .regex(USER_ID_PATTERN, "user ids are 1-64 chars of A-Z, a-z, 0-9, '_' and '-'")
    .openapi({ param: { name: "id", in: "path" } }),
});

const security = [{ adminKey: [] }];
const tags = ["users (admin)"];

const putKycRoute = createRoute({
  method: "put",
  path: "/admin/v1/users/{id}/kyc",
  tags,
  security,
  summary: "Record the outcome of the operator's KYC check for a user (idempotent)",
  description:
    "Redemptions that take a user past the policy's KYC threshold need `verified`. The user is " +
    "registered if they were not yet. Repeating the same status changes nothing.",
  request: {
    params: UserIdParamSchema,
    body: {
      required: true,
      content: {
        "application/json": { schema: z.object({ status: z.enum(KYC_STATUSES) }).strict() },
      },
    },
  },
  responses: { 200: jsonBody(KycSchema), ...problemResponses },
});

const getKycRoute = createRoute({
  method: "get",
  path: "/admin/v1/users/{id}/kyc",
  tags,
  security,
  summary: "A user's KYC status (`none` for a user Boomerang has not seen)",
  request: { params: UserIdParamSchema },
  responses: { 200: jsonBody(KycSchema), ...problemResponses },
});

interface KycRow {
  kyc_status: KycStatus;
  kyc_updated_at_ms: number | null;
}

async function readKyc(db: D1Database, userId: string): Promise<KycRow | null> {
  return db
    .prepare(`SELECT kyc_status, kyc_updated_at_ms FROM users WHERE id = ?1`)
    .bind(userId)
    .first<KycRow>();
}

/** The user's KYC status; `none` when there is no user row. */
export async function kycStatusOf(db: D1Database, userId: string): Promise<KycStatus> {
  return (await readKyc(db, userId))?.kyc_status ?? "none";
}

export function registerKycAdmin(app: OpenAPIHono<ApiContext>): void {
  app.openapi(putKycRoute, async (c) => {
    const { id } = c.req.valid("param");
    const { status } = c.req.valid("json");
    const nowMs = Date.now();
    await c.env.DB.prepare(
      `INSERT INTO users (id, display_name, created_at_ms, kyc_status, kyc_updated_at_ms)
       VALUES (?1, NULL, ?2, ?3, ?2)
       ON CONFLICT (id) DO UPDATE SET kyc_status = excluded.kyc_status,
         kyc_updated_at_ms = excluded.kyc_updated_at_ms
       WHERE users.kyc_status IS NOT excluded.kyc_status`,
    )
      .bind(id, nowMs, status)
      .run();
    const row = await readKyc(c.env.DB, id);
    if (!row) throw new Error("kyc upsert left no user row");
    return c.json(
      { userId: id, status: row.kyc_status, updatedAt: toIsoOrNull(row.kyc_updated_at_ms) },
      200,
    );
  });

  app.openapi(getKycRoute, async (c) => {
    const { id } = c.req.valid("param");
    const row = await readKyc(c.env.DB, id);
    return c.json(
      {
        userId: id,
        status: row?.kyc_status ?? "none",
        updatedAt: toIsoOrNull(row?.kyc_updated_at_ms ?? null),
      },
      200,
    );
  });
}

import { createRoute, z } from "@hono/zod-openapi";
import { toIso, toIsoOrNull, UserIdParamSchema } from "../../http/common-schemas";
import { featureApp } from "../../http/feature-app";
import { ADMIN_SECURITY, jsonBody, problemResponses } from "../../http/responses";
import { KYC_STATUSES, KycSchema, UserInputSchema, UserSchema } from "./schemas";
import { readKyc, setKycStatus, upsertUser } from "./store";

const security = ADMIN_SECURITY;
const tags = ["users"];

const putUserRoute = createRoute({
  method: "put",
  path: "/users/{id}",
  operationId: "putUser",
  tags,
  security,
  summary:
    "Register a user (idempotent). Users are also registered on their first wallet activity.",
  request: {
    params: UserIdParamSchema,
    body: { required: true, content: { "application/json": { schema: UserInputSchema } } },
  },
  responses: { 200: jsonBody(UserSchema), ...problemResponses },
});

const putKycRoute = createRoute({
  method: "put",
  path: "/users/{id}/kyc",
  operationId: "putUserKyc",
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
  path: "/users/{id}/kyc",
  operationId: "getUserKyc",
  tags,
  security,
  summary: "A user's KYC status (`none` for a user Boomerang has not seen)",
  request: { params: UserIdParamSchema },
  responses: { 200: jsonBody(KycSchema), ...problemResponses },
});

/** Operator routes for users and their KYC status; mounted under `/admin/v1`. */
export const userWriteAdminRoutes = featureApp()
  .openapi(putUserRoute, async (c) => {
    const { id } = c.req.valid("param");
    const { displayName } = c.req.valid("json");
    const row = await upsertUser(c.env, id, displayName, Date.now());
    return c.json(
      { id: row.id, displayName: row.displayName, createdAt: toIso(row.createdAtMs) },
      200,
    );
  })
  .openapi(putKycRoute, async (c) => {
    const { id } = c.req.valid("param");
    const { status } = c.req.valid("json");
    await setKycStatus(c.env, id, status, Date.now());
    const row = await readKyc(c.env, id);
    if (!row) throw new Error("kyc upsert left no user row");
    return c.json(
      { userId: id, status: row.kycStatus, updatedAt: toIsoOrNull(row.kycUpdatedAtMs) },
      200,
    );
  })
  .openapi(getKycRoute, async (c) => {
    const { id } = c.req.valid("param");
    const row = await readKyc(c.env, id);
    return c.json(
      {
        userId: id,
        status: row?.kycStatus ?? "none",
        updatedAt: toIsoOrNull(row?.kycUpdatedAtMs ?? null),
      },
      200,
    );
  });

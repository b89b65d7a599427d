import { createRoute, z } from "@hono/zod-openapi";
import { AppError } from "#shared/http/errors";
import { featureApp } from "../../http/feature-app";
import {
  ADMIN_SECURITY,
  CONFLICT_RESPONSE,
  jsonBody,
  problemResponses,
} from "../../http/responses";
import { hashPassword } from "./password";
import {
  CreateOperatorSchema,
  OperatorIdParams,
  OperatorSchema,
  SetPasswordSchema,
  UpdateOperatorSchema,
} from "./schemas";
import {
  countLiveSessions,
  getOperator,
  insertOperator,
  listOperators,
  revokeOperatorSessions,
  saveSignInState,
  setOperatorPassword,
  updateOperator,
} from "./store";
import { operatorView } from "./views";

const TAGS = ["operators"];
/** Operators are dozens; one page holds them all. */
const MAX_OPERATORS = 500;
const body = <T extends z.ZodType>(schema: T) => ({
  body: { content: { "application/json": { schema } }, required: true },
});

const createOperatorRoute = createRoute({
  method: "post",
  path: "/operators",
  operationId: "createOperator",
  tags: TAGS,
  security: ADMIN_SECURITY,
  summary: "Create a console operator (e-mail, display name, role, initial password)",
  description:
    "The first admin is created this way with the deployment's admin key " +
    "(`npm run operator:create`, docs/console.md). The password is stored only as a " +
    "PBKDF2-SHA256 hash. 409 when the e-mail is taken.",
  request: body(CreateOperatorSchema),
  responses: {
    201: jsonBody(OperatorSchema, "created"),
    ...problemResponses,
    ...CONFLICT_RESPONSE,
  },
});

const listOperatorsRoute = createRoute({
  method: "get",
  path: "/operators",
  operationId: "listOperators",
  tags: TAGS,
  security: ADMIN_SECURITY,
  summary: "Every console operator, by e-mail",
  responses: {
    200: jsonBody(z.object({ items: z.array(OperatorSchema) })),
    ...problemResponses,
  },
});

const getOperatorRoute = createRoute({
  method: "get",
  path: "/operators/{operatorId}",
  operationId: "getOperator",
  tags: TAGS,
  security: ADMIN_SECURITY,
  summary: "One console operator",
  request: { params: OperatorIdParams },
  responses: { 200: jsonBody(OperatorSchema), ...problemResponses },
});

const updateOperatorRoute = createRoute({
  method: "patch",
  path: "/operators/{operatorId}",
  operationId: "createOperatorUpdate",
  tags: TAGS,
  security: ADMIN_SECURITY,
  summary: "Change an operator's name, role, time zone, or disable them",
  description: "A new role or disabling ends every session of the operator at once.",
  request: { params: OperatorIdParams, ...body(UpdateOperatorSchema) },
  responses: { 200: jsonBody(OperatorSchema), ...problemResponses },
});

const setPasswordRoute = createRoute({
  method: "put",
  path: "/operators/{operatorId}/password",
  operationId: "putOperatorPassword",
  tags: TAGS,
  security: ADMIN_SECURITY,
  summary: "Set an operator's password; clears a lockout and ends their sessions",
  request: { params: OperatorIdParams, ...body(SetPasswordSchema) },
  responses: { 200: jsonBody(OperatorSchema), ...problemResponses },
});

const unlockOperatorRoute = createRoute({
  method: "post",
  path: "/operators/{operatorId}/unlock",
  operationId: "createOperatorUnlock",
  tags: TAGS,
  security: ADMIN_SECURITY,
  summary: "Lift a lockout from repeated wrong passwords",
  request: { params: OperatorIdParams },
  responses: { 200: jsonBody(OperatorSchema), ...problemResponses },
});

const revokeSessionsRoute = createRoute({
  method: "delete",
  path: "/operators/{operatorId}/sessions",
  operationId: "deleteOperatorSessions",
  tags: TAGS,
  security: ADMIN_SECURITY,
  summary: "Sign an operator out everywhere",
  request: { params: OperatorIdParams },
  responses: {
    200: jsonBody(z.object({ revoked: z.number().int().describe("sessions that were live") })),
    ...problemResponses,
  },
});

const notFound = () => new AppError("not_found", "no such operator");

async function viewOf(db: D1Database, id: string, nowMs: number) {
  const row = await getOperator(db, id);
  if (!row) throw notFound();
  const live = await countLiveSessions(db, nowMs);
  return operatorView(row, live.get(id) ?? 0, nowMs);
}

/** The operators admin API; mounted under `/admin/v1`. Admin role only (auth/admin-scopes.ts). */
export const operatorAdminRoutes = featureApp()
  .openapi(createOperatorRoute, async (c) => {
    const input = c.req.valid("json");
    const nowMs = Date.now();
    const row = await insertOperator(
      c.env.DB,
      { ...input, password: await hashPassword(input.password) },
      nowMs,
    );
    if (!row) throw new AppError("conflict", "an operator with this e-mail exists");
    c.header("Location", `/admin/v1/operators/${row.id}`);
    return c.json(operatorView(row, 0, nowMs), 201);
  })
  .openapi(listOperatorsRoute, async (c) => {
    const nowMs = Date.now();
    const [rows, live] = await Promise.all([
      listOperators(c.env.DB, MAX_OPERATORS),
      countLiveSessions(c.env.DB, nowMs),
    ]);
    return c.json({ items: rows.map((r) => operatorView(r, live.get(r.id) ?? 0, nowMs)) }, 200);
  })
  .openapi(getOperatorRoute, async (c) => {
    return c.json(await viewOf(c.env.DB, c.req.valid("param").operatorId, Date.now()), 200);
  })
  .openapi(updateOperatorRoute, async (c) => {
    const { operatorId } = c.req.valid("param");
    const nowMs = Date.now();
    const row = await updateOperator(c.env.DB, operatorId, c.req.valid("json"), nowMs);
    if (!row) throw notFound();
    return c.json(await viewOf(c.env.DB, operatorId, nowMs), 200);
  })
  .openapi(setPasswordRoute, async (c) => {
    const { operatorId } = c.req.valid("param");
    const nowMs = Date.now();
    const hash = await hashPassword(c.req.valid("json").password);
    if (!(await setOperatorPassword(c.env.DB, operatorId, hash, nowMs))) throw notFound();
    return c.json(await viewOf(c.env.DB, operatorId, nowMs), 200);
  })
  .openapi(unlockOperatorRoute, async (c) => {
    const { operatorId } = c.req.valid("param");
    if (!(await getOperator(c.env.DB, operatorId))) throw notFound();
    await saveSignInState(c.env.DB, operatorId, { failedSignIns: 0, lockedUntilMs: null });
    return c.json(await viewOf(c.env.DB, operatorId, Date.now()), 200);
  })
  .openapi(revokeSessionsRoute, async (c) => {
    const { operatorId } = c.req.valid("param");
    if (!(await getOperator(c.env.DB, operatorId))) throw notFound();
    return c.json({ revoked: await revokeOperatorSessions(c.env.DB, operatorId, Date.now()) }, 200);
  });

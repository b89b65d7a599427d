import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import { AppError } from "#shared/http/errors";
import { DEFAULT_PROGRAM_SETTINGS } from "#shared/loyalty/program-settings";
import type { ApiContext } from "../../auth";
import { toIso } from "../../http/common-schemas";
import { featureApp } from "../../http/feature-app";
import {
  ADMIN_SECURITY,
  CONFLICT_RESPONSE,
  jsonBody,
  problemResponses,
  UNAVAILABLE_RESPONSE,
  UNPROCESSABLE_RESPONSE,
  USER_SECURITY,
} from "../../http/responses";
import { versionsView } from "../../settings/save-version";
import { currentView, VersionListQuerySchema } from "../../settings/version-views";
import { type Actor, saveProgram } from "./program-service";
import {
  currentVersion,
  currentVersionNumber,
  listVersions,
  type ProgramVersionRow,
} from "./program-store";
import { redeemForCashback, redeemForVoucher } from "./redeem-service";
import {
  IdempotencyHeaders,
  LoyaltyProgramInputSchema,
  LoyaltyProgramSchema,
  LoyaltyProgramVersionListSchema,
  PointsRedemptionInputSchema,
  PointsRedemptionSchema,
  PoolIdParamSchema,
  VoucherCodesInputSchema,
  VoucherCodesUploadSchema,
  VoucherPoolInputSchema,
  VoucherPoolListSchema,
  VoucherPoolSchema,
  VoucherPoolUpdateSchema,
} from "./schemas";
import {
  findPool,
  insertCodes,
  insertPool,
  listPools,
  type PoolRow,
  updatePool,
} from "./voucher-store";

const tags = ["loyalty"];
const security = ADMIN_SECURITY;

const programView = (row: ProgramVersionRow | null) => currentView(row, DEFAULT_PROGRAM_SETTINGS);

const poolView = (p: PoolRow) => ({
  id: p.id,
  name: p.name,
  pointsCost: p.pointsCost,
  active: p.active,
  createdAt: toIso(p.createdAtMs),
  createdBy: p.createdBy,
  codes: { total: p.total, issued: p.issued, left: p.total - p.issued },
});

const actorOf = (c: { get: (key: "admin") => { name: string } }): Actor => ({
  by: c.get("admin").name,
  nowMs: Date.now(),
});

/** `waitUntil` of the request, or a no-op where there is none (in-process console calls). */
function waitUntilOf(c: Context<ApiContext>): (p: Promise<unknown>) => void {
  try {
    const ctx = c.executionCtx;
    return (p) => ctx.waitUntil(p);
  } catch {
    return (p) => void p.catch(() => undefined);
  }
}

const getProgramRoute = createRoute({
  method: "get",
  path: "/loyalty/program",
  operationId: "getLoyaltyProgram",
  tags,
  security,
  summary: "Read the loyalty program's current settings and their version",
  description:
    "From D1, the source of truth; version 0 with the defaults while nothing was saved. " +
    "Wallets read the settings through the config cache and may keep the previous version " +
    "for up to ~90 s after a save (docs/loyalty.md).",
  responses: { 200: jsonBody(LoyaltyProgramSchema), ...problemResponses },
});

const putProgramRoute = createRoute({
  method: "put",
  path: "/loyalty/program",
  operationId: "putLoyaltyProgram",
  tags,
  security,
  summary: "Save the loyalty program's settings as a new version",
  description:
    "The whole settings, validated: every problem is returned at once at its path " +
    "(`settings.tiers.tiers.2.thresholdMinor`) and nothing is saved. Each save is a new " +
    "immutable version (current + 1); settings equal to the current ones make none. With " +
    "`expectedVersion`, refused with 409 if another save came first. Takes effect without a " +
    "deploy: D1 first, then the config cache.",
  request: {
    body: {
      content: { "application/json": { schema: LoyaltyProgramInputSchema } },
      required: true,
    },
  },
  responses: {
    200: jsonBody(LoyaltyProgramSchema, "saved (or unchanged): the current settings"),
    ...problemResponses,
    ...CONFLICT_RESPONSE,
    ...UNAVAILABLE_RESPONSE,
  },
});

const listVersionsRoute = createRoute({
  method: "get",
  path: "/loyalty/program/versions",
  operationId: "listLoyaltyProgramVersions",
  tags,
  security,
  summary: "List saved versions of the program settings, newest first",
  request: { query: VersionListQuerySchema },
  responses: { 200: jsonBody(LoyaltyProgramVersionListSchema), ...problemResponses },
});

const listPoolsRoute = createRoute({
  method: "get",
  path: "/loyalty/voucher-pools",
  operationId: "listVoucherPools",
  tags,
  security,
  summary: "List voucher pools with their code counts (total, issued, left)",
  description: "Codes themselves are never returned by the admin API.",
  responses: { 200: jsonBody(VoucherPoolListSchema), ...problemResponses },
});

const createPoolRoute = createRoute({
  method: "post",
  path: "/loyalty/voucher-pools",
  operationId: "createVoucherPool",
  tags,
  security,
  summary: "Create a voucher pool members can buy codes from with points",
  request: {
    body: { content: { "application/json": { schema: VoucherPoolInputSchema } }, required: true },
  },
  responses: {
    201: jsonBody(VoucherPoolSchema, "created; Location names the pool"),
    ...problemResponses,
    ...CONFLICT_RESPONSE,
  },
});

const getPoolRoute = createRoute({
  method: "get",
  path: "/loyalty/voucher-pools/{poolId}",
  operationId: "getVoucherPool",
  tags,
  security,
  summary: "Read one voucher pool with its code counts",
  request: { params: PoolIdParamSchema },
  responses: { 200: jsonBody(VoucherPoolSchema), ...problemResponses },
});

const putPoolRoute = createRoute({
  method: "put",
  path: "/loyalty/voucher-pools/{poolId}",
  operationId: "putVoucherPool",
  tags,
  security,
  summary: "Change a voucher pool's name, points cost or state (open or closed)",
  description:
    "A closed pool issues no codes (members get 409 `redemption_unavailable`). A new cost " +
    "applies to redemptions from now on; codes already claimed keep the points they were " +
    "claimed for, so a retry of an earlier redemption answers as before.",
  request: {
    params: PoolIdParamSchema,
    body: { content: { "application/json": { schema: VoucherPoolUpdateSchema } }, required: true },
  },
  responses: { 200: jsonBody(VoucherPoolSchema), ...problemResponses },
});

const uploadCodesRoute = createRoute({
  method: "post",
  path: "/loyalty/voucher-pools/{poolId}/codes",
  operationId: "createVoucherPoolCodes",
  tags,
  security,
  summary: "Add up to 1,000 codes to a pool (duplicates ignored and counted)",
  description:
    "Codes already in the pool, or repeated in the upload, are not added again; the answer " +
    "says how many were added and how many were duplicates. The codes are not echoed back.",
  request: {
    params: PoolIdParamSchema,
    body: { content: { "application/json": { schema: VoucherCodesInputSchema } }, required: true },
  },
  responses: { 200: jsonBody(VoucherCodesUploadSchema), ...problemResponses },
});

/** Operator routes for the program settings and voucher pools; mounted under `/admin/v1`. */
export const loyaltyProgramAdminRoutes = featureApp()
  .openapi(getProgramRoute, async (c) => c.json(programView(await currentVersion(c.env)), 200))
  .openapi(putProgramRoute, async (c) => {
    const { settings, expectedVersion, note } = c.req.valid("json");
    const { row } = await saveProgram(
      c.env,
      { settings, expectedVersion, note },
      actorOf(c),
      c.get("log"),
    );
    return c.json(programView(row), 200);
  })
  .openapi(listVersionsRoute, async (c) => {
    const query = c.req.valid("query");
    const [page, currentNumber] = await Promise.all([
      listVersions(c.env, {
        limit: query.limit,
        beforeVersion: query.cursor === undefined ? undefined : Number(query.cursor),
      }),
      currentVersionNumber(c.env),
    ]);
    return c.json(versionsView(page, currentNumber), 200);
  })
  .openapi(listPoolsRoute, async (c) =>
    c.json({ items: (await listPools(c.env.DB)).map(poolView) }, 200),
  )
  .openapi(createPoolRoute, async (c) => {
    const input = c.req.valid("json");
    const actor = actorOf(c);
    const created = await insertPool(c.env.DB, { ...input, nowMs: actor.nowMs, by: actor.by });
    if (!created) throw new AppError("conflict", `voucher pool ${input.id} already exists`);
    const pool = await findPool(c.env.DB, input.id);
    if (!pool) throw new AppError("internal", "the pool just created is missing");
    c.header("location", `/admin/v1/loyalty/voucher-pools/${pool.id}`);
    return c.json(poolView(pool), 201);
  })
  .openapi(getPoolRoute, async (c) => {
    const pool = await findPool(c.env.DB, c.req.valid("param").poolId);
    if (!pool) throw new AppError("not_found", "no such voucher pool");
    return c.json(poolView(pool), 200);
  })
  .openapi(putPoolRoute, async (c) => {
    const { poolId } = c.req.valid("param");
    if (!(await updatePool(c.env.DB, { id: poolId, ...c.req.valid("json") }))) {
      throw new AppError("not_found", "no such voucher pool");
    }
    const pool = await findPool(c.env.DB, poolId);
    if (!pool) throw new AppError("not_found", "no such voucher pool");
    return c.json(poolView(pool), 200);
  })
  .openapi(uploadCodesRoute, async (c) => {
    const { poolId } = c.req.valid("param");
    if (!(await findPool(c.env.DB, poolId))) {
      throw new AppError("not_found", "no such voucher pool");
    }
    const { codes } = c.req.valid("json");
    const distinct = [...new Set(codes)];
    const added = await insertCodes(c.env.DB, poolId, distinct, Date.now());
    const pool = await findPool(c.env.DB, poolId);
    if (!pool) throw new AppError("not_found", "no such voucher pool");
    return c.json({ added, duplicates: codes.length - added, pool: poolView(pool) }, 200);
  });

const redeemRoute = createRoute({
  method: "post",
  path: "/me/points/redemptions",
  operationId: "createPointsRedemption",
  tags,
  security: USER_SECURITY,
  summary: "Redeem points for cashback at the program's rate, or for a voucher code",
  description:
    '`{ kind: "cashback", points }` converts points into confirmed cashback at the ' +
    "program's rate (409 `redemption_unavailable` when it offers none, 422 `below_minimum` " +
    'under its minimum); `{ kind: "voucher", poolId }` buys one code from an operator pool ' +
    "at the pool's cost (409 `voucher_pool_empty` when none is left). Points are spent " +
    "earliest expiry first; 409 `insufficient_points` names the active points available, " +
    "and nothing is spent on any refusal. The same Idempotency-Key returns the same " +
    "redemption (200); with another body it is a 409 `idempotency_conflict`.",
  request: {
    headers: IdempotencyHeaders,
    body: {
      content: { "application/json": { schema: PointsRedemptionInputSchema } },
      required: true,
    },
  },
  responses: {
    201: jsonBody(PointsRedemptionSchema, "redeemed"),
    200: jsonBody(PointsRedemptionSchema, "already redeemed with this Idempotency-Key"),
    ...problemResponses,
    ...CONFLICT_RESPONSE,
    ...UNPROCESSABLE_RESPONSE,
  },
});

/** The member's points redemptions; mounted under `/v1`. */
export const loyaltyProgramUserRoutes = featureApp().openapi(redeemRoute, async (c) => {
  const body = c.req.valid("json");
  const ctx = {
    userId: c.get("userId"),
    idempotencyKey: c.req.valid("header")["idempotency-key"],
    nowMs: Date.now(),
    waitUntil: waitUntilOf(c),
  };
  const { created, redemption } =
    body.kind === "cashback"
      ? await redeemForCashback(c.env, body.points, ctx)
      : await redeemForVoucher(c.env, body.poolId, ctx);
  return c.json(redemption, created ? 201 : 200);
});

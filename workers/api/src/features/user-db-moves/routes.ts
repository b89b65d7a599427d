import { createRoute, z } from "@hono/zod-openapi";
import { MAX_USER_DBS, userDbCount } from "#shared/db/router";
import type { ApiEnv } from "#shared/env";
import { AppError } from "#shared/http/errors";
import { toIsoOrNull } from "../../http/common-schemas";
import { featureApp } from "../../http/feature-app";
import { ADMIN_SECURITY, jsonBody, problem, problemResponses } from "../../http/responses";
import { cancelMove, nextAction, runStep, startMove } from "./job";
import type { StepProgress } from "./progress";
import { latestMove, listMoves, readMove, type StoredMove } from "./store";

/**
 * The operator's re-sharding of the user databases (docs/scaling.md "Re-sharding the user
 * databases"): open a move to a new count, run its steps in budgeted slices, read its state,
 * cancel it before its flip.
 */

const StepSchema = z
  .object({
    pass: z.number().int().describe("how many times the step ran to its end before this pass"),
    done: z.boolean(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    read: z.number().int().describe("rows read"),
    written: z.number().int().describe("rows written to the database the new count names"),
    deleted: z.number().int().describe("rows deleted from their old database (sweep)"),
    notAtHome: z.number().int().describe("verify: rows outside the database the new count names"),
    missingAtHome: z
      .number()
      .int()
      .describe("verify: of those, rows the database the new count names does not hold"),
    rowsPerDatabase: z
      .record(z.string(), z.array(z.number().int()))
      .describe("verify: rows per table in user database 0, 1, … (counted when reached)"),
  })
  .openapi("UserDbMoveStep");

const MoveSchema = z
  .object({
    id: z.string(),
    fromShards: z.number().int(),
    toShards: z.number().int(),
    currentShards: z.number().int().describe("USER_DB_SHARDS as this worker reads it"),
    next: z
      .enum(["copy", "verify", "flip", "sweep", "done", "cancelled", "blocked"])
      .describe(
        "what to do next: run `copy` or `verify`; `flip`: set USER_DB_SHARDS to toShards and " +
          "deploy; run `sweep`, then `verify`; `cancelled`: nothing (cancelled before its " +
          "flip, every user stays at the old count); `blocked`: USER_DB_SHARDS is neither count",
      ),
    steps: z.object({ copy: StepSchema, verify: StepSchema, sweep: StepSchema }),
    createdAt: z.string(),
    updatedAt: z.string(),
    finishedAt: z.string().nullable(),
    cancelledAt: z.string().nullable().describe("set when the move was cancelled before its flip"),
  })
  .openapi("UserDbMove");

const MoveIdParam = z.object({
  id: z
    .string()
    .regex(/^udm_[a-z0-9_-]{1,60}$/)
    .openapi({ param: { name: "id", in: "path" } }),
});

const stepView = (s: StepProgress) => ({
  pass: s.pass,
  done: s.done,
  startedAt: toIsoOrNull(s.startedAtMs),
  finishedAt: toIsoOrNull(s.finishedAtMs),
  read: s.read,
  written: s.written,
  deleted: s.deleted,
  notAtHome: s.notAtHome,
  missingAtHome: s.missingAtHome,
  rowsPerDatabase: s.rowsPerDb,
});

function moveView(env: ApiEnv, move: StoredMove) {
  return {
    id: move.id,
    fromShards: move.fromShards,
    toShards: move.toShards,
    currentShards: userDbCount(env),
    next: nextAction(env, move),
    steps: {
      copy: stepView(move.progress.copy),
      verify: stepView(move.progress.verify),
      sweep: stepView(move.progress.sweep),
    },
    createdAt: new Date(move.createdAtMs).toISOString(),
    updatedAt: new Date(move.updatedAtMs).toISOString(),
    finishedAt: toIsoOrNull(move.finishedAtMs),
    cancelledAt: toIsoOrNull(move.cancelledAtMs),
  };
}

const startRoute = createRoute({
  method: "post",
  path: "/user-db-moves",
  operationId: "createUserDbMove",
  tags: ["operations"],
  security: ADMIN_SECURITY,
  summary: "Open a move of the user databases from USER_DB_SHARDS to a larger count",
  request: {
    body: {
      required: true,
      content: {
        "application/json": {
          schema: z
            .object({
              toShards: z
                .number()
                .int()
                .min(2)
                .max(MAX_USER_DBS)
                .describe("a multiple of the current count, each database bound as USER_DB_i"),
            })
            .strict(),
        },
      },
    },
  },
  responses: {
    201: jsonBody(MoveSchema, "opened"),
    ...problemResponses,
    409: problem("a move is already open, or a database the new count names is not bound"),
  },
});

const getRoute = createRoute({
  method: "get",
  path: "/user-db-moves/{id}",
  operationId: "getUserDbMove",
  tags: ["operations"],
  security: ADMIN_SECURITY,
  summary: "A move of the user databases: each step's progress and what to do next",
  request: { params: MoveIdParam },
  responses: { 200: jsonBody(MoveSchema), ...problemResponses },
});

const latestRoute = createRoute({
  method: "get",
  path: "/user-db-moves",
  operationId: "getLatestUserDbMove",
  tags: ["operations"],
  security: ADMIN_SECURITY,
  summary: "The open move of the user databases, else the last finished one",
  responses: { 200: jsonBody(MoveSchema), ...problemResponses },
});

const stepRoute = createRoute({
  method: "post",
  path: "/user-db-moves/{id}/steps",
  operationId: "runUserDbMoveStep",
  tags: ["operations"],
  security: ADMIN_SECURITY,
  summary: "Run one budgeted slice of a move's step (copy, verify or sweep)",
  description:
    "Resumes the step where its last slice stopped and reads at most `maxRows` rows. A step " +
    "already done starts a new pass. Safe to repeat: every page is an idempotent write.",
  request: {
    params: MoveIdParam,
    body: {
      required: true,
      content: {
        "application/json": {
          schema: z
            .object({
              step: z.enum(["copy", "verify", "sweep"]),
              maxRows: z.number().int().min(1).max(20_000).default(2_000),
            })
            .strict(),
        },
      },
    },
  },
  responses: {
    200: jsonBody(MoveSchema),
    ...problemResponses,
    409: problem(
      "refused in the move's state: finished, a copy after the flip or once the sweep started, a sweep before the flip, or another run saved first",
    ),
  },
});

const listRoute = createRoute({
  method: "get",
  path: "/user-db-moves/history",
  operationId: "listUserDbMoves",
  tags: ["operations"],
  security: ADMIN_SECURITY,
  summary: "The newest moves of the user databases, open, finished or cancelled, newest first",
  request: {
    query: z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) }),
  },
  responses: {
    200: jsonBody(z.object({ items: z.array(MoveSchema) })),
    ...problemResponses,
  },
});

const cancelRoute = createRoute({
  method: "post",
  path: "/user-db-moves/{id}/cancel",
  operationId: "cancelUserDbMove",
  tags: ["operations"],
  security: ADMIN_SECURITY,
  summary: "Cancel a move of the user databases before its flip",
  description:
    "Closes the move (`next: cancelled`, `cancelledAt` set) so another can be opened. Every " +
    "reader and writer stays on the old count; the copies already made stay in databases it " +
    "does not name. Cancelling a cancelled move answers it again. 409 once the worker reads " +
    "the new count or the sweep has started, and for a finished move.",
  request: { params: MoveIdParam },
  responses: {
    200: jsonBody(MoveSchema),
    ...problemResponses,
    409: problem("the move is flipped (the new homes take writes) or finished"),
  },
});

/** Mounted under `/admin/v1`. */
export const userDbMoveAdminRoutes = featureApp()
  .openapi(startRoute, async (c) => {
    const move = await startMove(c.env, c.req.valid("json").toShards, Date.now());
    return c.json(moveView(c.env, move), 201);
  })
  .openapi(latestRoute, async (c) => {
    const move = await latestMove(c.env);
    if (!move) throw new AppError("not_found", "no move of the user databases yet");
    return c.json(moveView(c.env, move), 200);
  })
  // Before `/{id}`: a static path, matched first.
  .openapi(listRoute, async (c) => {
    const moves = await listMoves(c.env, c.req.valid("query").limit);
    return c.json({ items: moves.map((m) => moveView(c.env, m)) }, 200);
  })
  .openapi(getRoute, async (c) => {
    const move = await readMove(c.env, c.req.valid("param").id);
    if (!move) throw new AppError("not_found", "no such move of the user databases");
    return c.json(moveView(c.env, move), 200);
  })
  .openapi(stepRoute, async (c) => {
    const { step, maxRows } = c.req.valid("json");
    const move = await runStep(c.env, c.req.valid("param").id, step, maxRows, Date.now);
    return c.json(moveView(c.env, move), 200);
  })
  .openapi(cancelRoute, async (c) => {
    const move = await cancelMove(c.env, c.req.valid("param").id, Date.now());
    return c.json(moveView(c.env, move), 200);
  });

import { createRoute } from "@hono/zod-openapi";
import type { ApiEnv } from "#shared/env";
import { AppError } from "#shared/http/errors";
import {
  DEFAULT_REFERRAL_PROGRAM,
  DEFAULT_REFERRAL_PROGRAM_ID,
} from "#shared/referrals/program-settings";
import { vanityCodeOf } from "#shared/referrals/vanity";
import { toIso, UserIdParamSchema } from "../../http/common-schemas";
import { featureApp } from "../../http/feature-app";
import {
  ADMIN_SECURITY,
  CONFLICT_RESPONSE,
  jsonBody,
  problemResponses,
  UNAVAILABLE_RESPONSE,
} from "../../http/responses";
import { versionsView } from "../../settings/save-version";
import { currentView, VersionListQuerySchema } from "../../settings/version-views";
import { listUserCodes, MAX_VANITY_CODES_PER_USER, setVanityCode } from "./codes-store";
import { saveReferralProgram } from "./program-service";
import {
  currentReferralVersion,
  currentReferralVersionNumber,
  listReferralVersions,
  type ReferralProgramRow,
} from "./program-store";
import {
  ReferralProgramInputSchema,
  ReferralProgramSchema,
  ReferralProgramVersionListSchema,
  UserReferralCodesSchema,
  VanityCodeInputSchema,
} from "./schemas";

const tags = ["referrals"];
const security = ADMIN_SECURITY;
const PROGRAM = DEFAULT_REFERRAL_PROGRAM_ID;

const programView = (row: ReferralProgramRow | null) => currentView(row, DEFAULT_REFERRAL_PROGRAM);

const getProgramRoute = createRoute({
  method: "get",
  path: "/referrals/program",
  operationId: "getReferralProgram",
  tags,
  security,
  summary: "Read the referral program's current settings and their version",
  description:
    "From D1, the source of truth; version 0 with the defaults while nothing was saved (the " +
    "share link `/r/{code}` shows visitors a friendly page until settings are saved). The " +
    "redirect reads them through the config cache and may keep the previous version for up " +
    "to ~90 s after a save (docs/referrals.md).",
  responses: { 200: jsonBody(ReferralProgramSchema), ...problemResponses },
});

const putProgramRoute = createRoute({
  method: "put",
  path: "/referrals/program",
  operationId: "putReferralProgram",
  tags,
  security,
  summary: "Save the referral program's settings as a new version",
  description:
    "The whole settings, validated: every problem is returned at once at its path " +
    "(`settings.destinations.webSignupUrl`) and nothing is saved. Destinations are https " +
    "only; the attribution window is 1–365 days, the probabilistic window 1–72 hours. Each " +
    "save is a new immutable version (current + 1); settings equal to the current ones make " +
    "none. With `expectedVersion`, refused with 409 if another save came first. Takes effect " +
    "without a deploy: D1 first, then the config cache.",
  request: {
    body: {
      content: { "application/json": { schema: ReferralProgramInputSchema } },
      required: true,
    },
  },
  responses: {
    200: jsonBody(ReferralProgramSchema, "saved (or unchanged): the current settings"),
    ...problemResponses,
    ...CONFLICT_RESPONSE,
    ...UNAVAILABLE_RESPONSE,
  },
});

const listVersionsRoute = createRoute({
  method: "get",
  path: "/referrals/program/versions",
  operationId: "listReferralProgramVersions",
  tags,
  security,
  summary: "List saved versions of the referral program settings, newest first",
  request: { query: VersionListQuerySchema },
  responses: { 200: jsonBody(ReferralProgramVersionListSchema), ...problemResponses },
});

const getUserCodesRoute = createRoute({
  method: "get",
  path: "/users/{id}/referral-code",
  operationId: "getUserReferralCode",
  tags,
  security,
  summary: "Read a member's referral codes and the one they are shown",
  description:
    "Every code the member holds (generated and vanity; all of them work on the share link) " +
    "and `shareCode`, the one the member API shows. Reading creates nothing.",
  request: { params: UserIdParamSchema },
  responses: { 200: jsonBody(UserReferralCodesSchema), ...problemResponses },
});

const putVanityCodeRoute = createRoute({
  method: "put",
  path: "/users/{id}/referral-code",
  operationId: "putUserReferralCode",
  tags,
  security,
  summary: "Give a member a vanity referral code",
  description:
    "The code becomes the one the member is shown; codes they held before keep working, so " +
    "links already shared stay valid. 400 for a code that is not 4–16 letters and digits or " +
    "contains a word that is not allowed; 409 when another member holds it or the member " +
    `already has ${MAX_VANITY_CODES_PER_USER} vanity codes. Giving a member a code they ` +
    "already hold changes nothing. The share link knows a new code within about a minute.",
  request: {
    params: UserIdParamSchema,
    body: { content: { "application/json": { schema: VanityCodeInputSchema } }, required: true },
  },
  responses: {
    200: jsonBody(UserReferralCodesSchema, "the member's codes, the new one included"),
    ...problemResponses,
    ...CONFLICT_RESPONSE,
  },
});

async function userCodesView(env: ApiEnv, userId: string) {
  const rows = (await listUserCodes(env.DB, userId)).filter((r) => r.programId === PROGRAM);
  const base = env.REDIRECT_BASE_URL.replace(/\/+$/, "");
  const vanity = rows.filter((r) => r.kind === "vanity").at(-1);
  const generated = rows.find((r) => r.kind === "generated");
  return {
    userId,
    shareCode: (vanity ?? generated)?.code ?? null,
    codes: rows.map((r) => ({
      code: r.code,
      kind: r.kind,
      programId: r.programId,
      createdAt: toIso(r.createdAtMs),
      shareUrl: `${base}/r/${r.code}`,
    })),
  };
}

/** Operator routes for the referral program; mounted under `/admin/v1`. */
export const referralAdminRoutes = featureApp()
  .openapi(getProgramRoute, async (c) =>
    c.json(programView(await currentReferralVersion(c.env, PROGRAM)), 200),
  )
  .openapi(putProgramRoute, async (c) => {
    const { settings, expectedVersion, note } = c.req.valid("json");
    const { row } = await saveReferralProgram(
      c.env,
      { settings, expectedVersion, note },
      { by: c.get("admin").name, nowMs: Date.now() },
      c.get("log"),
    );
    return c.json(programView(row), 200);
  })
  .openapi(listVersionsRoute, async (c) => {
    const query = c.req.valid("query");
    const [page, currentNumber] = await Promise.all([
      listReferralVersions(c.env, PROGRAM, {
        limit: query.limit,
        beforeVersion: query.cursor === undefined ? undefined : Number(query.cursor),
      }),
      currentReferralVersionNumber(c.env, PROGRAM),
    ]);
    return c.json(versionsView(page, currentNumber), 200);
  })
  .openapi(getUserCodesRoute, async (c) =>
    c.json(await userCodesView(c.env, c.req.valid("param").id), 200),
  )
  .openapi(putVanityCodeRoute, async (c) => {
    const userId = c.req.valid("param").id;
    const checked = vanityCodeOf(c.req.valid("json").code);
    if (!checked.ok) {
      throw new AppError("validation_failed", "the code cannot be a referral code", [
        { path: "code", message: checked.reason },
      ]);
    }
    const outcome = await setVanityCode(c.env, userId, checked.code, { nowMs: Date.now() });
    if (outcome.status === "taken") {
      throw new AppError("conflict", `the code ${checked.code} belongs to another member`);
    }
    if (outcome.status === "limit_reached") {
      throw new AppError(
        "conflict",
        `the member already has ${MAX_VANITY_CODES_PER_USER} vanity codes; nothing was saved`,
      );
    }
    if (outcome.status === "created") {
      c.get("log")?.info("referral_code.vanity_set", { code: checked.code });
    }
    return c.json(await userCodesView(c.env, userId), 200);
  });

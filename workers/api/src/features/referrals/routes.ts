import { createRoute } from "@hono/zod-openapi";
import {
  DEFAULT_REFERRAL_PROGRAM,
  DEFAULT_REFERRAL_PROGRAM_ID,
} from "#shared/referrals/program-settings";
import { toIso } from "../../http/common-schemas";
import { featureApp } from "../../http/feature-app";
import {
  ADMIN_SECURITY,
  CONFLICT_RESPONSE,
  jsonBody,
  problemResponses,
  UNAVAILABLE_RESPONSE,
} from "../../http/responses";
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
  ReferralVersionListQuerySchema,
} from "./schemas";

const tags = ["referrals"];
const security = ADMIN_SECURITY;
const PROGRAM = DEFAULT_REFERRAL_PROGRAM_ID;

const programView = (row: ReferralProgramRow | null) =>
  row
    ? {
        version: row.version,
        settings: row.settings,
        savedAt: toIso(row.savedAtMs),
        savedBy: row.savedBy,
        note: row.note,
      }
    : { version: 0, settings: DEFAULT_REFERRAL_PROGRAM, savedAt: null, savedBy: null, note: null };

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
  request: { query: ReferralVersionListQuerySchema },
  responses: { 200: jsonBody(ReferralProgramVersionListSchema), ...problemResponses },
});

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
    return c.json(
      {
        items: page.items.map((v) => ({
          version: v.version,
          savedAt: toIso(v.savedAtMs),
          savedBy: v.savedBy,
          note: v.note,
          current: v.version === currentNumber,
          settings: v.settings,
        })),
        nextCursor: page.nextBeforeVersion === null ? null : String(page.nextBeforeVersion),
      },
      200,
    );
  });

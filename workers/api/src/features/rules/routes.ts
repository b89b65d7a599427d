import { createRoute } from "@hono/zod-openapi";
import { AppError } from "#shared/http/errors";
import { formatIssuePath } from "#shared/rules/index";
import { toIso } from "../../http/common-schemas";
import { featureApp } from "../../http/feature-app";
import {
  ADMIN_SECURITY,
  CONFLICT_RESPONSE,
  jsonBody,
  problemResponses,
  UNAVAILABLE_RESPONSE,
} from "../../http/responses";
import {
  FraudStarterResultSchema,
  PublishInputSchema,
  RollbackInputSchema,
  RuleDraftInputSchema,
  RuleDraftSchema,
  RuleRollbackDiffSchema,
  RuleSetDiffSchema,
  RuleVersionListQuerySchema,
  RuleVersionListSchema,
  RuleVersionParamSchema,
  RuleVersionSchema,
  SimulateInputSchema,
  SimulationSchema,
} from "./schemas";
import * as service from "./service";
import * as store from "./store";

const security = ADMIN_SECURITY;
const tags = ["rules"];

const draftView = (d: store.DraftRow, liveVersion: number) => ({
  ruleSet: d.ruleSet,
  basedOnVersion: d.basedOnVersion,
  liveVersion: liveVersion === 0 ? null : liveVersion,
  revision: d.revision,
  updatedAt: toIso(d.updatedAtMs),
  updatedBy: d.updatedBy,
});

const summaryView = (v: store.VersionSummary, liveVersion: number) => ({
  version: v.version,
  publishedAt: toIso(v.publishedAtMs),
  publishedBy: v.publishedBy,
  note: v.note,
  rolledBackFrom: v.rolledBackFrom,
  live: v.version === liveVersion,
});

const versionView = (v: store.VersionRow, liveVersion: number) => ({
  ...summaryView(v, liveVersion),
  ruleSet: v.ruleSet,
});

const actorOf = (c: { get: (key: "admin") => { name: string } }): service.Actor => ({
  by: c.get("admin").name,
  nowMs: Date.now(),
});

/**
 * A rule set's problems at the rule set's own paths (`rules[3].conditions.all[1].op`), the
 * shape checks here and the engine's in the handler alike.
 */
function throwRuleSetShapeProblem(
  issues: readonly { path: PropertyKey[]; message: string }[],
): never {
  throw new AppError(
    "validation_failed",
    "the rule set did not pass validation; nothing was saved",
    issues.map((issue) => ({
      path: formatIssuePath(issue.path.map((p) => (typeof p === "number" ? p : String(p)))),
      message: issue.message,
    })),
  );
}

const getDraftRoute = createRoute({
  method: "get",
  path: "/rules/draft",
  operationId: "getRuleDraft",
  tags,
  security,
  summary: "Read the draft rule set",
  description: "The one rule set being edited, and the live version it was edited from.",
  responses: { 200: jsonBody(RuleDraftSchema), ...problemResponses },
});

const putDraftRoute = createRoute({
  method: "put",
  path: "/rules/draft",
  operationId: "putRuleDraft",
  tags,
  security,
  summary: "Save the draft rule set (validated; nothing saved if any rule is invalid)",
  description:
    "The whole rule set (docs/rules.md). Every problem is returned at once, each at its path " +
    "in the rule set (`rules[3].conditions.all[1].op`), and nothing is saved. The draft's " +
    "version number is assigned on publish. Saving never changes what is live.",
  request: {
    body: { content: { "application/json": { schema: RuleDraftInputSchema } }, required: true },
  },
  responses: { 200: jsonBody(RuleDraftSchema), ...problemResponses },
});

const fraudStarterRoute = createRoute({
  method: "post",
  path: "/rules/draft/fraud-starter",
  operationId: "createFraudStarterRules",
  tags,
  security,
  summary: "Add the starter fraud rules to the draft",
  description:
    "The product's documented starter fraud rules (docs/fraud.md, Starter rules), in the " +
    "stackable group `fraud`, added to the draft (or to a new draft from the live version) " +
    "for the operator to edit and publish; nothing goes live until then. Rules whose id the " +
    "draft already has are kept as they are, so adding twice adds nothing.",
  responses: { 200: jsonBody(FraudStarterResultSchema), ...problemResponses },
});

const getLiveRoute = createRoute({
  method: "get",
  path: "/rules/live",
  operationId: "getLiveRuleSet",
  tags,
  security,
  summary: "Read the live rule set version",
  description:
    "From D1, the source of truth. Evaluators read it through the config cache and may keep " +
    "the previous version for up to ~90 s after a publish (docs/rules.md).",
  responses: { 200: jsonBody(RuleVersionSchema), ...problemResponses },
});

const listVersionsRoute = createRoute({
  method: "get",
  path: "/rules/versions",
  operationId: "listRuleVersions",
  tags,
  security,
  summary: "List published versions, newest first",
  request: { query: RuleVersionListQuerySchema },
  responses: { 200: jsonBody(RuleVersionListSchema), ...problemResponses },
});

const getVersionRoute = createRoute({
  method: "get",
  path: "/rules/versions/{version}",
  operationId: "getRuleVersion",
  tags,
  security,
  summary: "Read one published version (immutable)",
  request: { params: RuleVersionParamSchema },
  responses: { 200: jsonBody(RuleVersionSchema), ...problemResponses },
});

const rollbackDiffRoute = createRoute({
  method: "get",
  path: "/rules/versions/{version}/diff",
  operationId: "getRuleRollbackDiff",
  tags,
  security,
  summary: "What rolling back to this version would change",
  description:
    "The version's rules against the live version's: rules that would come back (added), go " +
    "(removed) and change (with the top-level fields that differ), and the time zone and " +
    "groups. 404 when the version was never published or nothing is live.",
  request: { params: RuleVersionParamSchema },
  responses: { 200: jsonBody(RuleRollbackDiffSchema), ...problemResponses },
});

const diffRoute = createRoute({
  method: "get",
  path: "/rules/draft/diff",
  operationId: "getRuleDraftDiff",
  tags,
  security,
  summary: "What publishing the draft would change",
  description:
    "Rules added, removed and changed (with the top-level fields that differ), and the time " +
    "zone and groups, against the live version.",
  responses: { 200: jsonBody(RuleSetDiffSchema), ...problemResponses },
});

const publishRoute = createRoute({
  method: "post",
  path: "/rules/publish",
  operationId: "publishRuleDraft",
  tags,
  security,
  summary: "Publish the draft as the next version (live + 1)",
  description:
    "Takes effect without a deploy: D1 first, then the config cache. Refused with 409 when " +
    "the draft was edited from an older version than the live one (someone published or " +
    "rolled back meanwhile), when it changes nothing, or when another publish took the " +
    "number first; nothing is published then.",
  request: {
    body: { content: { "application/json": { schema: PublishInputSchema } }, required: false },
  },
  responses: {
    201: jsonBody(RuleVersionSchema, "published; Location names the new version"),
    ...problemResponses,
    ...CONFLICT_RESPONSE,
    ...UNAVAILABLE_RESPONSE,
  },
});

const rollbackRoute = createRoute({
  method: "post",
  path: "/rules/rollback",
  operationId: "publishRuleRollback",
  tags,
  security,
  summary: "Publish a copy of an earlier version's rules as the next version",
  description:
    "Versions are never edited: rolling back to version 1 when 2 is live publishes version " +
    "3 with version 1's rules (`rolledBackFrom: 1`). The draft is left as it is; a publish of " +
    "it is then refused until it is re-based on the new live version.",
  request: {
    body: { content: { "application/json": { schema: RollbackInputSchema } }, required: true },
  },
  responses: {
    201: jsonBody(RuleVersionSchema, "published; Location names the new version"),
    ...problemResponses,
    ...CONFLICT_RESPONSE,
    ...UNAVAILABLE_RESPONSE,
  },
});

const simulateRoute = createRoute({
  method: "post",
  path: "/rules/simulate",
  operationId: "simulateRules",
  tags,
  security,
  summary: "Evaluate an event against the live version or the draft, with the full trace",
  description:
    "The event is checked exactly as POST /v1/events checks it. Returns the applied effects " +
    "with their values and budget keys, the facts the rules saw, and the trace: for every " +
    "rule of the event's type, each condition with the values compared, the schedule, and " +
    "what stacking dropped. Writes nothing (not even the audit log: it is a read), so every " +
    "role may call it.",
  request: {
    body: { content: { "application/json": { schema: SimulateInputSchema } }, required: true },
  },
  responses: { 200: jsonBody(SimulationSchema), ...problemResponses },
});

/** Operator routes for rule sets; mounted under `/admin/v1`. */
export const rulesAdminRoutes = featureApp()
  .openapi(getDraftRoute, async (c) => {
    const [draft, live] = await Promise.all([
      service.requireDraft(c.env),
      store.liveVersionNumber(c.env),
    ]);
    return c.json(draftView(draft, live), 200);
  })
  .openapi(
    putDraftRoute,
    async (c) => {
      const draft = await service.putDraft(c.env, c.req.valid("json"), actorOf(c));
      return c.json(draftView(draft, await store.liveVersionNumber(c.env)), 200);
    },
    (result) => {
      if (!result.success) throwRuleSetShapeProblem(result.error.issues);
      return undefined;
    },
  )
  .openapi(fraudStarterRoute, async (c) => {
    const { draft, added } = await service.addFraudStarter(c.env, actorOf(c));
    return c.json({ ...draftView(draft, await store.liveVersionNumber(c.env)), added }, 200);
  })
  .openapi(getLiveRoute, async (c) => {
    const live = await service.requireLive(c.env);
    return c.json(versionView(live, live.version), 200);
  })
  .openapi(listVersionsRoute, async (c) => {
    const query = c.req.valid("query");
    const [page, live] = await Promise.all([
      store.listVersions(c.env, {
        limit: query.limit,
        beforeVersion: query.cursor === undefined ? undefined : Number(query.cursor),
      }),
      store.liveVersionNumber(c.env),
    ]);
    return c.json(
      {
        items: page.items.map((v) => summaryView(v, live)),
        nextCursor: page.nextBeforeVersion === null ? null : String(page.nextBeforeVersion),
      },
      200,
    );
  })
  .openapi(getVersionRoute, async (c) => {
    const [row, live] = await Promise.all([
      service.requireVersion(c.env, c.req.valid("param").version),
      store.liveVersionNumber(c.env),
    ]);
    return c.json(versionView(row, live), 200);
  })
  .openapi(rollbackDiffRoute, async (c) =>
    c.json(await service.rollbackDiff(c.env, c.req.valid("param").version), 200),
  )
  .openapi(diffRoute, async (c) => c.json(await service.draftDiff(c.env), 200))
  .openapi(publishRoute, async (c) => {
    const { note } = c.req.valid("json");
    const row = await service.publishDraft(c.env, note ?? null, actorOf(c), c.get("log"));
    c.header("location", `/admin/v1/rules/versions/${row.version}`);
    return c.json(versionView(row, row.version), 201);
  })
  .openapi(rollbackRoute, async (c) => {
    const { version, note } = c.req.valid("json");
    const row = await service.rollbackTo(c.env, version, note ?? null, actorOf(c), c.get("log"));
    c.header("location", `/admin/v1/rules/versions/${row.version}`);
    return c.json(versionView(row, row.version), 201);
  })
  .openapi(simulateRoute, async (c) => {
    const result = await service.simulate(c.env, c.req.valid("json"), Date.now());
    const { nowAtMs, facts, ...rest } = result;
    // factsOf never sets a key to undefined: every value is JSON.
    const json = facts as Record<string, string | number | boolean | string[]>;
    return c.json({ ...rest, facts: json, nowAt: toIso(nowAtMs) }, 200);
  });

import { z } from "@hono/zod-openapi";
import { EffectSchema, RuleSetSchema } from "#shared/rules/index";
import { IsoTimeSchema } from "../../http/common-schemas";

/** Rule set management request and response schemas (docs/rules.md "Managing rules"). */

const VersionNumberSchema = z.number().int().min(1).describe("a published version (1, 2, …)");
const { timeZone, groups, rules } = RuleSetSchema.shape;

/**
 * The draft as written: a RuleSet whose `version` is assigned on publish (one sent is
 * ignored). Shapes are checked here, everything else by `validateRuleSet` in the handler;
 * either way every problem comes back at once at its path in the rule set
 * (`rules[3].conditions.all[1].op`).
 */
export const RuleDraftInputSchema = z
  .strictObject({
    version: z
      .number()
      .int()
      .optional()
      .describe("ignored: a version number is assigned on publish (live + 1)"),
    timeZone,
    groups,
    rules,
    basedOnVersion: VersionNumberSchema.nullable()
      .optional()
      .describe(
        "the live version this draft was edited from; omitted: the draft's current one (or the " +
          "live version for a new draft). A publish is refused while it is not the live version",
      ),
  })
  .openapi("RuleDraftInput");

/** A RuleSet as validated (defaults filled in), without a version. */
const DraftRuleSetSchema = z
  .object({ timeZone: z.string(), groups, rules })
  .openapi("DraftRuleSet");

export const RuleDraftSchema = z
  .object({
    ruleSet: DraftRuleSetSchema,
    basedOnVersion: VersionNumberSchema.nullable().describe(
      "the live version the draft was edited from; null: nothing was live",
    ),
    liveVersion: VersionNumberSchema.nullable().describe("the live version now"),
    revision: z.number().int().min(1).describe("+1 on every save"),
    updatedAt: IsoTimeSchema,
    updatedBy: z.string(),
  })
  .openapi("RuleDraft");

export const FraudStarterResultSchema = RuleDraftSchema.extend({
  added: z
    .array(z.string())
    .describe("ids of the starter rules added; those the draft already had are left as they are"),
}).openapi("FraudStarterResult");

const VersionFieldsSchema = {
  version: VersionNumberSchema,
  publishedAt: IsoTimeSchema,
  publishedBy: z.string().describe("the admin key or operator that published it"),
  note: z.string().nullable(),
  rolledBackFrom: VersionNumberSchema.nullable().describe(
    "set on a rollback: the version whose rules this one copies",
  ),
};

export const RuleVersionSummarySchema = z
  .object({ ...VersionFieldsSchema, live: z.boolean() })
  .openapi("RuleVersionSummary");

export const RuleVersionSchema = z
  .object({
    ...VersionFieldsSchema,
    live: z.boolean(),
    ruleSet: z.object({ version: VersionNumberSchema, timeZone: z.string(), groups, rules }),
  })
  .openapi("RuleVersion");

export const RuleVersionListSchema = z
  .object({ items: z.array(RuleVersionSummarySchema), nextCursor: z.string().nullable() })
  .openapi("RuleVersionList");

export const RuleVersionParamSchema = z.object({
  version: z.coerce
    .number()
    .int()
    .min(1)
    .max(2_147_483_647)
    .openapi({ param: { name: "version", in: "path" }, type: "integer" }),
});

export const RuleVersionListQuerySchema = z.object({
  cursor: z
    .string()
    .regex(/^[1-9][0-9]{0,9}$/, "the nextCursor of the previous page")
    .optional()
    .describe("nextCursor of the previous page"),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

export const RuleSetDiffSchema = z
  .object({
    liveVersion: VersionNumberSchema.nullable(),
    basedOnVersion: VersionNumberSchema.nullable(),
    hasChanges: z.boolean().describe("whether publishing the draft would change anything"),
    timeZone: z.object({ live: z.string().nullable(), draft: z.string() }).nullable(),
    groupsChanged: z.boolean(),
    added: z.array(z.string()).describe("ids of rules only the draft has"),
    removed: z.array(z.string()).describe("ids of rules only the live version has"),
    changed: z
      .array(
        z.object({
          id: z.string(),
          fields: z.array(z.string()).describe("the rule's top-level fields that differ"),
        }),
      )
      .describe("rules in both whose content differs"),
  })
  .openapi("RuleSetDiff");

export const RuleRollbackDiffSchema = z
  .object({
    liveVersion: VersionNumberSchema,
    version: VersionNumberSchema.describe("the version rolled back to"),
    hasChanges: z.boolean().describe("whether rolling back would change anything"),
    timeZone: z.object({ live: z.string(), version: z.string() }).nullable(),
    groupsChanged: z.boolean(),
    added: z.array(z.string()).describe("ids of rules only the version has: they come back"),
    removed: z.array(z.string()).describe("ids of rules only the live version has: they go"),
    changed: z
      .array(
        z.object({
          id: z.string(),
          fields: z.array(z.string()).describe("the rule's top-level fields that differ"),
        }),
      )
      .describe("rules in both whose content differs"),
  })
  .openapi("RuleRollbackDiff");

const NoteSchema = z.string().min(1).max(500);

export const PublishInputSchema = z
  .strictObject({ note: NoteSchema.optional().describe("why: shown in the version list") })
  .openapi("RulePublishInput");

export const RollbackInputSchema = z
  .strictObject({
    version: VersionNumberSchema.describe("the version whose rules become live again"),
    note: NoteSchema.optional(),
  })
  .openapi("RuleRollbackInput");

const UserFactsSchema = z.strictObject({
  tier: z.string().min(1).max(64).optional(),
  segments: z.array(z.string().min(1).max(64)).max(100).optional(),
  accountAgeDays: z.number().int().min(0).max(100_000).optional(),
  signedUpAt: IsoTimeSchema.optional().describe("gives accountAgeDays when that is left out"),
  referralState: z
    .string()
    .min(1)
    .max(32)
    .optional()
    .describe(
      "the state of the user's referral as a referee (referral.state); absent: not referred",
    ),
});

const ContextFactsSchema = z.strictObject({
  countOfKindThisMonth: z
    .number()
    .int()
    .min(0)
    .max(1_000_000)
    .optional()
    .describe("events of this type this month before this one; 0 makes it the first"),
  firstOfKindEver: z
    .boolean()
    .optional()
    .describe("the user's first event of this type ever (context.firstOfKindEver)"),
});

export const SimulateInputSchema = z
  .strictObject({
    event: z
      .record(z.string(), z.unknown())
      .describe(
        "an event exactly as sent to POST /v1/events (docs/events.md), checked the same way; " +
          "or a risk.<kind> event with its facts in `signals`",
      ),
    against: z.enum(["live", "draft"]),
    user: UserFactsSchema.optional().describe("what the wallet would know of the user"),
    context: ContextFactsSchema.optional(),
    signals: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
      .optional()
      .describe(
        "for a risk.<kind> event (a fraud rule's, docs/fraud.md): the signal.* facts the risk " +
          "object would see (velocity, score, links, click quality); the event needs only id, " +
          "type, userId and occurredAt",
      ),
  })
  .openapi("RuleSimulateInput");

const AppliedEffectSchema = z.object({
  ruleId: z.string(),
  ruleVersion: z.number().int(),
  group: z.string(),
  effect: EffectSchema,
  pointsAsked: z.number().int().optional(),
  cashbackAskedMinor: z.number().int().optional(),
  currency: z.string().optional(),
  budgetKeys: z.array(z.string()),
});

const RuleTraceSchema = z.object({
  ruleId: z.string(),
  name: z.string(),
  group: z.string(),
  mode: z.string(),
  priority: z.number().int(),
  schedule: z.object({
    status: z.enum(["in", "not_started", "ended"]),
    startsAtMs: z.number().int().optional(),
    endsAtMs: z.number().int().optional(),
  }),
  conditions: z
    .unknown()
    .describe(
      "the condition tree: groups { kind: all|any|not, result, children } and leaves with " +
        "attr, op, expected, actual (null when absent) and result pass|fail|not_evaluated; " +
        "null when out of schedule",
    ),
  outcome: z.enum(["applied", "outranked", "conditions_failed", "out_of_schedule"]),
  outrankedBy: z.string().optional(),
  rankValue: z.number().optional(),
  effects: z.array(EffectSchema),
});

export const SimulationSchema = z
  .object({
    against: z.enum(["live", "draft"]),
    version: z
      .number()
      .int()
      .describe("the version evaluated; a draft is evaluated as live + 1, the number it would get"),
    nowAt: IsoTimeSchema.describe(
      "when schedules and budget periods were judged: the event's time, or now if it is later",
    ),
    facts: z.record(z.string(), z.unknown()).describe("the facts the rules saw"),
    applied: z.array(AppliedEffectSchema),
    trace: z.object({
      version: z.number().int(),
      timeZone: z.string(),
      eventType: z.string().nullable(),
      nowMs: z.number().int(),
      local: z.object({ date: z.string(), dayOfWeek: z.string(), time: z.string() }).nullable(),
      rules: z.array(RuleTraceSchema),
      multipliers: z.array(
        z.object({
          appliesTo: z.enum(["points", "cashback"]),
          currency: z.string().optional(),
          base: z.number().int(),
          factorsBps: z.array(z.number().int()),
          total: z.number().int(),
          bonus: z.number().int(),
        }),
      ),
    }),
    budgets: z
      .array(
        z.object({
          ruleId: z.string(),
          unit: z.string().describe("`points` or the cashback's currency"),
          asked: z.number().int(),
          wouldGrant: z.number().int().describe("what the rule's budgets would grant now"),
          budgets: z.array(
            z.object({
              key: z.string(),
              limit: z.number().int(),
              outstanding: z.number().int(),
              remaining: z.number().int(),
              partial: z
                .boolean()
                .describe(
                  "true when a part of the split budget did not answer: outstanding counts " +
                    "all it is lent",
                ),
            }),
          ),
          reason: z.string().nullable().describe("why it would get less than it asks"),
        }),
      )
      .describe("each budgeted reward against its budgets' use now (read, nothing reserved)"),
    notPaid: z
      .array(z.object({ ruleId: z.string(), detail: z.string() }))
      .describe("applied effects the wallet would not pay, and why"),
  })
  .openapi("RuleSimulation");

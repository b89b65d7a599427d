import { z } from "zod";
import { type Condition, conditionIssues, type RuleIssue } from "./conditions";
import { EffectSchema, rankKindOf } from "./effects";
import { fraudRuleIssues } from "./fraud-rule-check";
import { isValidTimeZone } from "./local-time";

/**
 * The rule model (zod 4): a rule set is what an operator publishes as one immutable version;
 * each rule listens to event types, tests conditions, and gives effects, stacked per group.
 * `validateRuleSet` is the one write-time check (shape, attribute catalog, groups, budgets),
 * returning every problem with its path.
 */

export const MAX_RULES = 2_000;
export const MAX_EFFECTS_PER_RULE = 8;

/** No `:`, the budget keys' separator. */
const Id = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$/, "1–80 letters, digits, _ . - (no spaces or colons)");
/** `purchase.completed`, `user.signed_up`, or an operator's custom type such as `quiz.passed`. */
const EventType = z
  .string()
  .regex(/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$/, "an event type is lower case, dot separated")
  .max(64);
const EpochMs = z.number().int().nonnegative().max(8_640_000_000_000_000);

export const BudgetEntitySchema = z.enum(["user", "campaign", "global"]);
export const BudgetPeriodSchema = z.enum(["day", "week", "month", "lifetime"]);
export type BudgetEntity = z.infer<typeof BudgetEntitySchema>;
export type BudgetPeriod = z.infer<typeof BudgetPeriodSchema>;

/** A cap on what a rule gives: points, or money in one currency. */
export const BudgetLimitSchema = z.union([
  z.strictObject({ points: z.number().int().min(1) }),
  z.strictObject({
    amountMinor: z.number().int().min(1),
    currency: z.string().regex(/^[A-Z]{3}$/, "a currency is an ISO 4217 code such as INR"),
  }),
]);
/** Most objects one budget may be split into (each ~1,000 requests/s; docs/scaling.md). */
export const MAX_BUDGET_PARTS = 64;

export const BudgetSchema = z.strictObject({
  entity: BudgetEntitySchema,
  period: BudgetPeriodSchema,
  limit: BudgetLimitSchema,
  /**
   * How many objects the budget is split into (docs/rules.md "Budget parts"): a wallet asks
   * part `shardOf(userId, parts)`, which borrows from the budget's own object. Absent or 1:
   * one object, as before. Only a `global` or `campaign` budget is shared by many users.
   */
  parts: z
    .number()
    .int("a whole number of parts")
    .min(1, "at least 1 part")
    .max(MAX_BUDGET_PARTS, `at most ${MAX_BUDGET_PARTS} parts`)
    .optional(),
});
export type Budget = z.infer<typeof BudgetSchema>;

/** When the rule is live: `startsAtMs` inclusive, `endsAtMs` exclusive; either may be open. */
export const ScheduleSchema = z.strictObject({
  startsAtMs: EpochMs.optional(),
  endsAtMs: EpochMs.optional(),
});

/**
 * Conditions are checked by hand (conditions.ts) rather than by a zod union so that a
 * mistake deep in a tree is reported at its path with a sentence, not as "Invalid input".
 * A refinement, not a transform, so the schema stays representable in OpenAPI (as any JSON).
 */
export const ConditionSchema = z.unknown().superRefine((value, ctx) => {
  for (const issue of conditionIssues(value, [])) {
    ctx.addIssue({ code: "custom", message: issue.message, path: issue.path });
  }
}) as unknown as z.ZodType<Condition, unknown>;

export const RuleSchema = z.strictObject({
  id: Id,
  name: z.string().min(1).max(120),
  eventTypes: z.array(EventType).min(1).max(20),
  conditions: ConditionSchema,
  effects: z.array(EffectSchema).min(1).max(MAX_EFFECTS_PER_RULE),
  priority: z.number().int().min(-1_000_000).max(1_000_000),
  group: z.string().min(1).max(64),
  schedule: ScheduleSchema.default({}),
  budgets: z.array(BudgetSchema).max(6).default([]),
  /** Needed by budgets with entity `campaign`: whose budget the rule draws on. */
  campaignId: Id.optional(),
  active: z.boolean(),
});
export type Rule = z.output<typeof RuleSchema>;
export type RuleInput = z.input<typeof RuleSchema>;

export const GroupModeSchema = z.enum(["stackable", "first_match", "highest", "lowest"]);
export type GroupMode = z.infer<typeof GroupModeSchema>;
export const GroupSchema = z.strictObject({
  name: z.string().min(1).max(64),
  mode: GroupModeSchema,
});
export type Group = z.infer<typeof GroupSchema>;

export const RuleSetSchema = z
  .strictObject({
    version: z.number().int().min(1),
    timeZone: z.string().refine(isValidTimeZone, "not an IANA time zone (e.g. Asia/Kolkata)"),
    groups: z.array(GroupSchema).min(1).max(100),
    rules: z.array(RuleSchema).max(MAX_RULES),
  })
  .superRefine((set, ctx) => {
    for (const issue of ruleSetIssues(set)) {
      ctx.addIssue({ code: "custom", message: issue.message, path: issue.path });
    }
  });
export type RuleSet = z.output<typeof RuleSetSchema>;
export type RuleSetInput = z.input<typeof RuleSetSchema>;

/** Cross-field checks, once every part has its shape. */
function ruleSetIssues(set: Omit<RuleSet, never>): RuleIssue[] {
  const issues: RuleIssue[] = [];
  const groups = new Map<string, Group>();
  set.groups.forEach((group, index) => {
    if (groups.has(group.name)) {
      issues.push({ path: ["groups", index, "name"], message: `group "${group.name}" twice` });
    }
    groups.set(group.name, group);
  });
  const ids = new Set<string>();
  const rankKinds = new Map<string, { kind: string; ruleId: string }>();
  set.rules.forEach((rule, index) => {
    const at = ["rules", index];
    if (ids.has(rule.id))
      issues.push({ path: [...at, "id"], message: `rule id "${rule.id}" twice` });
    ids.add(rule.id);
    issues.push(...fraudRuleIssues(rule, at));
    const { startsAtMs, endsAtMs } = rule.schedule;
    if (startsAtMs !== undefined && endsAtMs !== undefined && startsAtMs >= endsAtMs) {
      issues.push({
        path: [...at, "schedule", "endsAtMs"],
        message: "the schedule ends before it starts",
      });
    }
    const seen = new Set<string>();
    rule.budgets.forEach((budget, b) => {
      const pair = `${budget.entity}/${budget.period}`;
      if (seen.has(pair)) {
        issues.push({
          path: [...at, "budgets", b],
          message: `a second ${budget.entity} budget per ${budget.period}`,
        });
      }
      seen.add(pair);
      if (budget.entity === "campaign" && rule.campaignId === undefined) {
        issues.push({
          path: [...at, "budgets", b, "entity"],
          message: "a campaign budget needs the rule's campaignId",
        });
      }
      if (budget.entity === "user" && (budget.parts ?? 1) > 1) {
        issues.push({
          path: [...at, "budgets", b, "parts"],
          message: "a user budget is one user's: only a global or campaign budget is split",
        });
      }
    });
    const group = groups.get(rule.group);
    if (group === undefined) {
      issues.push({ path: [...at, "group"], message: `no group "${rule.group}" in groups` });
      return;
    }
    if (group.mode !== "highest" && group.mode !== "lowest") return;
    const kind = rankKindOf(rule.effects);
    if (kind === undefined) {
      issues.push({
        path: [...at, "effects"],
        message: `group "${group.name}" ranks by ${group.mode} value: all of a rule's effects must be points, cashback, or multipliers of one kind`,
      });
      return;
    }
    const first = rankKinds.get(group.name);
    if (first === undefined) rankKinds.set(group.name, { kind, ruleId: rule.id });
    else if (first.kind !== kind) {
      issues.push({
        path: [...at, "effects"],
        message: `group "${group.name}" ranks ${first.kind} (rule "${first.ruleId}"); this rule gives ${kind}, which cannot be compared with it`,
      });
    }
  });
  return issues;
}

export type RuleSetValidation = { ok: true; ruleSet: RuleSet } | { ok: false; issues: RuleIssue[] };

/**
 * Validates a rule set as written by an operator: every problem, each with its path (the
 * shape of zod issues, so the admin API maps them to problem+json fields as it does zod's).
 *
 * @example
 * const result = validateRuleSet(body);
 * if (!result.ok) result.issues
 * // [{ path: ["rules", 0, "conditions", "all", 1, "op"], message: 'operator "gt" does not apply to "event.category" (a string); …' }]
 */
export function validateRuleSet(input: unknown): RuleSetValidation {
  const parsed = RuleSetSchema.safeParse(input);
  if (parsed.success) return { ok: true, ruleSet: parsed.data };
  return {
    ok: false,
    issues: parsed.error.issues.map((issue) => ({
      path: issue.path.map((part) => (typeof part === "number" ? part : String(part))),
      message: issue.message,
    })),
  };
}

/**
 * A path as a reader writes it: `rules[3].conditions.all[1].op`.
 *
 * @example
 * formatIssuePath(["rules", 3, "conditions", "all", 1, "op"]) // "rules[3].conditions.all[1].op"
 */
export function formatIssuePath(path: readonly (string | number)[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out.length === 0 ? part : `.${part}`;
  }
  return out || "(root)";
}

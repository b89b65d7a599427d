import { z } from "zod";
import { reservedForCampaigns } from "#shared/campaigns/campaign-rule";
import type { ApiEnv } from "#shared/env";
import type { CustomDataSchemas } from "#shared/events/event-check";
import { checkEvent } from "#shared/events/event-check";
import type { FirstPartyEvent } from "#shared/events/event-schema";
import { simulatedRiskFacts } from "#shared/fraud/risk-facts";
import { FRAUD_GROUP, FRAUD_STARTER_RULES } from "#shared/fraud/starter-rules";
import { AppError } from "#shared/http/errors";
import type { Logger } from "#shared/observability/logger";
import { errorFields } from "#shared/observability/logger";
import { factsOf } from "#shared/rules/facts";
import {
  CompiledRuleSetCache,
  compileRuleSet,
  evaluate,
  type Facts,
  formatIssuePath,
  type RuleIssue,
  type RuleSet,
  riskActivityOf,
  validateRuleSet,
} from "#shared/rules/index";
import { liveRuleSetFromD1, propagateLiveRuleSet } from "#shared/rules/live-rule-set";
import { budgetCaps } from "./budget-caps";
import { diffRuleSets, type RuleSetDiff } from "./diff";
import type { RuleDraftInputSchema, SimulateInputSchema } from "./schemas";
import {
  type DraftRow,
  type DraftRuleSet,
  findDraft,
  findVersion,
  insertLiveVersion,
  liveVersionNumber,
  saveDraft,
  type VersionRow,
} from "./store";

/**
 * Rule set management: the draft (validated on every save), publish and rollback (each a new
 * immutable version, live + 1, refused if the live version moved meanwhile), the diff, and the
 * simulator, which reads and evaluates but writes nothing. docs/rules.md "Managing rules".
 */

/** Who is acting and when: the handler reads the clock and the caller once. */
export interface Actor {
  by: string;
  nowMs: number;
}

/** Engine issues → problem fields at the rule set's own paths (`rules[3].conditions.all[1].op`). */
export function ruleSetProblem(issues: readonly RuleIssue[]): AppError {
  return new AppError(
    "validation_failed",
    `the rule set has ${issues.length} problem${issues.length === 1 ? "" : "s"}; nothing was saved`,
    issues.map((issue) => ({ path: formatIssuePath(issue.path), message: issue.message })),
  );
}

type DraftInput = z.output<typeof RuleDraftInputSchema>;

/** Validates and saves the draft; nothing is saved if any rule is invalid. */
export async function putDraft(env: ApiEnv, input: DraftInput, actor: Actor): Promise<DraftRow> {
  const { version: _assignedOnPublish, basedOnVersion, ...body } = input;
  const [existing, live] = await Promise.all([findDraft(env), liveVersionNumber(env)]);
  // The number it would get; the engine's check needs one, the draft does not keep it.
  const checked = validateRuleSet({ ...body, version: live + 1 });
  if (!checked.ok) throw ruleSetProblem(checked.issues);
  const reserved = reservedForCampaigns(checked.ruleSet);
  if (reserved.length > 0) throw ruleSetProblem(reserved);
  if (basedOnVersion != null && basedOnVersion > live) {
    throw new AppError("validation_failed", "no such version", [
      {
        path: "basedOnVersion",
        message: `version ${basedOnVersion} was never published; ${live} is live`,
      },
    ]);
  }
  const { version: _, ...ruleSet } = checked.ruleSet;
  const base =
    basedOnVersion !== undefined
      ? basedOnVersion
      : existing
        ? existing.basedOnVersion
        : live === 0
          ? null
          : live;
  await saveDraft(env, { ruleSet, basedOnVersion: base, nowMs: actor.nowMs, by: actor.by });
  return requireDraft(env);
}

/**
 * Adds the starter fraud rules (shared/fraud/starter-rules.ts, docs/fraud.md "Starter rules")
 * to the draft — the live version's rules when there is no draft yet — for the operator to
 * edit and publish. Rules whose id the draft already has are left as the operator has them,
 * and the group `fraud` is added (stackable) unless it is there: adding twice adds nothing.
 */
export async function addFraudStarter(
  env: ApiEnv,
  actor: Actor,
): Promise<{ draft: DraftRow; added: string[] }> {
  const [existing, live] = await Promise.all([findDraft(env), liveVersionNumber(env)]);
  const liveRow = existing || live === 0 ? null : await requireVersion(env, live);
  const base: DraftRuleSet = existing
    ? existing.ruleSet
    : liveRow
      ? (({ version: _, ...rest }) => rest)(liveRow.ruleSet)
      : { timeZone: "UTC", groups: [], rules: [] };
  const ids = new Set(base.rules.map((rule) => rule.id));
  const added = FRAUD_STARTER_RULES.filter((rule) => !ids.has(rule.id));
  const groups = base.groups.some((group) => group.name === FRAUD_GROUP.name)
    ? base.groups
    : [...base.groups, { ...FRAUD_GROUP }];
  const draft = await putDraft(
    env,
    {
      timeZone: base.timeZone,
      groups,
      rules: [...base.rules, ...(added as DraftRuleSet["rules"])],
    },
    actor,
  );
  return { draft, added: added.map((rule) => rule.id) };
}

export async function requireDraft(env: ApiEnv): Promise<DraftRow> {
  const draft = await findDraft(env);
  if (!draft) throw new AppError("not_found", "there is no draft yet: PUT /admin/v1/rules/draft");
  return draft;
}

export async function requireVersion(env: ApiEnv, version: number): Promise<VersionRow> {
  const row = await findVersion(env, version);
  if (!row) throw new AppError("not_found", `rule set version ${version} was never published`);
  return row;
}

export async function requireLive(env: ApiEnv): Promise<VersionRow> {
  const live = await liveVersionNumber(env);
  if (live === 0) throw new AppError("not_found", "no rule set version is live yet");
  return requireVersion(env, live);
}

/** The draft against the live version. */
export async function draftDiff(
  env: ApiEnv,
): Promise<RuleSetDiff & { liveVersion: number | null; basedOnVersion: number | null }> {
  const draft = await requireDraft(env);
  const live = await liveVersionNumber(env);
  const liveRow = live === 0 ? null : await requireVersion(env, live);
  return {
    liveVersion: live === 0 ? null : live,
    basedOnVersion: draft.basedOnVersion,
    ...diffRuleSets(liveRow?.ruleSet ?? null, draft.ruleSet),
  };
}

/**
 * What rolling back to `version` would change against the live version: the same comparison
 * as the draft's diff, with the version's rules in the draft's place.
 */
export async function rollbackDiff(env: ApiEnv, version: number) {
  const [target, liveRow] = await Promise.all([requireVersion(env, version), requireLive(env)]);
  const diff = diffRuleSets(liveRow.ruleSet, target.ruleSet);
  return {
    liveVersion: liveRow.version,
    version,
    hasChanges: diff.hasChanges,
    timeZone: diff.timeZone
      ? { live: diff.timeZone.live ?? liveRow.ruleSet.timeZone, version: diff.timeZone.draft }
      : null,
    groupsChanged: diff.groupsChanged,
    added: diff.added,
    removed: diff.removed,
    changed: diff.changed,
  };
}

/**
 * Publishes the draft as version live + 1. Refused (409) when the draft was edited from an
 * older live version than the current one (someone published or rolled back meanwhile: look
 * at the diff, then save the draft with `basedOnVersion` set to the live version), when it
 * changes nothing, or when another publish took the number first.
 */
export async function publishDraft(
  env: ApiEnv,
  note: string | null,
  actor: Actor,
  log: Logger | undefined,
): Promise<VersionRow> {
  const [draft, live] = await Promise.all([requireDraft(env), liveVersionNumber(env)]);
  if ((draft.basedOnVersion ?? 0) !== live) {
    throw new AppError(
      "conflict",
      `the draft was edited from ${draft.basedOnVersion === null ? "no version" : `version ${draft.basedOnVersion}`}, ` +
        `but version ${live} is live now: review GET /admin/v1/rules/draft/diff, then save the ` +
        `draft with basedOnVersion ${live} and publish again`,
    );
  }
  const liveRow = live === 0 ? null : await requireVersion(env, live);
  if (!diffRuleSets(liveRow?.ruleSet ?? null, draft.ruleSet).hasChanges) {
    throw new AppError("conflict", `nothing to publish: the draft equals live version ${live}`);
  }
  return publishVersion(env, draft.ruleSet, { note, rolledBackFrom: null }, actor, log, {
    expectedLive: live,
    rebaseDraft: { revision: draft.revision },
  });
}

/** Publishes a copy of `version`'s rules as a new version (versions are never edited). */
export async function rollbackTo(
  env: ApiEnv,
  version: number,
  note: string | null,
  actor: Actor,
  log: Logger | undefined,
): Promise<VersionRow> {
  const [target, live] = await Promise.all([findVersion(env, version), liveVersionNumber(env)]);
  if (!target) {
    throw new AppError("validation_failed", "no such version", [
      { path: "version", message: `version ${version} was never published` },
    ]);
  }
  const liveRow = await requireVersion(env, live);
  if (!diffRuleSets(liveRow.ruleSet, target.ruleSet).hasChanges) {
    throw new AppError(
      "conflict",
      `nothing to roll back: version ${version}'s rules are the live ones (version ${live})`,
    );
  }
  const { version: _, ...rules } = target.ruleSet;
  return publishVersion(env, rules, { note, rolledBackFrom: version }, actor, log, {
    expectedLive: live,
    rebaseDraft: null,
  });
}

async function publishVersion(
  env: ApiEnv,
  rules: DraftRuleSet,
  meta: { note: string | null; rolledBackFrom: number | null },
  actor: Actor,
  log: Logger | undefined,
  at: { expectedLive: number; rebaseDraft: { revision: number } | null },
): Promise<VersionRow> {
  const version = at.expectedLive + 1;
  // Checked again as the version it becomes: what is published is what the engine accepts.
  const checked = validateRuleSet({ ...rules, version });
  if (!checked.ok) throw ruleSetProblem(checked.issues);
  const reserved = reservedForCampaigns(checked.ruleSet);
  if (reserved.length > 0) throw ruleSetProblem(reserved);
  const row: VersionRow = {
    version,
    ruleSet: checked.ruleSet,
    publishedAtMs: actor.nowMs,
    publishedBy: actor.by,
    note: meta.note,
    rolledBackFrom: meta.rolledBackFrom,
  };
  const outcome = await insertLiveVersion(env, row, at.rebaseDraft);
  if (outcome.status === "stale") {
    throw new AppError(
      "conflict",
      `version ${outcome.liveVersion} was published meanwhile; nothing was published: review the diff and try again`,
    );
  }
  try {
    await propagateLiveRuleSet(env, { version, ruleSet: checked.ruleSet });
  } catch (error) {
    // D1 holds the version (the source of truth); evaluators read the KV copy. Loud, and the
    // operator is told the new version is not yet in effect everywhere.
    log?.error("rules.propagate_failed", { version, ...errorFields(error) });
    throw new AppError(
      "unavailable",
      `version ${version} is published, but the config cache could not be updated; it takes effect when the cache is next written (publish or roll back again)`,
    );
  }
  log?.info("rules.published", { version, rolledBackFrom: meta.rolledBackFrom, by: actor.by });
  return row;
}

/** Custom event types are not registered anywhere yet, so the simulator refuses them (400). */
const NO_CUSTOM_TYPES: CustomDataSchemas = new Map();
/** Published versions compile once per isolate; drafts are compiled per call, never cached. */
const liveCompiled = new CompiledRuleSetCache();

type SimulateInput = z.output<typeof SimulateInputSchema>;

/**
 * Evaluates one event against the live version or the draft with a full trace. Reads D1
 * (never KV, whose read-through could write back) and writes nothing anywhere.
 */
export async function simulate(env: ApiEnv, input: SimulateInput, nowMs: number) {
  const risk = riskSimulation(input);
  const checked = risk
    ? { ok: true as const, event: risk.event }
    : checkEvent(input.event, NO_CUSTOM_TYPES, "event", { walletTypes: true });
  if (!checked.ok) {
    throw new AppError("validation_failed", "the event did not pass validation", checked.fields);
  }
  const event = checked.event;
  let ruleSet: RuleSet;
  let compiled: ReturnType<typeof compileRuleSet>;
  if (input.against === "live") {
    const live = await liveRuleSetFromD1(env.DB);
    if (!live) throw new AppError("not_found", "no rule set version is live yet");
    ruleSet = live.ruleSet;
    compiled = liveCompiled.get(ruleSet);
  } else {
    const [draft, live] = await Promise.all([requireDraft(env), liveVersionNumber(env)]);
    ruleSet = { ...draft.ruleSet, version: live + 1 };
    compiled = compileRuleSet(ruleSet);
  }
  const user = input.user ?? {};
  const facts = risk
    ? risk.facts
    : factsOf(
        event,
        {
          tier: user.tier,
          segments: user.segments,
          accountAgeDays: user.accountAgeDays,
          signedUpAtMs: user.signedUpAt === undefined ? undefined : Date.parse(user.signedUpAt),
          referralState: user.referralState,
        },
        {
          countOfKindThisMonth: input.context?.countOfKindThisMonth,
          firstOfKindEver: input.context?.firstOfKindEver,
        },
      );
  // As the intake judges an event: at its own time, clamped to now (one dated in the future
  // is judged now).
  const atMs = Math.min(event.occurredAtMs, nowMs);
  const result = evaluate(compiled, facts, { nowMs: atMs, trace: true });
  const { caps, skipped } = await budgetCaps(env, compiled, result.applied);
  return {
    against: input.against,
    version: ruleSet.version,
    nowAtMs: atMs,
    facts,
    applied: result.applied.map((a) => ({ ...a, budgetKeys: [...a.budgetKeys] })),
    // biome-ignore lint/style/noNonNullAssertion: trace: true always builds the trace.
    trace: result.trace!,
    budgets: caps,
    notPaid: skipped,
  };
}

const RiskEnvelopeSchema = z.strictObject({
  id: z.string().min(1).max(128),
  type: z.string(),
  userId: z.string().min(1).max(128),
  occurredAt: z.iso.datetime({ offset: true }),
});

/**
 * A `risk.<kind>` event (a fraud rule's, docs/fraud.md) as the simulator takes it: the
 * envelope only, its facts from `signals`, as the risk object would build them. Undefined for
 * any other event type (checked as POST /v1/events checks it).
 */
function riskSimulation(
  input: SimulateInput,
): { event: FirstPartyEvent; facts: Facts } | undefined {
  const type = input.event.type;
  const kind = typeof type === "string" ? riskActivityOf(type) : undefined;
  if (kind === undefined) return undefined;
  const envelope = RiskEnvelopeSchema.safeParse(input.event);
  if (!envelope.success) {
    throw new AppError(
      "validation_failed",
      "the event did not pass validation",
      envelope.error.issues.map((i) => ({
        path: ["event", ...i.path.map(String)].join("."),
        message: i.message,
      })),
    );
  }
  const { id, userId, occurredAt } = envelope.data;
  const occurredAtMs = Date.parse(occurredAt);
  const { facts, problems } = simulatedRiskFacts(
    { observationId: id, userId, kind, atMs: occurredAtMs },
    input.signals ?? {},
  );
  if (problems.length > 0) {
    throw new AppError(
      "validation_failed",
      "the signals did not pass validation",
      problems.map((p) => ({ path: `signals.${p.name}`, message: p.message })),
    );
  }
  return { event: { id, type: type as string, userId, occurredAtMs, data: {} }, facts };
}

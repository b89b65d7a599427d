import { canonicalJson } from "#shared/events/event-check";
import type { RuleSet } from "#shared/rules/index";

/**
 * What a draft changes against the live version (pure): the rules added, removed and changed
 * (with which of a rule's top-level fields differ), and the set-wide settings. Both sides are
 * validated rule sets (defaults filled in), so a default left out and the same default
 * written out compare equal; key order never matters. The `version` field is not compared.
 */

export interface RuleChange {
  id: string;
  /** The rule's top-level fields that differ, in the rule model's order. */
  fields: string[];
}

export interface RuleSetDiff {
  /** Whether publishing the draft would change anything. */
  hasChanges: boolean;
  timeZone: { live: string | null; draft: string } | null;
  groupsChanged: boolean;
  added: string[];
  removed: string[];
  changed: RuleChange[];
}

/** The fields of a rule in the order docs/rules.md lists them. */
const RULE_FIELDS = [
  "id",
  "name",
  "eventTypes",
  "conditions",
  "effects",
  "priority",
  "group",
  "schedule",
  "budgets",
  "campaignId",
  "active",
];

type RuleSetBody = Pick<RuleSet, "timeZone" | "groups" | "rules">;

/**
 * The draft against the live set (null: nothing published yet, so every rule is added).
 *
 * @example
 * diffRuleSets(live, draft)
 * // { hasChanges: true, timeZone: null, groupsChanged: false, added: ["new-rule"], removed: [],
 * //   changed: [{ id: "weekend", fields: ["effects", "priority"] }] }
 */
export function diffRuleSets(live: RuleSetBody | null, draft: RuleSetBody): RuleSetDiff {
  const before = new Map((live?.rules ?? []).map((rule) => [rule.id, rule]));
  const after = new Map(draft.rules.map((rule) => [rule.id, rule]));
  const added = draft.rules.filter((rule) => !before.has(rule.id)).map((rule) => rule.id);
  const removed = (live?.rules ?? []).filter((r) => !after.has(r.id)).map((r) => r.id);
  const changed: RuleChange[] = [];
  for (const rule of draft.rules) {
    const old = before.get(rule.id);
    if (!old) continue;
    const a = old as unknown as Record<string, unknown>;
    const b = rule as unknown as Record<string, unknown>;
    const keys = new Set([...RULE_FIELDS, ...Object.keys(a), ...Object.keys(b)]);
    const fields = [...keys].filter((key) => canonicalJson(a[key]) !== canonicalJson(b[key]));
    if (fields.length > 0) changed.push({ id: rule.id, fields });
  }
  const timeZone =
    live?.timeZone === draft.timeZone
      ? null
      : { live: live?.timeZone ?? null, draft: draft.timeZone };
  const groupsChanged = canonicalJson(live?.groups ?? []) !== canonicalJson(draft.groups);
  // The order of rules carries no meaning (priority then id decide), so a reorder is no change.
  return {
    hasChanges:
      live === null ||
      timeZone !== null ||
      groupsChanged ||
      added.length + removed.length + changed.length > 0,
    timeZone,
    groupsChanged,
    added,
    removed,
    changed,
  };
}

import { describe, expect, test } from "vitest";
import { type RuleSet, validateRuleSet } from "#shared/rules/index";
import { diffRuleSets } from "./diff";

/** A validated rule set (defaults filled in), as both sides of a diff always are. */
function ruleSet(input: Record<string, unknown>): RuleSet {
  const checked = validateRuleSet({ version: 1, ...input });
  if (!checked.ok) throw new Error(JSON.stringify(checked.issues));
  return checked.ruleSet;
}

const rule = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  name: `rule ${id}`,
  eventTypes: ["purchase.completed"],
  conditions: { all: [] },
  effects: [{ kind: "points_fixed", points: 10 }],
  priority: 0,
  group: "base",
  active: true,
  ...extra,
});

const base = {
  timeZone: "Asia/Kolkata",
  groups: [{ name: "base", mode: "stackable" }],
  rules: [rule("a"), rule("b")],
};
const live = ruleSet(base);

describe("diffRuleSets", () => {
  test.each([
    {
      label: "the same rules: no change",
      draft: base,
      want: { hasChanges: false, added: [], removed: [], changed: [] },
    },
    {
      label: "defaults written out and rules reordered: no change",
      draft: { ...base, rules: [rule("b"), rule("a", { schedule: {}, budgets: [] })] },
      want: { hasChanges: false, added: [], removed: [], changed: [] },
    },
    {
      label: "keys in another order: no change",
      draft: {
        groups: base.groups,
        rules: [{ ...rule("a"), conditions: { all: [] } }, rule("b")].map((r) =>
          Object.fromEntries(Object.entries(r).reverse()),
        ),
        timeZone: base.timeZone,
      },
      want: { hasChanges: false, added: [], removed: [], changed: [] },
    },
    {
      label: "a rule added and one removed",
      draft: { ...base, rules: [rule("a"), rule("c")] },
      want: { hasChanges: true, added: ["c"], removed: ["b"], changed: [] },
    },
    {
      label: "changed fields listed in the model's order",
      draft: {
        ...base,
        rules: [rule("a", { active: false, name: "renamed", priority: 5 }), rule("b")],
      },
      want: {
        hasChanges: true,
        added: [],
        removed: [],
        changed: [{ id: "a", fields: ["name", "priority", "active"] }],
      },
    },
    {
      label: "a campaign id set",
      draft: { ...base, rules: [rule("a", { campaignId: "diwali" }), rule("b")] },
      want: { hasChanges: true, changed: [{ id: "a", fields: ["campaignId"] }] },
    },
    {
      label: "the time zone and the groups",
      draft: {
        ...base,
        timeZone: "Europe/London",
        groups: [{ name: "base", mode: "first_match" }],
      },
      want: {
        hasChanges: true,
        timeZone: { live: "Asia/Kolkata", draft: "Europe/London" },
        groupsChanged: true,
      },
    },
  ])("$label", ({ draft, want }) => {
    expect(diffRuleSets(live, ruleSet(draft))).toMatchObject(want);
  });

  test("nothing live yet: every rule is added", () => {
    expect(diffRuleSets(null, live)).toEqual({
      hasChanges: true,
      timeZone: { live: null, draft: "Asia/Kolkata" },
      groupsChanged: true,
      added: ["a", "b"],
      removed: [],
      changed: [],
    });
  });
});

import { describe, expect, test } from "vitest";
import { formatIssuePath, validateRuleSet } from "./rule-schema";
import { rule, ruleSetInput } from "./testing/fixtures";

/** The first issue's readable path and message for a rule set with one rule changed. */
function firstIssue(input: unknown) {
  const result = validateRuleSet(input);
  if (result.ok) return undefined;
  const issue = result.issues[0];
  return issue && { path: formatIssuePath(issue.path), message: issue.message };
}

const nest = (depth: number): unknown =>
  depth === 0 ? { attr: "user.tier", op: "eq", value: "gold" } : { all: [nest(depth - 1)] };

describe("validateRuleSet: refused with a path to the problem", () => {
  test.each([
    {
      label: "gt on a string attribute",
      conditions: {
        all: [
          { attr: "event.amountMinor", op: "gte", value: 1 },
          { attr: "event.category", op: "gt", value: "a" },
        ],
      },
      path: "rules[0].conditions.all[1].op",
      message:
        /operator "gt" does not apply to "event.category" \(a string\); use one of eq, ne, in, not_in, exists/,
    },
    {
      label: "unknown attribute",
      conditions: { any: [{ attr: "event.amount", op: "gt", value: 1 }] },
      path: "rules[0].conditions.any[0].attr",
      message: /unknown attribute "event.amount"/,
    },
    {
      label: "unknown operator",
      conditions: { attr: "event.amountMinor", op: "between", value: 1 },
      path: "rules[0].conditions.op",
      message: /unknown operator/,
    },
    {
      label: "a string compared with a number attribute",
      conditions: { attr: "event.amountMinor", op: "eq", value: "100" },
      path: "rules[0].conditions.value",
      message: /compare with a number/,
    },
    {
      label: "in with an empty list",
      conditions: { attr: "event.category", op: "in", value: [] },
      path: "rules[0].conditions.value",
      message: /list of 1 to 1000 values/,
    },
    {
      label: "in with a mixed list",
      conditions: { attr: "event.merchantId", op: "in", value: ["a", 2] },
      path: "rules[0].conditions.value",
      message: /item 1 must be a string/,
    },
    {
      label: "contains_any on a scalar",
      conditions: { attr: "user.tier", op: "contains_any", value: ["gold"] },
      path: "rules[0].conditions.op",
      message: /does not apply to "user.tier"/,
    },
    {
      label: "eq on a list attribute",
      conditions: { attr: "user.segments", op: "eq", value: "vip" },
      path: "rules[0].conditions.op",
      message: /use one of contains_any, contains_all, exists/,
    },
    {
      label: "exists without a boolean",
      conditions: { attr: "user.tier", op: "exists", value: "yes" },
      path: "rules[0].conditions.value",
      message: /exists takes true or false/,
    },
    {
      label: "custom attribute compared with gt and a string",
      conditions: { attr: "event.attributes.score", op: "gt", value: "9" },
      path: "rules[0].conditions.value",
      message: /compares with a number/,
    },
    {
      label: "bad custom attribute name",
      conditions: { attr: "event.attributes.a.b", op: "eq", value: 1 },
      path: "rules[0].conditions.attr",
      message: /unknown attribute/,
    },
    {
      label: "a day that is not a day",
      conditions: { local: "day_of_week", in: ["mon", "funday"] },
      path: "rules[0].conditions.in[1]",
      message: /"funday" is not a day/,
    },
    {
      label: "a time window with a bad time",
      conditions: { local: "time_window", from: "24:00", to: "02:00" },
      path: "rules[0].conditions.from",
      message: /HH:MM/,
    },
    {
      label: "an empty time window",
      conditions: { local: "time_window", from: "10:00", to: "10:00" },
      path: "rules[0].conditions.to",
      message: /empty window/,
    },
    {
      label: "two keys in a group",
      conditions: { all: [], any: [] },
      path: "rules[0].conditions",
      message: /exactly one key/,
    },
    {
      label: "any without conditions",
      conditions: { not: { any: [] } },
      path: "rules[0].conditions.not.any",
      message: /at least one/,
    },
    {
      label: "nesting deeper than 6 groups",
      conditions: nest(7),
      path: "rules[0].conditions.all[0].all[0].all[0].all[0].all[0].all[0]",
      message: /at most 6 groups deep/,
    },
    {
      label: "more than 64 leaves",
      conditions: {
        all: Array.from({ length: 65 }, () => ({ attr: "user.tier", op: "eq", value: "x" })),
      },
      path: "rules[0].conditions.all[64]",
      message: /at most 64 conditions/,
    },
    {
      label: "an unexpected key on a leaf",
      conditions: { attr: "user.tier", op: "eq", value: "x", path: "$.tier" },
      path: "rules[0].conditions.path",
      message: /unexpected key/,
    },
  ])("$label", ({ conditions, path, message }) => {
    const issue = firstIssue(ruleSetInput([rule({ id: "r1", conditions: conditions as never })]));
    expect(issue?.path).toBe(path);
    expect(issue?.message).toMatch(message);
  });

  test("six nested groups are accepted", () => {
    expect(
      validateRuleSet(ruleSetInput([rule({ id: "r1", conditions: nest(6) as never })])).ok,
    ).toBe(true);
  });

  test.each([
    {
      label: "a group that is not declared",
      input: ruleSetInput([rule({ id: "r1", group: "boosts" })]),
      path: "rules[0].group",
      message: /no group "boosts"/,
    },
    {
      label: "duplicate rule ids",
      input: ruleSetInput([rule({ id: "r1" }), rule({ id: "r1" })]),
      path: "rules[1].id",
      message: /twice/,
    },
    {
      label: "duplicate groups",
      input: ruleSetInput([], {
        groups: [
          { name: "a", mode: "stackable" },
          { name: "a", mode: "highest" },
        ],
      }),
      path: "groups[1].name",
      message: /twice/,
    },
    {
      label: "a schedule ending before it starts",
      input: ruleSetInput([rule({ id: "r1", schedule: { startsAtMs: 10, endsAtMs: 10 } })]),
      path: "rules[0].schedule.endsAtMs",
      message: /ends before it starts/,
    },
    {
      label: "an unknown time zone",
      input: ruleSetInput([], { timeZone: "Asia/Bombay2" }),
      path: "timeZone",
      message: /IANA/,
    },
    {
      label: "no event types",
      input: ruleSetInput([rule({ id: "r1", eventTypes: [] })]),
      path: "rules[0].eventTypes",
      message: /.+/,
    },
    {
      label: "no effects",
      input: ruleSetInput([rule({ id: "r1", effects: [] })]),
      path: "rules[0].effects",
      message: /.+/,
    },
    {
      label: "a multiplier below ×1",
      input: ruleSetInput([
        rule({
          id: "r1",
          effects: [{ kind: "multiplier", factorBps: 5_000, appliesTo: "points" }],
        }),
      ]),
      path: "rules[0].effects[0].factorBps",
      message: /.+/,
    },
    {
      label: "a campaign budget without the campaign",
      input: ruleSetInput([
        rule({
          id: "r1",
          budgets: [{ entity: "campaign", period: "day", limit: { points: 100 } }],
        }),
      ]),
      path: "rules[0].budgets[0].entity",
      message: /campaignId/,
    },
    {
      label: "two user budgets per month",
      input: ruleSetInput([
        rule({
          id: "r1",
          budgets: [
            { entity: "user", period: "month", limit: { points: 100 } },
            { entity: "user", period: "month", limit: { amountMinor: 100, currency: "INR" } },
          ],
        }),
      ]),
      path: "rules[0].budgets[1]",
      message: /second user budget per month/,
    },
    {
      label: "a highest group mixing points and cashback",
      input: ruleSetInput(
        [
          rule({ id: "r1", group: "best" }),
          rule({ id: "r2", group: "best", effects: [{ kind: "cashback_percent", rateBps: 100 }] }),
        ],
        { groups: [{ name: "best", mode: "highest" }] },
      ),
      path: "rules[1].effects",
      message: /ranks points \(rule "r1"\); this rule gives cashback/,
    },
    {
      label: "a lowest group with a rule of two kinds",
      input: ruleSetInput(
        [
          rule({
            id: "r1",
            group: "low",
            effects: [
              { kind: "points_fixed", points: 5 },
              { kind: "multiplier", factorBps: 20_000, appliesTo: "points" },
            ],
          }),
        ],
        { groups: [{ name: "low", mode: "lowest" }] },
      ),
      path: "rules[0].effects",
      message: /one kind/,
    },
    {
      label: "a bad currency",
      input: ruleSetInput([
        rule({
          id: "r1",
          effects: [{ kind: "cashback_fixed", amountMinor: 100, currency: "inr" }],
        }),
      ]),
      path: "rules[0].effects[0].currency",
      message: /ISO 4217/,
    },
  ])("$label", ({ input, path, message }) => {
    const issue = firstIssue(input);
    expect(issue?.path).toBe(path);
    expect(issue?.message).toMatch(message);
  });

  test("more than 2000 rules are refused", () => {
    const rules = Array.from({ length: 2_001 }, (_, i) => rule({ id: `r${i}` }));
    expect(firstIssue(ruleSetInput(rules))?.path).toBe("rules");
  });

  test("every problem is reported, not only the first", () => {
    const result = validateRuleSet(
      ruleSetInput([
        rule({
          id: "r1",
          conditions: {
            all: [
              { attr: "event.category", op: "gt", value: 1 },
              { attr: "nope", op: "eq", value: 1 },
            ],
          },
        }),
      ]),
    );
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.issues.map((i) => formatIssuePath(i.path))).toEqual([
        "rules[0].conditions.all[0].op",
        "rules[0].conditions.all[1].attr",
      ]);
    }
  });
});

describe("validateRuleSet: accepted", () => {
  test("a realistic rule set, with defaults filled in", () => {
    const result = validateRuleSet(
      ruleSetInput(
        [
          rule({
            id: "weekend-electronics",
            conditions: {
              all: [
                { attr: "event.amountMinor", op: "gte", value: 100_000 },
                { attr: "event.category", op: "in", value: ["electronics", "mobiles"] },
                {
                  any: [
                    { attr: "user.tier", op: "eq", value: "gold" },
                    { not: { attr: "user.segments", op: "contains_any", value: ["fraud-watch"] } },
                  ],
                },
                { local: "day_of_week", in: ["sat", "sun"] },
                { local: "time_window", from: "22:00", to: "02:00" },
                { attr: "event.attributes.channel", op: "eq", value: "app" },
              ],
            },
            effects: [{ kind: "cashback_percent", rateBps: 200 }],
            budgets: [
              { entity: "user", period: "month", limit: { amountMinor: 50_000, currency: "INR" } },
            ],
          }),
        ],
        { timeZone: "Asia/Kolkata" },
      ),
    );
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.ruleSet.rules[0]?.schedule).toEqual({});
  });
});

describe("formatIssuePath", () => {
  test.each([
    {
      label: "nested",
      path: ["rules", 3, "conditions", "all", 1, "op"],
      want: "rules[3].conditions.all[1].op",
    },
    { label: "root", path: [], want: "(root)" },
  ])("$label", ({ path, want }) => {
    expect(formatIssuePath(path)).toBe(want);
  });
});

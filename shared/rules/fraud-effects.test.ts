import { describe, expect, test } from "vitest";
import { evaluate } from "./evaluate";
import { isFraudEffect, riskActivityOf } from "./fraud-effects";
import { formatIssuePath, type RuleInput, validateRuleSet } from "./rule-schema";
import { compiled, NOW_MS, purchase, rule, ruleSetInput } from "./testing/fixtures";

/** Fraud rules on the rules engine (docs/fraud.md "Fraud rules"): shapes and the fraud/earning line. */

const fraudRule = (overrides: Partial<RuleInput> & { id: string }): RuleInput =>
  rule({
    eventTypes: ["risk.click"],
    conditions: { all: [{ attr: "signal.clicks1h", op: "gte", value: 60 }] },
    effects: [{ kind: "flag", score: 20, reasonCode: "click_flood", releaseAfterHours: 24 }],
    ...overrides,
  });

const issuesOf = (rules: RuleInput[], mode?: "highest") => {
  const result = validateRuleSet(
    ruleSetInput(rules, mode ? { groups: [{ name: "default", mode }] } : undefined),
  );
  return result.ok ? [] : result.issues.map((i) => `${formatIssuePath(i.path)}: ${i.message}`);
};

describe("fraud rules validate", () => {
  test.each([
    { label: "a flag on risk.click over velocity", rules: [fraudRule({ id: "f1" })] },
    {
      label: "every fraud effect kind, with and without releaseAfterHours",
      rules: [
        fraudRule({
          id: "f2",
          eventTypes: ["risk.redemption", "risk.destination_changed"],
          effects: [
            { kind: "hold_payouts", score: 40, reasonCode: "account_takeover" },
            { kind: "hold_transaction", score: 0, reasonCode: "bot_conversion" },
            { kind: "hold_referral", score: 30, reasonCode: "shared_device" },
            { kind: "require_step_up", score: 10, reasonCode: "new_device", releaseAfterHours: 1 },
            { kind: "flag", score: 100, reasonCode: "ring" },
            { kind: "ignore_click", score: 5, reasonCode: "click_bot", releaseAfterHours: 2160 },
          ],
        }),
      ],
    },
    {
      label: "observed signals (links, click quality) and the score",
      rules: [
        fraudRule({
          id: "f3",
          conditions: {
            any: [
              { attr: "signal.usersSharingDevice", op: "gte", value: 2 },
              { attr: "signal.clickBot", op: "eq", value: true },
              { attr: "signal.country", op: "in", value: ["IN", "US"] },
              { attr: "signal.score", op: "gte", value: 70 },
            ],
          },
        }),
      ],
    },
    {
      label: "earning and fraud rules side by side in one set",
      rules: [rule({ id: "points" }), fraudRule({ id: "flood" })],
    },
  ])("$label", ({ rules }) => {
    expect(issuesOf(rules)).toEqual([]);
  });
});

describe("fraud rules refused, each problem at its path", () => {
  test.each([
    {
      label: "points on a risk event",
      rules: [fraudRule({ id: "f", effects: [{ kind: "points_fixed", points: 5 }] })],
      expected: /^rules\[0\]\.effects\[0\]\.kind: a risk\.\* rule's effects are fraud effects/,
    },
    {
      label: "a hold on an earning event",
      rules: [
        rule({
          id: "r",
          effects: [{ kind: "hold_payouts", score: 10, reasonCode: "big_order" }],
        }),
      ],
      expected: /^rules\[0\]\.effects\[0\]\.kind: hold_payouts is a fraud effect/,
    },
    {
      label: "risk and earning event types mixed",
      rules: [fraudRule({ id: "f", eventTypes: ["risk.click", "purchase.completed"] })],
      expected: /^rules\[0\]\.eventTypes: a rule listens to risk\.\* event types or to others/,
    },
    {
      label: "a risk type naming no activity",
      rules: [fraudRule({ id: "f", eventTypes: ["risk.purchase"] })],
      expected: /^rules\[0\]\.eventTypes\[0\]: "risk\.purchase" is no risk event/,
    },
    {
      label: "a score over 100",
      rules: [fraudRule({ id: "f", effects: [{ kind: "flag", score: 101, reasonCode: "x1" }] })],
      expected: /^rules\[0\]\.effects\[0\]\.score: /,
    },
    {
      label: "a reason code that is not snake case",
      rules: [
        fraudRule({ id: "f", effects: [{ kind: "flag", score: 1, reasonCode: "Shared Device" }] }),
      ],
      expected: /^rules\[0\]\.effects\[0\]\.reasonCode: a reason code is/,
    },
    {
      label: "a one-letter reason code",
      rules: [fraudRule({ id: "f", effects: [{ kind: "flag", score: 1, reasonCode: "x" }] })],
      expected: /^rules\[0\]\.effects\[0\]\.reasonCode: /,
    },
    {
      label: "releaseAfterHours of 0",
      rules: [
        fraudRule({
          id: "f",
          effects: [{ kind: "flag", score: 1, reasonCode: "xx", releaseAfterHours: 0 }],
        }),
      ],
      expected: /^rules\[0\]\.effects\[0\]\.releaseAfterHours: /,
    },
    {
      label: "releaseAfterHours past 90 days",
      rules: [
        fraudRule({
          id: "f",
          effects: [{ kind: "flag", score: 1, reasonCode: "xx", releaseAfterHours: 2161 }],
        }),
      ],
      expected: /^rules\[0\]\.effects\[0\]\.releaseAfterHours: /,
    },
    {
      label: "a budget on a risk rule",
      rules: [
        fraudRule({
          id: "f",
          budgets: [{ entity: "user", period: "day", limit: { points: 10 } }],
        }),
      ],
      expected: /^rules\[0\]\.budgets: a risk\.\* rule gives nothing to budget/,
    },
    {
      label: "a signal read by an earning rule",
      rules: [
        rule({
          id: "r",
          conditions: { all: [{ not: { attr: "signal.clicks1h", op: "gt", value: 5 } }] },
        }),
      ],
      expected:
        /^rules\[0\]\.conditions\.all\[0\]\.not\.attr: "signal\.clicks1h" is a fraud signal/,
    },
    {
      label: "a signal the catalog does not have",
      rules: [fraudRule({ id: "f", conditions: { attr: "signal.clicks2h", op: "gt", value: 5 } })],
      expected: /^rules\[0\]\.conditions\.attr: unknown attribute "signal\.clicks2h"/,
    },
    {
      label: "a fraud rule in a group ranked by value",
      rules: [fraudRule({ id: "f" })],
      mode: "highest" as const,
      expected: /^rules\[0\]\.effects: group "default" ranks by highest value/,
    },
  ])("$label", ({ rules, mode, expected }) => {
    const issues = issuesOf(rules, mode);
    expect(issues.length).toBeGreaterThan(0);
    expect(issues.some((issue) => expected.test(issue))).toBe(true);
  });
});

describe("the earning path never meets a fraud effect", () => {
  const set = compiled([
    rule({ id: "points" }),
    fraudRule({
      id: "flood",
      conditions: { all: [] },
      effects: [{ kind: "hold_payouts", score: 50, reasonCode: "always" }],
    }),
  ]);
  test.each([
    { label: "a purchase", facts: purchase(), kinds: ["points_fixed"] },
    {
      label: "a risk.click",
      facts: { "event.type": "risk.click", "event.occurredAtMs": NOW_MS, "user.id": "u9" },
      kinds: ["hold_payouts"],
    },
  ])("$label applies only its own kind of rule", ({ facts, kinds }) => {
    const { applied } = evaluate(set, facts, { nowMs: NOW_MS });
    expect(applied.map((a) => a.effect.kind)).toEqual(kinds);
    for (const entry of applied.filter((a) => isFraudEffect(a.effect))) {
      expect(entry.pointsAsked).toBeUndefined();
      expect(entry.cashbackAskedMinor).toBeUndefined();
    }
  });
});

describe("riskActivityOf", () => {
  test.each([
    { type: "risk.click", kind: "click" },
    { type: "risk.destination_changed", kind: "destination_changed" },
    { type: "risk.purchase", kind: undefined },
    { type: "purchase.completed", kind: undefined },
    { type: "risky.click", kind: undefined },
  ])("$type → $kind", ({ type, kind }) => {
    expect(riskActivityOf(type)).toBe(kind);
  });
});

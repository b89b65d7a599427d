import { describe, expect, test } from "vitest";
import type { AppliedEffect, Budget } from "#shared/rules/index";
import { planRewards } from "./reward-plan";

const applied = (ruleId: string, values: Partial<AppliedEffect>): AppliedEffect => ({
  ruleId,
  ruleVersion: 4,
  group: "base",
  effect: { kind: "points_fixed", points: 1 },
  budgetKeys: [],
  ...values,
});
const pointsBudget: Budget = { entity: "user", period: "month", limit: { points: 100 } };
const inrBudget: Budget = {
  entity: "global",
  period: "lifetime",
  limit: { amountMinor: 5_000, currency: "INR" },
};

describe("planRewards", () => {
  test("a rule's values of one unit are one reward; units apart", () => {
    const { plans, skipped } = planRewards(
      [
        applied("r1", { pointsAsked: 50 }),
        applied("r1", { pointsAsked: 25 }),
        applied("r1", { cashbackAskedMinor: 300, currency: "INR" }),
        applied("r2", { pointsAsked: 10 }),
      ],
      () => [],
    );
    expect(skipped).toEqual([]);
    expect(plans).toEqual([
      { ruleId: "r1", ruleVersion: 4, unit: "points", asked: 75, budgets: [] },
      { ruleId: "r1", ruleVersion: 4, unit: "INR", asked: 300, budgets: [] },
      { ruleId: "r2", ruleVersion: 4, unit: "points", asked: 10, budgets: [] },
    ]);
  });

  test("each reward draws on the rule's budgets in its unit, keys in the rule's order, the limit with its rule version", () => {
    const keys = ["rule:r1:user:u:month:2026-11", "rule:r1:global:lifetime"];
    const { plans } = planRewards(
      [
        applied("r1", { pointsAsked: 50, budgetKeys: keys }),
        applied("r1", { cashbackAskedMinor: 300, currency: "INR", budgetKeys: keys }),
      ],
      () => [pointsBudget, inrBudget],
    );
    expect(plans.map((p) => [p.unit, p.budgets])).toEqual([
      ["points", [{ key: keys[0], unit: "points", limit: 100, limitVersion: 4 }]],
      ["INR", [{ key: keys[1], unit: "INR", limit: 5_000, limitVersion: 4 }]],
    ]);
  });

  test.each([
    {
      label: "cashback in a currency the rule's money budgets cannot count is not paid",
      entry: applied("r1", { cashbackAskedMinor: 300, currency: "USD", budgetKeys: ["k"] }),
      budgets: [inrBudget],
      detail: "cashback in USD, but the rule's budgets count INR",
    },
    {
      label: "a percentage of an event without a currency is not paid",
      entry: applied("r1", { cashbackAskedMinor: 300 }),
      budgets: [],
      detail: "a cashback percentage of an event without a currency",
    },
  ])("$label", ({ entry, budgets, detail }) => {
    const { plans, skipped } = planRewards([entry], () => budgets);
    expect(plans).toEqual([]);
    expect(skipped).toEqual([{ ruleId: "r1", ruleVersion: 4, detail }]);
  });

  test("nothing asked is nothing planned", () => {
    expect(planRewards([applied("r1", { pointsAsked: 0 })], () => []).plans).toEqual([]);
  });
});

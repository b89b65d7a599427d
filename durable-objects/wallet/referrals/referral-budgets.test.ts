import { describe, expect, test } from "vitest";
import type { Budget, ReferralPartyReward } from "#shared/rules/index";
import type { BudgetTerm } from "../events/reward-plan";
import {
  type RewardBudgets,
  referrerBudgetTerms,
  rewardBudgets,
  rewardOf,
} from "./referral-budgets";

const INR = (amountMinor: number) => ({ amountMinor, currency: "INR" });
const USER_MONTH: Budget = { entity: "user", period: "month", limit: INR(5_000) };
const GLOBAL: Budget = { entity: "global", period: "lifetime", limit: INR(90_000) };
const CAMPAIGN_POINTS: Budget = { entity: "campaign", period: "lifetime", limit: { points: 700 } };

describe("referrerBudgetTerms", () => {
  test.each<{ label: string; keys: string[]; budgets: Budget[]; want: BudgetTerm[] }>([
    {
      label: "no budgets: none",
      keys: [],
      budgets: [],
      want: [],
    },
    {
      label: "a user budget is re-keyed to the referrer; global and campaign keys stay",
      keys: [
        "rule:r:user:u_re:month:2026-03",
        "rule:r:global:lifetime",
        "rule:r:campaign:spring:lifetime",
      ],
      budgets: [USER_MONTH, GLOBAL, CAMPAIGN_POINTS],
      want: [
        { key: "rule:r:user:u_rr:month:2026-03", unit: "INR", limit: 5_000 },
        { key: "rule:r:global:lifetime", unit: "INR", limit: 90_000 },
        { key: "rule:r:campaign:spring:lifetime", unit: "points", limit: 700 },
      ],
    },
    {
      label: "a key the engine did not compute is left out",
      keys: ["rule:r:global:lifetime"],
      budgets: [GLOBAL, USER_MONTH],
      want: [{ key: "rule:r:global:lifetime", unit: "INR", limit: 90_000 }],
    },
    {
      label: "a malformed user key is left out rather than guessed",
      keys: ["not-a-key"],
      budgets: [USER_MONTH],
      want: [],
    },
  ])("$label", ({ keys, budgets, want }) => {
    expect(referrerBudgetTerms(keys, budgets, "u_rr")).toEqual(want);
  });

  test("every term carries the rule version its limit belongs to, a re-keyed one too", () => {
    expect(
      referrerBudgetTerms(
        ["rule:r:user:u_re:month:2026-03", "rule:r:global:lifetime"],
        [USER_MONTH, { ...GLOBAL, parts: 4 }],
        "u_rr",
        7,
      ),
    ).toEqual([
      { key: "rule:r:user:u_rr:month:2026-03", unit: "INR", limit: 5_000, limitVersion: 7 },
      { key: "rule:r:global:lifetime", unit: "INR", limit: 90_000, limitVersion: 7, parts: 4 },
    ]);
  });

  test("a referrer id with a colon is encoded as the engine encodes ids", () => {
    expect(
      referrerBudgetTerms(
        ["rule:r:user:u_re:lifetime"],
        [{ ...USER_MONTH, period: "lifetime" }],
        "a:b",
      ),
    ).toEqual([{ key: "rule:r:user:a%3Ab:lifetime", unit: "INR", limit: 5_000 }]);
  });
});

describe("rewardBudgets", () => {
  const inr: BudgetTerm = { key: "k-inr", unit: "INR", limit: 3_000 };
  const points: BudgetTerm = { key: "k-pts", unit: "points", limit: 700 };
  test.each<{
    label: string;
    reward: ReferralPartyReward;
    terms: BudgetTerm[];
    want: RewardBudgets;
  }>([
    { label: "no budgets", reward: INR(1_000), terms: [], want: { action: "unbudgeted" } },
    {
      label: "money asks the budgets of its currency",
      reward: INR(1_000),
      terms: [inr, points],
      want: { action: "ask", budgets: [inr] },
    },
    {
      label: "points ask the points budgets",
      reward: { points: 50 },
      terms: [inr, points],
      want: { action: "ask", budgets: [points] },
    },
    {
      label: "points under money budgets only: nothing caps them",
      reward: { points: 50 },
      terms: [inr],
      want: { action: "unbudgeted" },
    },
    {
      label: "money in a currency no money budget counts: not paid",
      reward: { amountMinor: 1_000, currency: "USD" },
      terms: [inr],
      want: { action: "uncounted" },
    },
    {
      label: "money under points budgets only: nothing caps it",
      reward: INR(1_000),
      terms: [points],
      want: { action: "unbudgeted" },
    },
  ])("$label", ({ reward, terms, want }) => {
    expect(rewardBudgets(reward, terms)).toEqual(want);
  });
});

describe("rewardOf", () => {
  test.each<{
    label: string;
    reward: ReferralPartyReward;
    value: number;
    want: ReferralPartyReward;
  }>([
    { label: "money", reward: INR(1_000), value: 400, want: INR(400) },
    { label: "points", reward: { points: 90 }, value: 30, want: { points: 30 } },
  ])("$label", ({ reward, value, want }) => {
    expect(rewardOf(reward, value)).toEqual(want);
  });
});

import { describe, expect, test } from "vitest";
import type { BudgetRequest } from "../events/decide-grant";
import {
  budgetHeld,
  decideBudgetedCredit,
  rewardedNow,
  rewardedReason,
} from "./decide-referee-budget";
import { refereeRow, refereeStart } from "./referee-budget";
import { refereeBudgetTerms } from "./referral-budgets";
import type { ReferralRewardStatus } from "./referral-reward-store";

const req = (over: Partial<BudgetRequest> = {}): BudgetRequest => ({
  key: "k",
  unit: "INR",
  limit: 900,
  seq: 1,
  desired: 500,
  granted: 500,
  ...over,
});

describe("decideBudgetedCredit", () => {
  test.each<[string, BudgetRequest[], number, number, ReturnType<typeof decideBudgetedCredit>]>([
    ["all granted", [req()], 500, 500, { action: "credit", value: 500, reduced: false }],
    ["an answer owed", [req({ granted: null })], 500, 500, { action: "wait" }],
    [
      "one budget granted more than another: lowered first",
      [req({ granted: 400 }), req({ key: "k2", granted: 500 })],
      500,
      500,
      { action: "wait" },
    ],
    [
      "lowered to the tightest: reduced",
      [
        req({ seq: 2, desired: 400, granted: 400 }),
        req({ key: "k2", seq: 2, desired: 400, granted: 400 }),
      ],
      400,
      500,
      { action: "credit", value: 400, reduced: true },
    ],
    ["nothing granted: exhausted", [req({ granted: 0 })], 500, 500, { action: "exhausted" }],
  ])("%s", (_name, requests, desired, asked, expected) => {
    expect(decideBudgetedCredit(requests, desired, asked)).toEqual(expected);
  });
});

describe("rewardedNow", () => {
  test.each<[ReferralRewardStatus[], boolean]>([
    [["posted"], true],
    [["posted", "delivered"], true],
    [["awaiting_budget"], false],
    [["awaiting_budget", "delivered"], false],
    [["posted", "owed"], false],
    [["capped", "capped"], true],
    [["held"], false],
    [[], true],
  ])("%j → %s", (statuses, expected) => {
    expect(rewardedNow(statuses.map((status) => ({ status })))).toBe(expected);
  });
});

describe("rewardedReason", () => {
  test.each<[Array<string | null>, string]>([
    [[null, null], "reward_credited"],
    [[null], "reward_credited"],
    [["referral_budget_exhausted", null], "referral_budget_exhausted"],
    [[null, "referrer_cap_reached"], "referrer_cap_reached"],
    [["referral_budget_exhausted", "referrer_cap_reached"], "referral_budget_exhausted"],
  ])("%j → %s", (reasons, expected) => {
    expect(rewardedReason(reasons.map((reason) => ({ reason })))).toBe(expected);
  });
});

describe("budgetHeld", () => {
  test.each([
    [{ credited: 1_000, taken: 0, pointsDebt: 0 }, 1_000],
    [{ credited: 1_000, taken: 250, pointsDebt: 0 }, 750],
    [{ credited: 1_000, taken: 1_000, pointsDebt: 0 }, 0],
    [{ credited: 100, taken: 100, pointsDebt: 30 }, 30],
    [{ credited: 100, taken: 150, pointsDebt: 0 }, 0],
  ])("%j → %i", (input, expected) => {
    expect(budgetHeld(input)).toBe(expected);
  });
});

describe("refereeStart and refereeRow", () => {
  const INR = { key: "rule:r:campaign:c:lifetime", unit: "INR", limit: 900 };
  test.each([
    ["no budgets", { amountMinor: 500, currency: "INR" }, [], "credit"],
    ["points under money budgets", { points: 50 }, [INR], "credit"],
    [
      "money in a currency no budget counts",
      { amountMinor: 500, currency: "USD" },
      [INR],
      "exhausted",
    ],
    ["money under its currency's budget", { amountMinor: 500, currency: "INR" }, [INR], "await"],
  ] as const)("%s → %s", (_name, reward, terms, action) => {
    expect(refereeStart(reward, terms).action).toBe(action);
  });

  test("a budgeted reward asks for its whole value, recorded awaiting with its reason", () => {
    const start = refereeStart({ amountMinor: 500, currency: "INR" }, [INR]);
    expect(refereeRow(start, "posted")).toEqual({
      status: "awaiting_budget",
      reason: "awaiting_referral_budget",
      budget: {
        asked: 500,
        desired: 500,
        requests: [{ ...INR, seq: 1, desired: 500, granted: null }],
      },
    });
    // Held: nothing asked until the approval.
    expect(refereeRow(start, "held")).toEqual({
      status: "held",
      reason: null,
      budget: { asked: 500, desired: 0, requests: [{ ...INR, seq: 0, desired: 0, granted: 0 }] },
    });
  });

  test.each([
    ["posted", { status: "capped", reason: "referral_budget_exhausted", budget: null }],
    ["held", { status: "held", reason: "referral_budget_exhausted", budget: null }],
  ] as const)("uncounted, %s → %j", (status, expected) => {
    const start = refereeStart({ amountMinor: 500, currency: "USD" }, [INR]);
    expect(refereeRow(start, status)).toEqual(expected);
  });

  test("unbudgeted rows are as before", () => {
    expect(refereeRow({ action: "credit" }, "posted")).toEqual({
      status: "posted",
      reason: null,
      budget: null,
    });
  });
});

describe("refereeBudgetTerms", () => {
  test("keys are the referee's as the engine computed them, every unit", () => {
    expect(
      refereeBudgetTerms(
        ["rule:r:user:u_referee:month:2026-03", "rule:r:global:lifetime"],
        [
          { entity: "user", period: "month", limit: { amountMinor: 5_000, currency: "INR" } },
          { entity: "global", period: "lifetime", limit: { points: 900 } },
        ],
      ),
    ).toEqual([
      { key: "rule:r:user:u_referee:month:2026-03", unit: "INR", limit: 5_000 },
      { key: "rule:r:global:lifetime", unit: "points", limit: 900 },
    ]);
  });

  test("a budget without its key is left out", () => {
    expect(
      refereeBudgetTerms([], [{ entity: "global", period: "lifetime", limit: { points: 900 } }]),
    ).toEqual([]);
  });
});

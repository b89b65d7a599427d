import type { Budget, ReferralPartyReward } from "#shared/rules/index";
import { joinBudgetKey } from "#shared/rules/index";
import { parseBudgetKey } from "../../budget/budget-key";
import { budgetTermsOf } from "../../budget/unit";
import { type BudgetTerm, budgetTermFor } from "../events/reward-plan";

/**
 * Pure: which of a referral campaign's rule budgets (docs/rules.md, "Budgets") a party's
 * reward draws on (docs/referrals.md, "Budgets"). The rule engine computes the rule's budget
 * keys for the member whose event it evaluates — the referee — so a `user` budget of the
 * referrer's reward is re-keyed to the referrer (the same rule, period and limit): "at most
 * ₹5,000 a month per referrer". `campaign` and `global` keys are the same for both parties, so
 * both parties' rewards count against them.
 */

/**
 * The budgets the referrer's reward may draw on, in every unit the rule's budgets count (the
 * referrer's wallet picks those of the reward's unit once the tier is decided).
 *
 * @example
 * referrerBudgetTerms(
 *   ["rule:r:user:u_referee:month:2026-03", "rule:r:global:lifetime"],
 *   [{ entity: "user", period: "month", limit: { amountMinor: 5_000, currency: "INR" } },
 *    { entity: "global", period: "lifetime", limit: { amountMinor: 90_000, currency: "INR" } }],
 *   "u_referrer",
 * )
 * // [{ key: "rule:r:user:u_referrer:month:2026-03", unit: "INR", limit: 5_000 },
 * //  { key: "rule:r:global:lifetime", unit: "INR", limit: 90_000 }]
 */
export function referrerBudgetTerms(
  budgetKeys: readonly string[],
  budgets: readonly Budget[],
  referrerId: string,
  ruleVersion?: number,
): BudgetTerm[] {
  const terms: BudgetTerm[] = [];
  budgets.forEach((budget, index) => {
    const key = budgetKeys[index];
    if (key === undefined) return;
    if (budget.entity !== "user") {
      terms.push(budgetTermFor(key, budget, ruleVersion));
      return;
    }
    const { unit, limit } = budgetTermsOf(budget.limit);
    const parsed = parseBudgetKey(key);
    if (!parsed) return;
    terms.push({
      key: joinBudgetKey(parsed.ruleId, "user", referrerId, parsed.periodKey),
      unit,
      limit,
      ...(ruleVersion === undefined ? {} : { limitVersion: ruleVersion }),
    });
  });
  return terms;
}

/**
 * The budgets the referee's reward may draw on, in every unit the rule's budgets count: the
 * engine computed the keys for the referee (the member whose event it evaluated), so they are
 * used as they are — a `user` budget is "per referee".
 *
 * @example
 * refereeBudgetTerms(["rule:r:campaign:spring:lifetime"],
 *   [{ entity: "campaign", period: "lifetime", limit: { amountMinor: 9_000, currency: "INR" } }])
 * // [{ key: "rule:r:campaign:spring:lifetime", unit: "INR", limit: 9_000 }]
 */
export function refereeBudgetTerms(
  budgetKeys: readonly string[],
  budgets: readonly Budget[],
  ruleVersion?: number,
): BudgetTerm[] {
  const terms: BudgetTerm[] = [];
  budgets.forEach((budget, index) => {
    const key = budgetKeys[index];
    if (key === undefined) return;
    terms.push(budgetTermFor(key, budget, ruleVersion));
  });
  return terms;
}

export type RewardBudgets =
  /** No budget of the rule counts this reward's unit: it is paid as decided. */
  | { action: "unbudgeted" }
  /** The reward asks these budgets (all of its unit) before it is paid. */
  | { action: "ask"; budgets: BudgetTerm[] }
  /**
   * Money in a currency none of the rule's money budgets counts: not paid, as for event
   * cashback — a budget is never exceeded by a unit it cannot see.
   */
  | { action: "uncounted" };

/**
 * @example
 * rewardBudgets({ amountMinor: 1_000, currency: "INR" }, [{ key: "k", unit: "INR", limit: 3_000 }])
 * // { action: "ask", budgets: [{ key: "k", unit: "INR", limit: 3_000 }] }
 * rewardBudgets({ points: 50 }, [{ key: "k", unit: "INR", limit: 3_000 }]) // { action: "unbudgeted" }
 * rewardBudgets({ amountMinor: 1_000, currency: "USD" }, [{ key: "k", unit: "INR", limit: 3_000 }])
 * // { action: "uncounted" }
 */
export function rewardBudgets(
  reward: ReferralPartyReward,
  terms: readonly BudgetTerm[],
): RewardBudgets {
  const unit = rewardUnit(reward);
  const budgets = terms.filter((t) => t.unit === unit);
  if (budgets.length > 0) return { action: "ask", budgets };
  const countsMoney = terms.some((t) => t.unit !== "points");
  return unit !== "points" && countsMoney ? { action: "uncounted" } : { action: "unbudgeted" };
}

/** `points`, or the reward's currency. */
export function rewardUnit(reward: ReferralPartyReward): string {
  return "points" in reward ? "points" : reward.currency;
}

/** The reward's value in its unit (points, or minor units). */
export function rewardValue(reward: ReferralPartyReward): number {
  return "points" in reward ? reward.points : reward.amountMinor;
}

/**
 * The reward reduced to `value` in the same unit.
 *
 * @example
 * rewardOf({ amountMinor: 1_000, currency: "INR" }, 400) // { amountMinor: 400, currency: "INR" }
 */
export function rewardOf(reward: ReferralPartyReward, value: number): ReferralPartyReward {
  return "points" in reward ? { points: value } : { amountMinor: value, currency: reward.currency };
}

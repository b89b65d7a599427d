import { type BudgetRequest, nextGrantStep } from "../events/decide-grant";
import type { ReferralRewardStatus } from "./referral-reward-store";

/**
 * Pure decisions of the referee's budgeted reward (docs/referrals.md, "Budgets"; the wallet's
 * side is referee-budget.ts): what to credit once the budgets answered, when the referral is
 * `rewarded`, and what the budgets should hold after a reversal.
 */

export type BudgetedCreditDecision =
  /** A budget still owes an answer, or some must be lowered first: ask again. */
  | { action: "wait" }
  /** The budgets granted nothing: nothing is credited, `referral_budget_exhausted`. */
  | { action: "exhausted" }
  /** Credit `value` (in the reward's unit); `reduced` when less than was asked. */
  | { action: "credit"; value: number; reduced: boolean };

/**
 * @example
 * decideBudgetedCredit([{ key: "k", unit: "INR", limit: 900, seq: 1, desired: 500, granted: 400 }], 500, 500)
 * // { action: "wait" } — the budget must be lowered to 400 first (it holds nothing more than is paid)
 * decideBudgetedCredit([{ key: "k", unit: "INR", limit: 900, seq: 2, desired: 400, granted: 400 }], 500, 500)
 * // { action: "credit", value: 400, reduced: true }
 */
export function decideBudgetedCredit(
  requests: readonly BudgetRequest[],
  desired: number,
  asked: number,
): BudgetedCreditDecision {
  const step = nextGrantStep(requests, desired);
  if (step.action !== "settled") return { action: "wait" };
  if (step.granted <= 0) return { action: "exhausted" };
  return { action: "credit", value: step.granted, reduced: step.granted < asked };
}

/** Statuses under which a party's reward is still on its way. */
const PENDING: ReadonlySet<ReferralRewardStatus> = new Set(["owed", "awaiting_budget", "held"]);

/**
 * Whether a qualified referral is `rewarded` now: when no party's reward is still on its way
 * (the referrer's owed to their wallet, the referee's awaiting the rule's budgets). A party
 * refused by a cap or the budgets, or with no reward at all, does not hold it back.
 *
 * @example
 * rewardedNow([{ status: "delivered" }, { status: "awaiting_budget" }]) // false
 * rewardedNow([{ status: "posted" }]) // true
 */
export function rewardedNow(rows: readonly { status: ReferralRewardStatus }[]): boolean {
  return rows.every((row) => !PENDING.has(row.status));
}

/**
 * What a credited reward's budgets should hold: what the party still has of it — less after a
 * reversal (the share goes back to the budgets), more after a restore — with points already
 * spent, now points debt, still counted (as for event rewards).
 *
 * @example
 * budgetHeld({ credited: 1_000, taken: 250, pointsDebt: 0 }) // 750
 */
export function budgetHeld(input: { credited: number; taken: number; pointsDebt: number }): number {
  return Math.max(input.credited - input.taken + input.pointsDebt, 0);
}

/** The reasons a referral's rewards can end with, strongest first (rewardedReason). */
export type RewardedReason =
  | "referral_budget_exhausted"
  | "referrer_cap_reached"
  | "reward_credited";

/**
 * The reason the referral's move to `rewarded` records: `referral_budget_exhausted` when the
 * rule's budgets reduced or refused either party's reward, else `referrer_cap_reached` when the
 * referrer's monthly cap refused theirs, else `reward_credited`.
 *
 * @example
 * rewardedReason([{ reason: null }, { reason: "referral_budget_exhausted" }]) // "referral_budget_exhausted"
 */
export function rewardedReason(rows: readonly { reason: string | null }[]): RewardedReason {
  if (rows.some((r) => r.reason === "referral_budget_exhausted")) {
    return "referral_budget_exhausted";
  }
  if (rows.some((r) => r.reason === "referrer_cap_reached")) return "referrer_cap_reached";
  return "reward_credited";
}

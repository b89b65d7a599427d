import { budgetFor } from "#durable-objects/budget/index";
import { planRewards } from "#durable-objects/wallet/index";
import type { ApiEnv } from "#shared/env";
import type { AppliedEffect, CompiledRuleSet } from "#shared/rules/index";

/**
 * What the budgets would grant each reward of a simulated event, and why a reward would be
 * capped: the same planning the wallet does (one reward per rule and unit, drawing on the
 * rule's budgets in its unit), against each budget's use now. Reads only: a budget object's
 * `usage()` changes nothing, and no reservation is made.
 */
export interface BudgetCap {
  ruleId: string;
  unit: string;
  asked: number;
  wouldGrant: number;
  /** `partial`: a part of a split budget did not answer (its allotment counted as granted). */
  budgets: Array<{
    key: string;
    limit: number;
    outstanding: number;
    remaining: number;
    partial: boolean;
  }>;
  /** Why it would get less than it asks, or null. */
  reason: string | null;
}

export async function budgetCaps(
  env: ApiEnv,
  compiled: CompiledRuleSet,
  applied: readonly AppliedEffect[],
): Promise<{ caps: BudgetCap[]; skipped: Array<{ ruleId: string; detail: string }> }> {
  const { plans, skipped } = planRewards(applied, (ruleId) => compiled.rules.get(ruleId)?.budgets);
  const caps: BudgetCap[] = [];
  for (const plan of plans) {
    if (plan.budgets.length === 0) continue;
    const budgets = await Promise.all(
      plan.budgets.map(async (term) => {
        const usage = await budgetFor(env, term.key).usage();
        const outstanding = usage?.outstanding ?? 0;
        // The limit of the version simulated: a draft may raise or lower it.
        return {
          key: term.key,
          limit: term.limit,
          outstanding,
          remaining: Math.max(term.limit - outstanding, 0),
          partial: usage?.partial ?? false,
        };
      }),
    );
    const tightest = budgets.reduce((a, b) => (b.remaining < a.remaining ? b : a));
    const wouldGrant = Math.min(plan.asked, tightest.remaining);
    caps.push({
      ruleId: plan.ruleId,
      unit: plan.unit,
      asked: plan.asked,
      wouldGrant,
      budgets,
      reason:
        wouldGrant < plan.asked
          ? `capped by ${tightest.key}: ${tightest.remaining} of ${tightest.limit} left`
          : null,
    });
  }
  return { caps, skipped: skipped.map(({ ruleId, detail }) => ({ ruleId, detail })) };
}

import { type BudgetEntity, type BudgetPeriod, joinBudgetKey } from "#shared/rules/index";

/**
 * Reading a budget key (shared/rules/budget-keys.ts writes them) back into its parts, so the
 * budget object and the admin API can say which rule, entity and period a budget is for.
 * Pure; table tests in budget-key.test.ts.
 */

export interface ParsedBudgetKey {
  ruleId: string;
  entity: BudgetEntity;
  /** The user's or campaign's id (decoded); null for a global budget. */
  entityId: string | null;
  period: BudgetPeriod;
  /** The period part of the key as `periodKey` writes it: `month:2026-03`, `lifetime`. */
  periodKey: string;
}

/** Longer keys are refused before any parsing (rule ids are at most 80 characters, other ids 64). */
export const MAX_BUDGET_KEY_LENGTH = 512;

const RULE_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$/;
const PERIOD_VALUE: Record<Exclude<BudgetPeriod, "lifetime">, RegExp> = {
  day: /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/,
  week: /^\d{4}-W(0[1-9]|[1-4]\d|5[0-3])$/,
  month: /^\d{4}-(0[1-9]|1[0-2])$/,
};

/**
 * The parts of a budget key, or null when it is not one `budgetKey` could have written (the
 * parts are joined again and must give back the same key, so an id encoded another way is
 * refused too).
 *
 * @example
 * parseBudgetKey("rule:r1:user:u9:month:2026-03")
 * // { ruleId: "r1", entity: "user", entityId: "u9", period: "month", periodKey: "month:2026-03" }
 */
export function parseBudgetKey(key: string): ParsedBudgetKey | null {
  if (key.length > MAX_BUDGET_KEY_LENGTH) return null;
  const parts = key.split(":");
  if (parts[0] !== "rule" || !RULE_ID.test(parts[1] ?? "")) return null;
  const ruleId = parts[1] as string;
  const entity = parts[2];
  let rest: string[];
  let entityId: string | null = null;
  if (entity === "global") {
    rest = parts.slice(3);
  } else if (entity === "user" || entity === "campaign") {
    const encoded = parts[3];
    if (!encoded) return null;
    try {
      entityId = decodeURIComponent(encoded);
    } catch {
      return null;
    }
    rest = parts.slice(4);
  } else {
    return null;
  }
  const period = periodOf(rest);
  if (!period) return null;
  const parsed: ParsedBudgetKey = { ruleId, entity, entityId, ...period };
  const again = joinBudgetKey(ruleId, entity, entityId ?? undefined, period.periodKey);
  return again === key ? parsed : null;
}

function periodOf(rest: string[]): { period: BudgetPeriod; periodKey: string } | null {
  if (rest.length === 1 && rest[0] === "lifetime") {
    return { period: "lifetime", periodKey: "lifetime" };
  }
  if (rest.length !== 2) return null;
  const [kind, value] = rest as [string, string];
  if (kind !== "day" && kind !== "week" && kind !== "month") return null;
  if (!PERIOD_VALUE[kind].test(value)) return null;
  return { period: kind, periodKey: `${kind}:${value}` };
}

/**
 * The campaign whose boost budget a key is — rule `campaign.<id>`, entity `campaign` with the
 * same id, period `lifetime` — or null. Such a budget is configured by the campaign API rather
 * than carried by its requests, and before it has a row it may still be held by the campaign's
 * legacy budget object (durable-objects/campaign-budget/), which hands it over.
 *
 * @example
 * campaignOfBudgetKey(parseBudgetKey("rule:campaign.diwali:campaign:diwali:lifetime")!) // "diwali"
 * campaignOfBudgetKey(parseBudgetKey("rule:boost.x:campaign:diwali:lifetime")!) // null
 */
export function campaignOfBudgetKey(parsed: ParsedBudgetKey): string | null {
  const { ruleId, entity, entityId, period } = parsed;
  if (entity !== "campaign" || period !== "lifetime" || entityId === null) return null;
  return ruleId === `campaign.${entityId}` ? entityId : null;
}

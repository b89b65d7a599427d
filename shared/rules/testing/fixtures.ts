import type { Facts } from "../attributes";
import { type CompiledRuleSet, compileRuleSet } from "../compile";
import type { RuleInput, RuleSetInput } from "../rule-schema";
import { validateRuleSet } from "../rule-schema";

/**
 * Test helpers for the rules engine's tables (not used by production code): a rule with
 * defaults, a rule set that must validate, its compiled form, and an event's facts.
 */

export const NOW_MS = Date.UTC(2026, 2, 18, 12, 0); // Wednesday 18 March 2026, 12:00 UTC

export function rule(overrides: Partial<RuleInput> & { id: string }): RuleInput {
  return {
    name: overrides.id,
    eventTypes: ["purchase.completed"],
    conditions: { all: [] },
    effects: [{ kind: "points_fixed", points: 10 }],
    priority: 0,
    group: "default",
    active: true,
    ...overrides,
  };
}

export function ruleSetInput(
  rules: RuleInput[],
  options: Partial<Omit<RuleSetInput, "rules">> = {},
): RuleSetInput {
  return {
    version: 1,
    timeZone: "UTC",
    groups: [{ name: "default", mode: "stackable" }],
    rules,
    ...options,
  };
}

/** Validates (throwing with the issues if invalid) and compiles. */
export function compiled(
  rules: RuleInput[],
  options: Partial<Omit<RuleSetInput, "rules">> = {},
): CompiledRuleSet {
  const result = validateRuleSet(ruleSetInput(rules, options));
  if (!result.ok) throw new Error(`invalid test rule set: ${JSON.stringify(result.issues)}`);
  return compileRuleSet(result.ruleSet);
}

export function purchase(overrides: Record<string, Facts[string]> = {}): Facts {
  return {
    "event.type": "purchase.completed",
    "event.id": "evt-1",
    "event.occurredAtMs": NOW_MS,
    "event.amountMinor": 250_000,
    "event.currency": "INR",
    "event.merchantId": "shopkart",
    "event.category": "electronics",
    "user.id": "u9",
    "user.tier": "gold",
    "user.segments": ["new", "app"],
    "user.accountAgeDays": 40,
    "context.firstOfKindThisMonth": true,
    "context.countOfKindThisMonth": 0,
    ...overrides,
  };
}

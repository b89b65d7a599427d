import type {
  Budget,
  ConditionTrace,
  Effect,
  EvaluationTrace,
  Group,
  Rule,
} from "#shared/rules/index";

/** The admin API's rule answers the rules pages read (client/schema.d.ts has the contract). */

export const RULES_API = "/admin/v1/rules";
export const BUDGETS_API = "/admin/v1/budgets";

export interface DraftRuleSet {
  timeZone: string;
  groups: Group[];
  rules: Rule[];
}

export interface RuleDraft {
  ruleSet: DraftRuleSet;
  basedOnVersion: number | null;
  liveVersion: number | null;
  revision: number;
  updatedAt: string;
  updatedBy: string;
}

export interface RuleVersionSummary {
  version: number;
  publishedAt: string;
  publishedBy: string;
  note: string | null;
  rolledBackFrom: number | null;
  live: boolean;
}

export interface RuleVersion extends RuleVersionSummary {
  ruleSet: DraftRuleSet & { version: number };
}

export interface RuleSetDiff {
  liveVersion: number | null;
  basedOnVersion: number | null;
  hasChanges: boolean;
  timeZone: { live: string | null; draft: string } | null;
  groupsChanged: boolean;
  added: string[];
  removed: string[];
  changed: Array<{ id: string; fields: string[] }>;
}

export interface RuleRollbackDiff {
  liveVersion: number;
  version: number;
  hasChanges: boolean;
  timeZone: { live: string; version: string } | null;
  groupsChanged: boolean;
  added: string[];
  removed: string[];
  changed: Array<{ id: string; fields: string[] }>;
}

export interface AppliedEffectView {
  ruleId: string;
  ruleVersion: number;
  group: string;
  effect: Effect;
  pointsAsked?: number;
  cashbackAskedMinor?: number;
  currency?: string;
  budgetKeys: string[];
}

export interface Simulation {
  against: "live" | "draft";
  version: number;
  nowAt: string;
  facts: Record<string, unknown>;
  applied: AppliedEffectView[];
  trace: EvaluationTrace;
  /** Each budgeted reward against its budgets' use now, and why it would be capped. */
  budgets: BudgetCapView[];
  /** Applied effects the wallet would not pay, and why. */
  notPaid: Array<{ ruleId: string; detail: string }>;
}

export interface BudgetCapView {
  ruleId: string;
  unit: string;
  asked: number;
  wouldGrant: number;
  reason: string | null;
}

export interface BudgetUsage {
  budgetKey: string;
  ruleId: string;
  entity: "user" | "campaign" | "global";
  entityId: string | null;
  period: "day" | "week" | "month" | "lifetime";
  periodKey: string;
  unit: string;
  limit: number;
  limitVersion: number;
  askedTotal: number;
  grantedTotal: number;
  releasedTotal: number;
  outstanding: number;
  overLimit: number;
  remaining: number;
  reservations: number;
  partialReservations: number;
  updatedAt: string;
}

export type { Budget, ConditionTrace, Effect, Rule };

/**
 * The rules engine: one way every reward is computed. Validate a rule set on write
 * (`validateRuleSet`), compile a published version once (`CompiledRuleSetCache`), evaluate
 * each event against it (`evaluate`). Pure: no I/O, no clock. See docs/rules.md.
 */
export {
  ATTRIBUTES,
  type AttributeType,
  attributeKind,
  type Facts,
  type FactValue,
  OPEN_ATTRIBUTE_PREFIX,
} from "./attributes";
export { budgetKey, joinBudgetKey, periodKey } from "./budget-keys";
export {
  type CompiledRule,
  type CompiledRuleSet,
  CompiledRuleSetCache,
  compileRuleSet,
} from "./compile";
export type { Condition, RuleIssue } from "./conditions";
export {
  type Effect,
  EffectSchema,
  type RankKind,
  type ReferralPartyReward,
  type ReferrerTier,
} from "./effects";
export {
  type AppliedEffect,
  couldApply,
  type EvaluateOptions,
  type Evaluation,
  evaluate,
} from "./evaluate";
export {
  type FraudEffect,
  isFraudEffect,
  REASON_CODE_PATTERN,
  RISK_EVENT_PREFIX,
  riskActivityOf,
  riskEventType,
} from "./fraud-effects";
export { isValidTimeZone, type LocalParts, localParts, zoneOffsetMs } from "./local-time";
export {
  type Budget,
  type BudgetEntity,
  type BudgetPeriod,
  formatIssuePath,
  type Group,
  type GroupMode,
  MAX_BUDGET_PARTS,
  type Rule,
  type RuleInput,
  RuleSchema,
  type RuleSet,
  type RuleSetInput,
  RuleSetSchema,
  type RuleSetValidation,
  validateRuleSet,
} from "./rule-schema";
export type {
  ConditionTrace,
  EvaluationTrace,
  MultiplierTrace,
  RuleOutcome,
  RuleTrace,
} from "./trace";

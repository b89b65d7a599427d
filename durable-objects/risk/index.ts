/**
 * The risk Durable Object's entry module (one object per user): the class and its binding.
 *
 * @example
 * import { type RiskBinding, RiskDurableObject } from "#durable-objects/risk/index";
 */

export type { RiskProfile, ScoreChange } from "#shared/fraud/risk-profile";
export type { RiskBinding } from "./env";
export { RiskDurableObject } from "./risk-object";

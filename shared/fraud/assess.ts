import type { CompiledRuleSet, Facts } from "../rules/index";
import { evaluate, isFraudEffect } from "../rules/index";
import type { Assessment, Observation } from "./risk-contract";
import { riskFactsOf } from "./risk-facts";
import {
  type FiredReason,
  mergeReasons,
  publicReasons,
  type ReasonInForce,
  reasonsInForce,
  scoreOf,
} from "./risk-score";
import type { Velocity } from "./velocity";

/**
 * Scoring one observation (docs/fraud.md "Scoring"), the pure core of the risk object's
 * `assess`: its facts, the published fraud rules for its `risk.<kind>` event evaluated on
 * them, the reasons those rules give merged into the user's, and the assessment.
 */

export interface AssessInput {
  observation: Observation;
  /** The live rule set, compiled; null when nothing is published (score from what is known). */
  compiled: CompiledRuleSet | null;
  velocity: Velocity;
  newDevice: boolean | undefined;
  /** Behaviour facts the risk object read from its log (behaviour-signals.ts); none when absent. */
  behaviour?: Readonly<Record<string, number>>;
  /** The user's reasons as kept before this observation. */
  reasonsBefore: readonly ReasonInForce[];
  /** The risk object's clock. */
  nowMs: number;
}

export interface AssessOutcome {
  assessment: Assessment;
  /** The reasons to keep (in force at the observation's time or later). */
  reasons: ReasonInForce[];
  facts: Facts;
}

/**
 * Rules are judged at the observation's time, clamped to now (one dated in the future is
 * judged now), as the events intake judges events; the score is the one in force now.
 *
 * @example
 * const { assessment } = assessObservation({ observation, compiled, velocity, newDevice: undefined,
 *   reasonsBefore: [], nowMs });
 * assessment.effects // [{ kind: "flag", reason: { code: "click_flood", score: 20, detail: "Click flood" }, ruleId: "fraud-click-flood", releaseAfterHours: 24 }]
 */
export function assessObservation(input: AssessInput): AssessOutcome {
  const { observation, compiled, nowMs } = input;
  const atMs = Math.min(observation.atMs, nowMs);
  const facts = riskFactsOf(observation, {
    velocity: input.velocity,
    scoreBefore: scoreOf(input.reasonsBefore, atMs),
    newDevice: input.newDevice,
    behaviour: input.behaviour,
  });
  const applied = compiled === null ? [] : evaluate(compiled, facts, { nowMs: atMs }).applied;
  const fired: FiredReason[] = [];
  const effects: Assessment["effects"] = [];
  for (const entry of applied) {
    const effect = entry.effect;
    if (!isFraudEffect(effect)) continue; // validation keeps other effects off risk.* rules
    const detail = compiled?.rules.get(entry.ruleId)?.name ?? entry.ruleId;
    const reason = { code: effect.reasonCode, score: effect.score, detail };
    fired.push({
      ...reason,
      ruleId: entry.ruleId,
      ruleVersion: entry.ruleVersion,
      releaseAfterHours: effect.releaseAfterHours,
    });
    effects.push({
      kind: effect.kind,
      reason,
      ruleId: entry.ruleId,
      ...(effect.releaseAfterHours === undefined
        ? {}
        : { releaseAfterHours: effect.releaseAfterHours }),
    });
  }
  const reasons = mergeReasons(input.reasonsBefore, fired, atMs);
  const inForce = reasonsInForce(reasons, nowMs);
  return {
    assessment: {
      userId: observation.userId,
      score: scoreOf(inForce, nowMs),
      reasons: publicReasons(inForce),
      effects,
      ruleVersion: compiled?.version ?? null,
      assessedAtMs: nowMs,
    },
    reasons,
    facts,
  };
}

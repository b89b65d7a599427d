import { DurableObject } from "cloudflare:workers";
import type { ConfigBindings } from "#shared/env";
import { assessObservation } from "#shared/fraud/assess";
import { behaviourFacts, knownActivityOf } from "#shared/fraud/behaviour-signals";
import type { Assessment, Observation, RiskScorer } from "#shared/fraud/risk-contract";
import type { RiskProfile } from "#shared/fraud/risk-profile";
import { publicReasons, reasonsInForce, scoreOf } from "#shared/fraud/risk-score";
import { velocityWithKnown } from "#shared/fraud/velocity";
import { CompiledRuleSetCache } from "#shared/rules/index";
import { loadLiveRuleSet } from "#shared/rules/live-rule-set";
import { noteOrder, ordersAt, pruneOrders } from "./order-store";
import {
  behaviourInputsAt,
  findAssessment,
  insertObservation,
  noteDevice,
  pruneOld,
  readHistory,
  readReasons,
  recordScoreChange,
  saveAssessment,
  velocityAt,
  writeReasons,
} from "./risk-store";
import { applyRiskSchema } from "./schema";

/** Published versions compile once per isolate (shared by every risk object in it). */
const COMPILED_RULE_SETS = new CompiledRuleSetCache();

/**
 * One object per user (`idFromName(userId)`): the single writer of that user's risk — what the
 * user did (observations), velocity over sliding windows, the score (0–100) with its reasons
 * and history — scored with the published fraud rules (docs/fraud.md "Scoring"). Producers
 * report observations; the wallet asks `assess` before money leaves, through a circuit
 * breaker with a timeout, and holds the redemption (`risk_unavailable`) when this object
 * cannot answer.
 */
export class RiskDurableObject extends DurableObject<ConfigBindings> implements RiskScorer {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: ConfigBindings) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    ctx.blockConcurrencyWhile(async () => applyRiskSchema(ctx.storage));
  }

  /**
   * Scores the observation with the live fraud rules for `risk.<kind>` and answers the
   * assessment. Idempotent by `observationId`: a repeat is answered what the first was and
   * counts once. The rule set is read before the storage transaction (the only await), so
   * reading, counting, scoring and writing happen in one transaction no other call interleaves.
   *
   * @example
   * const assessment = await env.RISK.get(env.RISK.idFromName(userId)).assess(observation);
   */
  async assess(observation: Observation): Promise<Assessment> {
    const live = await loadLiveRuleSet(this.env, (p) => this.ctx.waitUntil(p));
    const compiled = live ? COMPILED_RULE_SETS.get(live.ruleSet) : null;
    const nowMs = Date.now();
    return this.ctx.storage.transactionSync(() => {
      const answered = findAssessment(this.sql, observation.observationId);
      if (answered) return answered;
      const device = observation.identifiers?.device;
      const sawDevice =
        device === undefined ? undefined : noteDevice(this.sql, device, observation.atMs);
      const newDevice = observation.kind === "login" ? sawDevice : undefined;
      insertObservation(this.sql, observation, newDevice === true);
      noteOrder(this.sql, observation);
      const atMs = Math.min(observation.atMs, nowMs);
      // What the producer knew that the risk queue may not have delivered yet (a redemption:
      // the wallet's newest destination change, new-device sign-in, profile change).
      const known = knownActivityOf(observation.facts ?? {});
      const outcome = assessObservation({
        observation,
        compiled,
        velocity: velocityWithKnown(velocityAt(this.sql, atMs), atMs, known),
        newDevice,
        orders: ordersAt(this.sql, atMs),
        // The order and timing of what the user did (takeover sequence, travel, click bursts).
        behaviour: behaviourFacts(observation.kind, atMs, {
          ...behaviourInputsAt(this.sql, observation, atMs),
          known,
        }),
        reasonsBefore: readReasons(this.sql),
        nowMs,
      });
      writeReasons(this.sql, outcome.reasons);
      recordScoreChange(this.sql, {
        atMs: nowMs,
        score: outcome.assessment.score,
        reasons: outcome.assessment.reasons,
        ruleVersion: outcome.assessment.ruleVersion,
        observationId: observation.observationId,
      });
      saveAssessment(this.sql, observation.observationId, outcome.assessment);
      pruneOld(this.sql, nowMs);
      pruneOrders(this.sql, nowMs);
      return outcome.assessment;
    });
  }

  /**
   * The user's risk now: score and reasons in force, the newest 50 score changes, velocity.
   * Reads only.
   *
   * @example
   * const { score, reasons, history } = await env.RISK.get(env.RISK.idFromName(userId)).riskOf();
   */
  async riskOf(): Promise<RiskProfile> {
    const nowMs = Date.now();
    const inForce = reasonsInForce(readReasons(this.sql), nowMs);
    return {
      score: scoreOf(inForce, nowMs),
      reasons: publicReasons(inForce),
      history: readHistory(this.sql),
      velocity: velocityAt(this.sql, nowMs),
      asOfMs: nowMs,
    };
  }
}

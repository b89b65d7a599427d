import { DurableObject } from "cloudflare:workers";
import type { ConfigBindings } from "#shared/env";
import { assessObservation } from "#shared/fraud/assess";
import { behaviourFacts, knownActivityOf } from "#shared/fraud/behaviour-signals";
import type { Assessment, Observation, RiskScorer } from "#shared/fraud/risk-contract";
import type { RiskProfile } from "#shared/fraud/risk-profile";
import { publicReasons, reasonsInForce, sameReasons, scoreOf } from "#shared/fraud/risk-score";
import { attributedClickSeconds } from "#shared/fraud/screen";
import { readUserOrderCounts, type UserOrderCounts } from "#shared/fraud/user-order-counts";
import { velocityWithKnown } from "#shared/fraud/velocity";
import { CompiledRuleSetCache } from "#shared/rules/index";
import { loadLiveRuleSet } from "#shared/rules/live-rule-set";
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

/** How often `assess` prunes old rows (see `pruneDue`). */
const PRUNE_EVERY = 20;

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
  /** Assessments since this object woke; old rows are pruned on every PRUNE_EVERY-th. */
  private assessedSinceWake = 0;

  /**
   * Pruning is bounded (200 rows a table) and needs not run on every call: on the first call
   * after a wake and every PRUNE_EVERY-th after, it still drops rows ten times faster than one
   * observation a call adds them.
   */
  private pruneDue(): boolean {
    return this.assessedSinceWake++ % PRUNE_EVERY === 0;
  }

  async assess(observation: Observation): Promise<Assessment> {
    const live = await loadLiveRuleSet(this.env, (p) => this.ctx.waitUntil(p));
    const compiled = live ? COMPILED_RULE_SETS.get(live.ruleSet) : null;
    const nowMs = Date.now();
    // The user's orders are D1's to count (the risk consumer counts them for what it sends;
    // what the wallet asks directly is read here, before the transaction).
    const counts =
      observation.orderCounts ??
      ((await readUserOrderCounts(this.env, [observation.userId], nowMs)).get(
        observation.userId,
      ) as UserOrderCounts);
    return this.ctx.storage.transactionSync(() => {
      const device = observation.identifiers?.device;
      const sawDevice =
        device === undefined ? undefined : noteDevice(this.sql, device, observation.atMs);
      const newDevice = observation.kind === "login" ? sawDevice : undefined;
      // Recording first is the idempotency check: a repeat writes nothing and is answered what
      // the first was (an observation whose answer was pruned is scored again, as new).
      if (!insertObservation(this.sql, observation, newDevice === true)) {
        const answered = findAssessment(this.sql, observation.observationId);
        if (answered) return answered;
      }
      const atMs = Math.min(observation.atMs, nowMs);
      const reasonsBefore = readReasons(this.sql);
      // What the producer knew that the risk queue may not have delivered yet (a redemption:
      // the wallet's newest destination change, new-device sign-in, profile change).
      const known = knownActivityOf(observation.facts ?? {});
      const velocity = velocityWithKnown(velocityAt(this.sql, atMs), atMs, known);
      // Most conversions never reach this object (shared/fraud/screen.ts): D1 counts them.
      velocity.conversion = { ...counts.recent };
      const outcome = assessObservation({
        observation,
        compiled,
        velocity,
        newDevice,
        orders: counts,
        // The order and timing of what the user did (takeover sequence, travel, click bursts).
        behaviour: behaviourFacts(observation.kind, atMs, {
          ...behaviourInputsAt(this.sql, observation, atMs),
          known,
          ...(observation.kind === "conversion"
            ? { attributedClickSec: attributedClickSeconds(observation) }
            : {}),
        }),
        reasonsBefore,
        nowMs,
      });
      // Most observations change nothing: their reasons and score are not written again.
      const reasonsChanged = !sameReasons(reasonsBefore, outcome.reasons);
      if (reasonsChanged) writeReasons(this.sql, outcome.reasons);
      if (reasonsChanged || outcome.reasons.length > 0) {
        recordScoreChange(this.sql, {
          atMs: nowMs,
          score: outcome.assessment.score,
          reasons: outcome.assessment.reasons,
          ruleVersion: outcome.assessment.ruleVersion,
          observationId: observation.observationId,
        });
      }
      saveAssessment(this.sql, observation.observationId, outcome.assessment);
      if (this.pruneDue()) pruneOld(this.sql, nowMs);
      return outcome.assessment;
    });
  }

  /**
   * The user's risk now: score and reasons in force, the newest 50 score changes, velocity.
   * Reads only. Conversions are D1's to count (most never reach this object): given the user
   * (this object does not keep its name), their velocity is read from there; without it, it
   * counts only the conversions this object judged.
   *
   * @example
   * const { score, reasons, history } = await env.RISK.get(env.RISK.idFromName(userId)).riskOf(userId);
   */
  async riskOf(userId?: string): Promise<RiskProfile> {
    const nowMs = Date.now();
    const counts =
      userId === undefined ? undefined : await readUserOrderCounts(this.env, [userId], nowMs);
    const inForce = reasonsInForce(readReasons(this.sql), nowMs);
    const velocity = velocityAt(this.sql, nowMs);
    const conversions = userId === undefined ? undefined : counts?.get(userId)?.recent;
    if (conversions) velocity.conversion = { ...conversions };
    return {
      score: scoreOf(inForce, nowMs),
      reasons: publicReasons(inForce),
      history: readHistory(this.sql),
      velocity,
      asOfMs: nowMs,
    };
  }
}

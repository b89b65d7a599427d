import { DurableObject } from "cloudflare:workers";
import type { Assessment, Observation, RiskScorer } from "#shared/fraud/risk-contract";
import { applyRiskSchema } from "./schema";

/**
 * One object per user (`idFromName(userId)`): the single writer of that user's risk — what the
 * user did (observations), velocity over sliding windows, the score (0–100) with its reasons
 * and history — scored with the published fraud rules (docs/fraud.md). Producers report
 * observations; the wallet asks `assess` before money leaves, through a circuit breaker with a
 * timeout, and holds the redemption (`risk_unavailable`) when this object cannot answer.
 *
 * Today: observations are recorded once each; scoring (the fraud rules, velocity, links) is
 * being built on this surface.
 */
export class RiskDurableObject extends DurableObject<Record<string, never>> implements RiskScorer {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Record<string, never>) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    ctx.blockConcurrencyWhile(async () => applyRiskSchema(ctx.storage));
  }

  /** Records the observation (once per `observationId`) and answers the user's assessment. */
  async assess(observation: Observation): Promise<Assessment> {
    this.sql.exec(
      `INSERT OR IGNORE INTO observations (observation_id, kind, at_ms, subject_ref,
         identifiers_json, facts_json) VALUES (?, ?, ?, ?, ?, ?)`,
      observation.observationId,
      observation.kind,
      observation.atMs,
      observation.subjectRef ?? null,
      JSON.stringify(observation.identifiers ?? {}),
      JSON.stringify(observation.facts ?? {}),
    );
    return {
      userId: observation.userId,
      score: 0,
      reasons: [],
      effects: [],
      ruleVersion: null,
      assessedAtMs: Date.now(),
    };
  }
}

import { z } from "@hono/zod-openapi";
import type { ApiEnv } from "#shared/env";
import type { Assessment, Observation } from "#shared/fraud/risk-contract";
import { createLogger, errorFields } from "#shared/observability/logger";
import { walletOf } from "../../wallet-client";

/**
 * The risk consumer's and the risk read's only ways out to the objects (docs/fraud.md): the
 * user's risk object (`assess`, `riskOf`) and the wallet (`applyAssessment`). Behind one small
 * interface so tests can swap a side, and so another slice's RPC is wired in one line.
 */
export interface RiskPorts {
  /** The user's risk object records the observation once and answers its assessment. */
  assess(env: ApiEnv, observation: Observation): Promise<Assessment>;
  /** The wallet turns the assessment's effects into holds (idempotent per effect). */
  applyAssessment(env: ApiEnv, observation: Observation, assessment: Assessment): Promise<void>;
  /** The user's score, reasons, history and velocity; null when scoring cannot answer. */
  riskOf(env: ApiEnv, userId: string): Promise<RiskView | null>;
}

const log = createLogger({ worker: "api", feature: "fraud" });

const ReasonSchema = z.object({ code: z.string(), score: z.number(), detail: z.string() });

/** What the risk object's `riskOf` answers, as the admin read passes it on. */
export const RiskViewSchema = z
  .object({
    score: z.number().int().min(0).max(100),
    reasons: z.array(ReasonSchema),
    history: z.array(
      z
        .object({
          score: z.number(),
          reasons: z.array(ReasonSchema),
          ruleVersion: z.number().int().nullable().optional(),
          atMs: z.number().int().optional(),
          observationId: z.string().optional(),
        })
        .loose(),
    ),
    velocity: z
      .record(z.string(), z.record(z.string(), z.number()))
      .describe("counts per activity kind and window (`1h`, `24h`, `7d`)")
      .nullable()
      .optional(),
    asOfMs: z.number().int().optional(),
  })
  .openapi("RiskView");
export type RiskView = z.infer<typeof RiskViewSchema>;

const riskObjectOf = (env: ApiEnv, userId: string) => env.RISK.get(env.RISK.idFromName(userId));

export const liveRiskPorts: RiskPorts = {
  assess: (env, observation) => riskObjectOf(env, observation.userId).assess(observation),

  async applyAssessment(env, observation, assessment) {
    // Nothing to hold: no wallet call (most observations).
    if (assessment.effects.length === 0) return;
    await walletOf(env, observation.userId).applyAssessment(
      observation.userId,
      observation,
      assessment,
    );
  },

  async riskOf(env, userId) {
    try {
      // `riskOf` is the scoring slice's RPC (i14-scoring): until it is there, or while the
      // object cannot answer, the read says so (null) and still shows holds and links.
      const stub = riskObjectOf(env, userId) as unknown as {
        riskOf(userId: string): Promise<unknown>;
      };
      const parsed = RiskViewSchema.safeParse(await stub.riskOf(userId));
      if (parsed.success) return parsed.data;
      log.warn("risk.read_unexpected_shape", { issues: parsed.error.issues.length });
      return null;
    } catch (error) {
      log.warn("risk.read_unavailable", errorFields(error));
      return null;
    }
  },
};

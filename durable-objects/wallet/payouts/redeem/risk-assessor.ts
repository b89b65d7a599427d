import { type BreakerPolicy, CircuitBreaker } from "#shared/fraud/breaker";
import type { Observation, RiskScorer } from "#shared/fraud/risk-contract";
import type { RiskCheck } from "./risk-check";

/**
 * Asking the user's risk object before money leaves, through the breaker (docs/fraud.md
 * "Fail-safe"). Scoring is one small object per user, so an answer takes milliseconds; two
 * seconds without one is an outage. Five failures in a row open the breaker for thirty
 * seconds: while open, redemptions are held `risk_unavailable` at once instead of each
 * waiting for its timeout, and after it one probe tries again.
 */
export const RISK_BREAKER_POLICY: BreakerPolicy = {
  failureThreshold: 5,
  openMs: 30_000,
  timeoutMs: 2_000,
};

/** One breaker per isolate, shared by the wallet objects it hosts (in memory, not stored). */
const RISK_BREAKER = new CircuitBreaker(RISK_BREAKER_POLICY);

/**
 * The assessment of `observation`, or why there is none; never throws. `prepare` completes
 * the observation before it is assessed (the redeem path reads its sharing facts from D1
 * there): it runs inside the breaker's call, so its failure or slowness is scoring's — the
 * redemption is held `risk_unavailable`, never paid without the facts (docs/fraud.md
 * "Fail-safe") — and the answer's observation is the prepared one.
 *
 * @example
 * const risk = await assessThroughBreaker(env.RISK.get(env.RISK.idFromName(userId)), observation, clock,
 *   (o) => observedWithSharing(env.DB, o));
 */
export async function assessThroughBreaker(
  scorer: RiskScorer,
  observation: Observation,
  clock: () => number,
  prepare: (observation: Observation) => Promise<Observation> = async (o) => o,
): Promise<RiskCheck> {
  let prepared = observation;
  const result = await RISK_BREAKER.call(async () => {
    prepared = await prepare(observation);
    return scorer.assess(prepared);
  }, clock);
  return result.ok
    ? { status: "assessed", observation: prepared, assessment: result.value }
    : { status: "unavailable", observation, cause: result.cause };
}

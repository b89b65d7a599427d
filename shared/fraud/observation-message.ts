import type { Observation } from "./risk-contract";

/**
 * What producers put on the risk queue (`boomerang-risk`, binding RISK_OBSERVATIONS): one
 * observation of what a user did (docs/fraud.md "Signals"). The risk consumer (api worker,
 * features/fraud/) links its identifiers in D1, adds what the links say to its facts and hands
 * it to the user's risk object. Delivered at least once; idempotent on `observationId`.
 */
export interface RiskObservationMessage {
  kind: "risk_observation";
  observation: Observation;
}

/** The producer binding: the click and postback consumers, the wallet's outbox. */
export interface RiskObservationsBinding {
  RISK_OBSERVATIONS: Queue<RiskObservationMessage>;
}

/**
 * Pure: the message for one observation.
 *
 * @example
 * await env.RISK_OBSERVATIONS.send(observationMessage({ observationId: "clk_1", userId: "u1", kind: "click", atMs }))
 */
export function observationMessage(observation: Observation): RiskObservationMessage {
  return { kind: "risk_observation", observation };
}

import type { Facts, FactValue } from "../rules/attributes";
import { riskEventType } from "../rules/fraud-effects";
import type { Observation } from "./risk-contract";
import { OBSERVED_SIGNALS } from "./signals";
import { type Velocity, velocityFacts } from "./velocity";

/**
 * One observation → the engine's facts for its `risk.<kind>` event (docs/rules.md "Facts"):
 * the event's id, type and time, the user, the signals its producer computed (only names the
 * catalog has, with the catalog's type), then what the risk object counts — velocity, whether a
 * login's device is new, the score before this observation — which a producer cannot override.
 * Pure.
 */

export interface RiskContext {
  velocity: Velocity;
  /** The user's score in force when the observation arrived. */
  scoreBefore: number;
  /** A login whose device this user never had before; undefined when not a login with a device. */
  newDevice: boolean | undefined;
}

/**
 * @example
 * riskFactsOf({ observationId: "c1", userId: "u1", kind: "click", atMs: 1_000,
 *   facts: { "signal.clickIframe": true, "signal.clicks1h": 0 } }, context)
 * // { "event.type": "risk.click", "event.id": "c1", "user.id": "u1",
 * //   "signal.clickIframe": true, "signal.clicks1h": <counted>, "signal.score": …, … }
 */
export function riskFactsOf(observation: Observation, context: RiskContext): Facts {
  const facts: Record<string, FactValue | undefined> = {
    "event.type": riskEventType(observation.kind),
    "event.id": observation.observationId,
    "event.occurredAtMs": observation.atMs,
    "user.id": observation.userId,
  };
  for (const [name, value] of Object.entries(observation.facts ?? {})) {
    if (!Object.hasOwn(OBSERVED_SIGNALS, name)) continue;
    const type = OBSERVED_SIGNALS[name as keyof typeof OBSERVED_SIGNALS];
    if (type === "number" ? Number.isFinite(value) : typeof value === type) facts[name] = value;
  }
  Object.assign(facts, velocityFacts(context.velocity));
  facts["signal.score"] = context.scoreBefore;
  if (context.newDevice !== undefined) facts["signal.newDevice"] = context.newDevice;
  return facts;
}

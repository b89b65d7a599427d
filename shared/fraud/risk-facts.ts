import type { Facts, FactValue } from "../rules/attributes";
import { riskEventType } from "../rules/fraud-effects";
import type { Observation } from "./risk-contract";
import { OBSERVED_SIGNALS, SIGNAL_ATTRIBUTES } from "./signals";
import { emptyVelocity, type Velocity, velocityFacts } from "./velocity";

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
  /** What the order and timing of the user's observations say (behaviour-signals.ts). */
  behaviour?: Readonly<Record<string, number>>;
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
  Object.assign(facts, context.behaviour ?? {});
  return facts;
}

/**
 * The facts of a `risk.<kind>` event as the simulator is given them: every `signal.*` fact as
 * the operator states it (velocity and score included, which the risk object would count);
 * the rest as `riskFactsOf` builds them. Returns the names the catalog does not have, or whose
 * value has the wrong type, as problems.
 *
 * @example
 * simulatedRiskFacts({ observationId: "sim", userId: "u1", kind: "click", atMs: 0 },
 *   { "signal.clicks1h": 70 }).facts["signal.clicks1h"] // 70
 */
export function simulatedRiskFacts(
  observation: Observation,
  signals: Readonly<Record<string, string | number | boolean>>,
): { facts: Facts; problems: Array<{ name: string; message: string }> } {
  const problems: Array<{ name: string; message: string }> = [];
  const facts: Record<string, FactValue | undefined> = {
    ...riskFactsOf(observation, {
      velocity: emptyVelocity(),
      scoreBefore: 0,
      newDevice: undefined,
    }),
  };
  for (const [name, value] of Object.entries(signals)) {
    const type = Object.hasOwn(SIGNAL_ATTRIBUTES, name) ? SIGNAL_ATTRIBUTES[name] : undefined;
    if (type === undefined) {
      problems.push({ name, message: `unknown signal "${name}"; see docs/rules.md "Facts"` });
    } else if (type === "number" ? !Number.isFinite(value) : typeof value !== type) {
      problems.push({ name, message: `"${name}" is a ${type}` });
    } else facts[name] = value;
  }
  return { facts, problems };
}

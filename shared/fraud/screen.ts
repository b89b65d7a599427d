import { type CompiledRuleSet, couldApply } from "../rules/index";
import { BEHAVIOUR_FACTS } from "./behaviour-signals";
import { RETURN_COMPUTED_SIGNALS } from "./return-signals";
import type { Observation } from "./risk-contract";
import { riskFactsOf } from "./risk-facts";
import { BEHAVIOUR_SIGNALS, COMPUTED_SIGNALS, VELOCITY_WINDOWS, velocityFact } from "./signals";
import type { UserOrderCounts } from "./user-order-counts";
import { emptyVelocity } from "./velocity";

/**
 * Which conversions the risk consumer sends to the user's risk object (docs/fraud.md
 * "Scoring's cost"). A conversion is the platform's most frequent observation after clicks, and
 * nothing later reads it from the object's log: the user's order counts and conversion velocity
 * come from D1 (user-order-counts.ts). So a conversion only needs its object when a published
 * `risk.conversion` rule could apply to it — judged here from what the consumer knows (the
 * observation's facts, the user's D1 counts, and the age of the click the sale is attributed
 * to), with everything else the object would count (the score, other velocity, the click
 * burst) taken as unknown: a rule those could still satisfy sends the conversion on. Pure.
 */

/** Facts the object computes that the consumer knows once it has the user's D1 counts. */
const KNOWN_FROM_COUNTS = new Set<string>([
  ...Object.keys(RETURN_COMPUTED_SIGNALS),
  ...VELOCITY_WINDOWS.map((w) => velocityFact("conversion", w.suffix)),
]);

/**
 * Not a signal: on a conversion reported for an order the wallet already had (a status
 * update). An order is judged at most once, at its first report, as the risk object always
 * judged it (a repeat was answered what the first was); an update is only counted.
 */
export const ORDER_UPDATE_FACT = "order.update";

/** The click a sale is attributed to: its age is on the observation (observations.ts). */
export const CLICK_TO_CONVERSION_FACT = "signal.clickToConversionSec";

/**
 * Whether the risk object must assess `observation`: every kind but a conversion always; a
 * conversion at its first report when a rule could apply (nothing published: none can).
 *
 * @example
 * needsAssessment(conversion, compiled, counts, Date.now()) // false for a sale an hour after its click under the starter rules
 */
export function needsAssessment(
  observation: Observation,
  compiled: CompiledRuleSet | null,
  counts: UserOrderCounts,
  nowMs: number,
): boolean {
  if (observation.kind !== "conversion") return true;
  if (compiled === null || observation.facts?.[ORDER_UPDATE_FACT] === true) return false;
  const atMs = Math.min(observation.atMs, nowMs);
  const sinceClick = attributedClickSeconds(observation);
  const velocity = emptyVelocity();
  velocity.conversion = { ...counts.recent };
  const facts = riskFactsOf(observation, {
    velocity,
    scoreBefore: 0,
    newDevice: undefined,
    orders: counts,
    behaviour: sinceClick === undefined ? {} : { [BEHAVIOUR_FACTS.secondsSinceClick]: sinceClick },
  });
  return couldApply(compiled, facts, {
    nowMs: atMs,
    isUnknown: (attr) =>
      (Object.hasOwn(COMPUTED_SIGNALS, attr) && !KNOWN_FROM_COUNTS.has(attr)) ||
      (Object.hasOwn(BEHAVIOUR_SIGNALS, attr) &&
        !(attr === BEHAVIOUR_FACTS.secondsSinceClick && sinceClick !== undefined)),
  });
}

/** Seconds from the attributed click to the sale, when the observation says (whole, ≥ 0). */
export function attributedClickSeconds(observation: Observation): number | undefined {
  const value = observation.facts?.[CLICK_TO_CONVERSION_FACT];
  return typeof value === "number" && Number.isFinite(value) && value >= 0
    ? Math.floor(value)
    : undefined;
}

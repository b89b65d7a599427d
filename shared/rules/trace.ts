import type { FactValue } from "./attributes";
import type { ComparisonOp, DayOfWeek } from "./conditions";
import type { Effect } from "./effects";
import type { GroupMode } from "./rule-schema";

/**
 * The trace of one evaluation: what the simulator shows. Built only when asked for
 * (`evaluate(…, { trace: true })`); the wallet's fast path builds none of it. Plain JSON.
 */

/** `not_evaluated`: a sibling decided the group first (all: one failed; any: one passed). */
export type TraceResult = "pass" | "fail" | "not_evaluated";

export type ConditionTrace =
  | { kind: "all" | "any" | "not"; result: TraceResult; children: ConditionTrace[] }
  | {
      kind: "attribute";
      attr: string;
      op: ComparisonOp;
      expected: FactValue;
      /** The fact's value; null when the event does not have it (or it was not evaluated). */
      actual: FactValue | null;
      result: TraceResult;
    }
  | { kind: "day_of_week"; expected: DayOfWeek[]; actual: DayOfWeek | null; result: TraceResult }
  | { kind: "time_window"; from: string; to: string; actual: string | null; result: TraceResult };

export type RuleOutcome = "applied" | "outranked" | "conditions_failed" | "out_of_schedule";

export interface RuleTrace {
  ruleId: string;
  name: string;
  group: string;
  mode: GroupMode;
  priority: number;
  schedule: {
    status: "in" | "not_started" | "ended";
    startsAtMs?: number;
    endsAtMs?: number;
  };
  /** null when the rule was out of its schedule (its conditions were not evaluated). */
  conditions: ConditionTrace | null;
  outcome: RuleOutcome;
  /** The rule that took its place (first_match, highest, lowest). */
  outrankedBy?: string;
  /** What highest/lowest compared: points, minor units, or the product of factors in bps. */
  rankValue?: number;
  effects: Effect[];
}

export interface MultiplierTrace {
  appliesTo: "points" | "cashback";
  currency?: string;
  /** Points (or minor units) the applied base effects gave. */
  base: number;
  factorsBps: number[];
  /** base × Π(factor / 10_000), rounded down once. */
  total: number;
  /** total − base, split over the multiplier rules in proportion to (factor − 10_000). */
  bonus: number;
}

export interface EvaluationTrace {
  version: number;
  timeZone: string;
  eventType: string | null;
  /** The instant schedules and budget periods were judged at. */
  nowMs: number;
  /** The event's local time (from event.occurredAtMs), when it was needed. */
  local: { date: string; dayOfWeek: DayOfWeek; time: string } | null;
  rules: RuleTrace[];
  multipliers: MultiplierTrace[];
}

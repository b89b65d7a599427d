import type { ReasonCode, RiskReason } from "./risk-contract";

/**
 * The score (docs/fraud.md "Scoring"): 0–100, the sum of the reasons in force, capped at 100.
 * A reason is in force from the observation whose rule gave it until its rule's
 * `releaseAfterHours` pass (the condition clears by itself), or the default window when the
 * rule sets none. One reason code counts once however often it fires: firing again refreshes
 * it (its latest score, its window extended), so a click flood is one reason, not a hundred.
 * Pure.
 */

/** How long a reason stays in force when its rule sets no `releaseAfterHours`: 30 days. */
export const DEFAULT_REASON_WINDOW_HOURS = 720;
export const MAX_SCORE = 100;
const HOUR_MS = 3_600_000;

/** A reason as the risk object keeps it: what gave it and how long it stays. */
export interface ReasonInForce extends RiskReason {
  ruleId: string;
  ruleVersion: number;
  /** When it (last) fired. */
  sinceMs: number;
  /** When it leaves the score (exclusive). */
  untilMs: number;
}

/** One fraud effect a rule applied to an observation: its reason and how long it lasts. */
export interface FiredReason {
  code: ReasonCode;
  score: number;
  detail: string;
  ruleId: string;
  ruleVersion: number;
  releaseAfterHours: number | undefined;
}

/**
 * The reasons after `fired` at `atMs`: each code once, a new one added, a known one
 * refreshed (the latest score, rule and detail; in force until the later of both ends).
 * Reasons out of force at `atMs` are dropped. Sorted by code.
 *
 * @example
 * mergeReasons([], [{ code: "click_flood", score: 20, detail: "Click flood", ruleId: "f1",
 *   ruleVersion: 3, releaseAfterHours: 24 }], 0)
 * // [{ code: "click_flood", score: 20, …, sinceMs: 0, untilMs: 86_400_000 }]
 */
export function mergeReasons(
  current: readonly ReasonInForce[],
  fired: readonly FiredReason[],
  atMs: number,
): ReasonInForce[] {
  const byCode = new Map<string, ReasonInForce>();
  for (const reason of current) if (reason.untilMs > atMs) byCode.set(reason.code, reason);
  for (const reason of fired) {
    const hours = reason.releaseAfterHours ?? DEFAULT_REASON_WINDOW_HOURS;
    const untilMs = atMs + hours * HOUR_MS;
    const known = byCode.get(reason.code);
    byCode.set(reason.code, {
      code: reason.code,
      score: reason.score,
      detail: reason.detail,
      ruleId: reason.ruleId,
      ruleVersion: reason.ruleVersion,
      sinceMs: atMs,
      untilMs: known === undefined ? untilMs : Math.max(known.untilMs, untilMs),
    });
  }
  return [...byCode.values()].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
}

/**
 * Whether two kept reason lists say the same (both sorted by code, as `mergeReasons` and the
 * risk object's read give them).
 *
 * @example
 * sameReasons([], []) // true
 */
export function sameReasons(a: readonly ReasonInForce[], b: readonly ReasonInForce[]): boolean {
  return (
    a.length === b.length &&
    a.every((r, i) => {
      const o = b[i] as ReasonInForce;
      return (
        r.code === o.code &&
        r.score === o.score &&
        r.detail === o.detail &&
        r.ruleId === o.ruleId &&
        r.ruleVersion === o.ruleVersion &&
        r.sinceMs === o.sinceMs &&
        r.untilMs === o.untilMs
      );
    })
  );
}

/** The reasons in force at `atMs`. */
export function reasonsInForce(reasons: readonly ReasonInForce[], atMs: number): ReasonInForce[] {
  return reasons.filter((reason) => reason.untilMs > atMs);
}

/**
 * The score at `atMs`: the sum of the reasons in force, at most 100.
 *
 * @example
 * scoreOf([{ code: "a", score: 70, untilMs: 10, … }, { code: "b", score: 50, untilMs: 99, … }], 5) // 100
 * scoreOf([{ code: "a", score: 70, untilMs: 10, … }, { code: "b", score: 50, untilMs: 99, … }], 10) // 50
 */
export function scoreOf(reasons: readonly ReasonInForce[], atMs: number): number {
  let sum = 0;
  for (const reason of reasons) if (reason.untilMs > atMs) sum += reason.score;
  return Math.min(MAX_SCORE, sum);
}

/** The reasons as an assessment shows them: code, score points and detail, heaviest first. */
export function publicReasons(reasons: readonly ReasonInForce[]): RiskReason[] {
  return [...reasons]
    .sort((a, b) => b.score - a.score || (a.code < b.code ? -1 : 1))
    .map(({ code, score, detail }) => ({ code, score, detail }));
}

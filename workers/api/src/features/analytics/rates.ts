/**
 * Pure helpers of the points, fraud-hold and referral funnels (docs/analytics.md): how a
 * hold ended, whether it was a false positive, rates as basis points, and a per-day series
 * with every day of the range listed.
 */

export type HoldOutcome = "pending" | "released" | "step_up" | "confirmed_fraud";

export interface HoldState {
  status: string;
  endedHow: string | null;
  label: string | null;
}

/**
 * Pure: how a hold ended — `pending` while active, `confirmed_fraud` when upheld, `step_up`
 * when the user passed a fresh step-up, `released` otherwise (an operator, its own window,
 * scoring returning).
 *
 * @example
 * holdOutcome({ status: "released", endedHow: "step_up", label: null }); // "step_up"
 */
export function holdOutcome(h: HoldState): HoldOutcome {
  if (h.status === "active") return "pending";
  if (h.status === "upheld") return "confirmed_fraud";
  return h.endedHow === "step_up" ? "step_up" : "released";
}

/**
 * Pure: a decided hold is a false positive when labelled `not_fraud`, or released (in any
 * way) without a `fraud` label. An active hold is undecided: neither.
 */
export function isFalsePositive(h: HoldState): boolean {
  if (h.status === "active") return false;
  if (h.label === "not_fraud") return true;
  return h.status === "released" && h.label !== "fraud";
}

/** The same rules as SQL over `risk_holds`' columns, for the aggregates. */
export const OUTCOME_SQL = {
  pending: "status = 'active'",
  confirmed_fraud: "status = 'upheld'",
  step_up: "status = 'released' AND ended_how = 'step_up'",
  released: "status = 'released' AND COALESCE(ended_how, '') <> 'step_up'",
  decided: "status <> 'active'",
  false_positive:
    "status <> 'active' AND (label = 'not_fraud' OR (status = 'released' AND COALESCE(label, '') <> 'fraud'))",
} as const;

/**
 * Pure: `part / whole` in basis points (10,000 = 100%), rounded half up; null when whole is 0.
 *
 * @example
 * rateBps(1, 3); // 3333
 */
export function rateBps(part: number, whole: number): number | null {
  if (whole <= 0) return null;
  return Math.floor((part * 10_000) / whole + 0.5);
}

/**
 * Pure: one row per UTC day from `from` to `to` (both included), filled from `rows` by day,
 * `zero` for days without a row.
 */
export function everyDay<T extends { day: string }>(
  from: string,
  to: string,
  rows: readonly T[],
  zero: (day: string) => T,
): T[] {
  const byDay = new Map(rows.map((r) => [r.day, r]));
  const out: T[] = [];
  const end = Date.parse(`${to}T00:00:00Z`);
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= end; t += 86_400_000) {
    const day = new Date(t).toISOString().slice(0, 10);
    out.push(byDay.get(day) ?? zero(day));
  }
  return out;
}

/** Pure: the epoch-ms bounds `[fromMs, toMs)` of UTC days `from`..`to`, both included. */
export function dayBounds(period: { from: string; to: string }): { fromMs: number; toMs: number } {
  return {
    fromMs: Date.parse(`${period.from}T00:00:00Z`),
    toMs: Date.parse(`${period.to}T00:00:00Z`) + 86_400_000,
  };
}

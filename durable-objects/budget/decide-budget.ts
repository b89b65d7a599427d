import { decideHeld, type Held } from "../shared/decide-reserve";
import type { BudgetUnit } from "./unit";

/**
 * The generalised budget object's decision, pure: the shared reservation decision
 * (durable-objects/shared/decide-reserve.ts) plus what a rule budget adds — one unit per
 * budget, and a limit that travels with each request. Table tests: decide-budget.test.ts.
 *
 * The limit comes from the rule version that produced the reward. The newest limit seen
 * applies to new grants (a request carrying an older `limitVersion` than the recorded one is
 * judged against the recorded limit and does not change it; a request without a version
 * counts as the newest), and a change never takes back what was granted: lowered below what
 * is outstanding, the budget grants nothing until releases bring the outstanding value below
 * the new limit. What is outstanding above the current limit is `overLimit`; it is set only
 * when a limit is adopted, only shrinks with releases, and a grant never adds to it, so
 * `outstanding ≤ limit + overLimit` is a real bound (a SQLite CHECK says it too).
 */

/** The budget's terms and totals the decision needs; null before the first request. */
export interface BudgetState {
  unit: BudgetUnit;
  limit: number;
  limitVersion: number;
  /** Granted and not released. */
  outstanding: number;
  overLimit: number;
}

export interface BudgetRequest {
  unit: BudgetUnit;
  /** The limit of the rule version behind the request; absent on a release that has none. */
  limit?: number | undefined;
  /** That rule version; absent: the newest. */
  limitVersion?: number | undefined;
  /** 0 releases the whole grant (a reward rolled back). */
  desired: number;
  seq: number;
}

/** The budget's terms after a request. */
export interface BudgetTerms {
  limit: number;
  limitVersion: number;
  overLimit: number;
}

export type BudgetDecision =
  /** The request is in another unit than the budget's: nothing changes. */
  | { action: "unit_mismatch" }
  /** Older than the recorded request of the same reservation: nothing changes. */
  | { action: "stale" }
  /** The same request again: the same grant; `terms` is set when its limit is adopted. */
  | { action: "repeat"; terms: BudgetTerms | null }
  /** Write the reservation and the terms; `delta` moves between budget and reservation. */
  | { action: "set"; row: Held; delta: number; terms: BudgetTerms };

/**
 * @example
 * decideBudget(null, null, { unit: "points", limit: 50, desired: 80, seq: 1 })
 * // { action: "set", row: { desired: 80, granted: 50, seq: 1 }, delta: 50,
 * //   terms: { limit: 50, limitVersion: 0, overLimit: 0 } }
 */
export function decideBudget(
  state: BudgetState | null,
  current: Held | null,
  request: BudgetRequest,
): BudgetDecision {
  if (state && request.unit !== state.unit) return { action: "unit_mismatch" };
  if (request.limit !== undefined) assertWhole(request.limit, "limit");
  if (request.limitVersion !== undefined) assertWhole(request.limitVersion, "limitVersion");

  const outstanding = state?.outstanding ?? 0;
  const adopted = adoptedTerms(state, request);
  const remaining = Math.max(0, adopted.limit - outstanding);
  const held = decideHeld(current, { desired: request.desired, seq: request.seq }, remaining);
  if (held.action === "stale") return held;
  const termsChanged =
    !state || adopted.limit !== state.limit || adopted.limitVersion !== state.limitVersion;
  if (held.action === "repeat") return { action: "repeat", terms: termsChanged ? adopted : null };

  const after = outstanding + held.delta;
  // A grant keeps overLimit as the terms left it (0 whenever anything remained to grant), so
  // an over-grant would break the CHECK instead of being absorbed; a release recomputes it.
  const overLimit = held.delta > 0 ? adopted.overLimit : Math.max(0, after - adopted.limit);
  return { action: "set", row: held.row, delta: held.delta, terms: { ...adopted, overLimit } };
}

function adoptedTerms(state: BudgetState | null, request: BudgetRequest): BudgetTerms {
  if (!state) {
    return { limit: request.limit ?? 0, limitVersion: request.limitVersion ?? 0, overLimit: 0 };
  }
  const version = request.limitVersion ?? state.limitVersion;
  if (request.limit === undefined || version < state.limitVersion) {
    return { limit: state.limit, limitVersion: state.limitVersion, overLimit: state.overLimit };
  }
  return {
    limit: request.limit,
    limitVersion: version,
    overLimit: Math.max(0, state.outstanding - request.limit),
  };
}

function assertWhole(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative safe integer, got ${value}`);
  }
}

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
 *
 * A budget may also be configured (`decideConfigure`, a campaign's budget set by the campaign
 * API): requests need not carry a limit, the recorded one applies. Before any row exists, a
 * reserve without a limit has nothing to be judged against: it is `not_configured` and nothing
 * is written (the caller retries). A `configured` budget (a campaign's) is created only by
 * `configure` (or the legacy hand-over), so every request before that is `not_configured`,
 * a release too. A `carried` (rule) budget keeps its ordering rule: a release without a limit
 * still records its `seq` (a tombstone under limit 0), so the reserve it overtook is stale
 * when it arrives.
 */

/**
 * `carried`: a rule budget whose limit travels with the requests; `configured`: a budget set
 * by `configure` (a campaign's), which no request creates without a limit.
 */
export type BudgetKind = "carried" | "configured";

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
  /** No budget yet and no limit to start one with: nothing changes (retry after configure). */
  | { action: "not_configured" }
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
 * decideBudget(null, null, { unit: "INR", desired: 500, seq: 1 }, "configured")
 * // { action: "not_configured" }
 */
export function decideBudget(
  state: BudgetState | null,
  current: Held | null,
  request: BudgetRequest,
  kind: BudgetKind = "carried",
): BudgetDecision {
  if (state && request.unit !== state.unit) return { action: "unit_mismatch" };
  if (request.limit !== undefined) assertWhole(request.limit, "limit");
  if (request.limitVersion !== undefined) assertWhole(request.limitVersion, "limitVersion");
  if (!state && (kind === "configured" || (request.limit === undefined && request.desired > 0))) {
    return { action: "not_configured" };
  }

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

/**
 * The terms after a request's carried limit, by the rule above (the newest version's limit;
 * an older version's changes nothing). Also how a split budget's root adopts the limit a part
 * hands it (budget-object.ts `allot`).
 *
 * @example
 * adoptedTerms({ unit: "points", limit: 900, limitVersion: 2, outstanding: 700, overLimit: 0 },
 *   { unit: "points", limit: 600, desired: 0, seq: 1 })
 * // { limit: 600, limitVersion: 2, overLimit: 100 }
 */
export function adoptedTerms(
  state: BudgetState | null,
  request: Pick<BudgetRequest, "limit" | "limitVersion">,
): BudgetTerms {
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

export interface ConfigureRequest {
  unit: BudgetUnit;
  limit: number;
  /** The rule version the limit belongs to; absent: the recorded one. */
  limitVersion?: number | undefined;
}

export type ConfigureDecision =
  /** The budget counts another unit: nothing changes. */
  | { action: "unit_mismatch" }
  /** The limit is below what is outstanding (granted, not released): nothing changes. */
  | { action: "below_outstanding" }
  /** Write the terms; `create` when the budget has no row yet (totals start at zero). */
  | { action: "set"; create: boolean; terms: BudgetTerms };

/**
 * Setting a budget's limit by hand (the campaign API): the configured limit replaces the
 * recorded one whatever the versions, but the recorded version never goes back
 * (max(recorded, given)), so a later request carrying an older rule version's limit does not
 * undo it. A limit below what is outstanding is refused: what was granted is not taken back,
 * and configuring exactly the outstanding value is how an operator stops a budget. So a
 * configured limit always leaves `overLimit` at 0.
 *
 * @example
 * decideConfigure(null, { unit: "INR", limit: 100_000 })
 * // { action: "set", create: true, terms: { limit: 100_000, limitVersion: 0, overLimit: 0 } }
 */
export function decideConfigure(
  state: BudgetState | null,
  request: ConfigureRequest,
): ConfigureDecision {
  assertWhole(request.limit, "limit");
  if (request.limitVersion !== undefined) assertWhole(request.limitVersion, "limitVersion");
  if (!state) {
    return {
      action: "set",
      create: true,
      terms: { limit: request.limit, limitVersion: request.limitVersion ?? 0, overLimit: 0 },
    };
  }
  if (request.unit !== state.unit) return { action: "unit_mismatch" };
  if (request.limit < state.outstanding) return { action: "below_outstanding" };
  const limitVersion = Math.max(state.limitVersion, request.limitVersion ?? state.limitVersion);
  return {
    action: "set",
    create: false,
    terms: { limit: request.limit, limitVersion, overLimit: 0 },
  };
}

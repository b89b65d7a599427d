import { DurableObject } from "cloudflare:workers";
import { assert } from "#shared/assert";
import type { Held } from "../shared/decide-reserve";
import { type ParsedBudgetKey, parseBudgetKey } from "./budget-key";
import {
  applyChange,
  type BudgetKeyRow,
  insertBudgetKeyRow,
  outstandingOf,
  readBudgetKeyRow,
  readHeld,
  reservationCounts,
  reservationSums,
  saveHeld,
} from "./budget-store";
import { type BudgetState, decideBudget } from "./decide-budget";
import type { BudgetEnv } from "./env";
import { applyBudgetKeySchema } from "./schema";
import { type BudgetUnit, isBudgetUnit } from "./unit";

/**
 * One object per budget key (`idFromName(budgetKey)`, e.g. `rule:r1:user:u9:month:2026-03`):
 * the single writer of that budget. Every wallet whose reward draws on the budget asks this
 * object; a Durable Object runs one request at a time and each mutation is one
 * `transactionSync` with no `await` inside, so two wallets can never both take the last of
 * it, however many rewards arrive at once.
 *
 * A thin RPC shell over decide-budget.ts (which reuses the campaign budget's reservation
 * decision): the unit is fixed by the first request, the limit travels with every request
 * (the newest rule version's applies to new grants, nothing granted is taken back), and a
 * reservation is keyed by (holder, reference) and ordered by the holder's `seq`, so a reserve
 * and a release can arrive in either order and a repeat gets the same grant.
 */

export interface BudgetReserveInput {
  /** The key this object was addressed by; the object refuses to serve another. */
  budgetKey: string;
  /** `points` or an ISO 4217 currency code (values in minor units). */
  unit: BudgetUnit;
  /** The limit of the rule version behind the reward, in the unit. */
  limit: number;
  /** That rule version (`AppliedEffect.ruleVersion`); an older one does not move the limit. */
  limitVersion?: number | undefined;
  /** The user whose wallet numbers the requests. */
  holder: string;
  /** The reward's own key (unique within the holder). */
  reference: string;
  /** The value the reward asks for; 0 releases it. */
  desired: number;
  /** The holder's request number for this reference, raised whenever `desired` changes. */
  seq: number;
}

/** A release carries no desired value, and its limit only if the caller has one. */
export type BudgetReleaseInput = Omit<BudgetReserveInput, "desired" | "limit"> & {
  limit?: number | undefined;
};

/**
 * `granted`: the request was recorded (a release too); `repeat`: the same request again;
 * `stale`: older than the recorded one, nothing changed; `unit_mismatch`: the budget counts
 * another unit, nothing changed (permanent: the reward gets nothing from this budget).
 */
export type BudgetReserveStatus = "granted" | "repeat" | "stale" | "unit_mismatch";

export interface BudgetReserveResult {
  status: BudgetReserveStatus;
  /** What the reservation holds after this call. */
  granted: number;
  /** What it asks for (the recorded value when stale or refused). */
  desired: number;
  /** What the budget can still grant under its current limit. */
  remaining: number;
  /** The request number the recorded reservation answers (newer than the request if stale). */
  seq: number;
  /** The budget's unit (differs from the request's when `unit_mismatch`). */
  unit: BudgetUnit;
  /** The budget's limit after this call. */
  limit: number;
}

export interface BudgetUsage extends ParsedBudgetKey {
  budgetKey: string;
  unit: BudgetUnit;
  /** The newest limit seen, and the rule version it came from (0: unversioned). */
  limit: number;
  limitVersion: number;
  /** What the reservations ask for now (each reward's full value). */
  askedTotal: number;
  /** Every grant ever made (a grant raised later counts its increase). */
  grantedTotal: number;
  /** Everything given back by releases and lowered requests. */
  releasedTotal: number;
  /** Granted and not released: grantedTotal − releasedTotal. */
  outstanding: number;
  /** Of the outstanding value, what lies above a lowered limit (granted under an older one). */
  overLimit: number;
  /** max(0, limit − outstanding). */
  remaining: number;
  /** Reservations asking for something, and those granted less than they asked. */
  reservations: number;
  partialReservations: number;
  updatedAtMs: number;
}

const MAX_ID_LENGTH = 256;

export class BudgetDurableObject extends DurableObject<BudgetEnv> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: BudgetEnv) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    ctx.blockConcurrencyWhile(async () => applyBudgetKeySchema(ctx.storage));
  }

  /**
   * Grants the reward min(desired, what remains under the newest limit), idempotent per
   * (holder, reference): a repeat returns the same grant, a changed desired value adjusts it.
   * Throws a RangeError for a malformed request (a caller's bug, never a runtime condition).
   *
   * @example
   * await budgetFor(env, key).reserve({ budgetKey: key, unit: "points", limit: 500,
   *   limitVersion: 7, holder: "u9", reference: "evt-1:r1:0", desired: 120, seq: 1 });
   * // { status: "granted", granted: 120, desired: 120, remaining: 380, seq: 1, unit: "points", limit: 500 }
   */
  reserve(input: BudgetReserveInput, nowMs: number = Date.now()): BudgetReserveResult {
    checkInput(input);
    if (typeof input.limit !== "number") throw new RangeError("a reserve carries its limit");
    return this.ctx.storage.transactionSync(() => this.reserveSync(input, nowMs));
  }

  /** Gives the reward's whole grant back (the reward was rolled back). */
  release(input: BudgetReleaseInput, nowMs: number = Date.now()): BudgetReserveResult {
    const request = { ...input, desired: 0 };
    checkInput(request);
    return this.ctx.storage.transactionSync(() => this.reserveSync(request, nowMs));
  }

  private reserveSync(
    input: Omit<BudgetReserveInput, "limit"> & { limit?: number | undefined },
    nowMs: number,
  ): BudgetReserveResult {
    const budget = this.readBudget(input.budgetKey);
    const current = readHeld(this.sql, input.holder, input.reference);
    const decision = decideBudget(budget && stateOf(budget), current, input);
    if (decision.action === "unit_mismatch" || decision.action === "stale") {
      return this.answer(decision.action, current as Held | null, budget as BudgetKeyRow);
    }
    if (decision.action === "repeat") {
      if (decision.terms) {
        applyChange(this.sql, decision.terms, { askedDelta: 0, granted: 0, released: 0 }, nowMs);
        this.assertInvariants(false);
      }
      return this.answer("repeat", current as Held, this.budgetRow() as BudgetKeyRow);
    }
    const { row, delta, terms } = decision;
    if (!budget) insertBudgetKeyRow(this.sql, input, terms, nowMs);
    saveHeld(this.sql, input, row, nowMs);
    applyChange(
      this.sql,
      terms,
      {
        askedDelta: row.desired - (current?.desired ?? 0),
        granted: Math.max(delta, 0),
        released: Math.max(-delta, 0),
      },
      nowMs,
    );
    this.assertInvariants(delta > 0);
    return this.answer("granted", row, this.budgetRow() as BudgetKeyRow);
  }

  private answer(
    status: BudgetReserveStatus,
    row: Held | null,
    budget: BudgetKeyRow,
  ): BudgetReserveResult {
    return {
      status,
      granted: row?.granted ?? 0,
      desired: row?.desired ?? 0,
      remaining: Math.max(0, budget.limit_value - outstandingOf(budget)),
      seq: row?.seq ?? 0,
      unit: budget.unit,
      limit: budget.limit_value,
    };
  }

  /** Terms, totals and the period; null before the first request reached this key. */
  usage(): BudgetUsage | null {
    const b = this.budgetRow();
    if (!b) return null;
    const parsed = parseBudgetKey(b.budget_key) as ParsedBudgetKey;
    const counts = reservationCounts(this.sql);
    const outstanding = outstandingOf(b);
    return {
      budgetKey: b.budget_key,
      ...parsed,
      unit: b.unit,
      limit: b.limit_value,
      limitVersion: b.limit_version,
      askedTotal: b.asked_total,
      grantedTotal: b.granted_total,
      releasedTotal: b.released_total,
      outstanding,
      overLimit: b.over_limit,
      remaining: Math.max(0, b.limit_value - outstanding),
      reservations: counts.n,
      partialReservations: counts.partial,
      updatedAtMs: b.updated_at_ms,
    };
  }

  /**
   * Full audit, O(reservations): the running totals equal the sums of the rows, and the
   * outstanding value is within the limit (plus what a lowered limit left over it).
   */
  audit(): { ok: boolean; violations: string[] } {
    const violations: string[] = [];
    const b = this.budgetRow();
    if (!b) return { ok: true, violations };
    const sums = reservationSums(this.sql);
    const outstanding = outstandingOf(b);
    if (sums.granted !== outstanding) {
      violations.push(`reservations hold ${sums.granted}, totals say ${outstanding} outstanding`);
    }
    if (sums.asked !== b.asked_total) {
      violations.push(`reservations ask ${sums.asked}, totals say ${b.asked_total}`);
    }
    if (outstanding < 0 || outstanding > b.limit_value + b.over_limit) {
      violations.push(`outstanding ${outstanding} outside 0..${b.limit_value}+${b.over_limit}`);
    }
    if (b.over_limit !== Math.max(0, outstanding - b.limit_value)) {
      violations.push(`over_limit ${b.over_limit} for outstanding ${outstanding}`);
    }
    return { ok: violations.length === 0, violations };
  }

  private budgetRow(): BudgetKeyRow | null {
    return readBudgetKeyRow(this.sql);
  }

  private readBudget(budgetKey: string): BudgetKeyRow | null {
    const row = this.budgetRow();
    assert(!row || row.budget_key === budgetKey, "budget object addressed with another key");
    return row;
  }

  /**
   * Postcondition of every mutation; a failure throws, which rolls the transaction back.
   * granted − released ≤ limit after any grant; a release or a lowered limit may leave it
   * above the limit only by `over_limit`, which is exactly that excess.
   */
  private assertInvariants(granted: boolean): void {
    const b = this.budgetRow() as BudgetKeyRow;
    const outstanding = outstandingOf(b);
    assert(
      outstanding >= 0 &&
        outstanding <= b.limit_value + b.over_limit &&
        b.over_limit === Math.max(0, outstanding - b.limit_value) &&
        (!granted || outstanding <= b.limit_value) &&
        b.asked_total >= 0,
      `budget invariant broken: outstanding ${outstanding}, limit ${b.limit_value}, over ${b.over_limit}`,
    );
  }
}

function stateOf(b: BudgetKeyRow): BudgetState {
  return {
    unit: b.unit,
    limit: b.limit_value,
    limitVersion: b.limit_version,
    outstanding: outstandingOf(b),
    overLimit: b.over_limit,
  };
}

function checkInput(input: {
  budgetKey: string;
  unit: string;
  holder: string;
  reference: string;
}): void {
  if (typeof input.budgetKey !== "string" || !parseBudgetKey(input.budgetKey)) {
    throw new RangeError(`not a budget key: ${String(input.budgetKey).slice(0, 80)}`);
  }
  if (!isBudgetUnit(input.unit)) {
    throw new RangeError(`unit must be "points" or a currency code, got ${String(input.unit)}`);
  }
  for (const [name, value] of [
    ["holder", input.holder],
    ["reference", input.reference],
  ] as const) {
    if (typeof value !== "string" || value.length === 0 || value.length > MAX_ID_LENGTH) {
      throw new RangeError(`${name} must be 1–${MAX_ID_LENGTH} characters`);
    }
  }
}

import { DurableObject } from "cloudflare:workers";
import { assert } from "#shared/assert";
import {
  addToTotals,
  type BudgetRow,
  handedOverAtMs,
  insertBudget,
  liveReservationCount,
  markHandedOver,
  outstandingOf,
  readBudgetRow,
  readReservation,
  reservationCounts,
  reservationSums,
  reservationsPage,
  saveReservation,
  updateBudgetTerms,
} from "./budget-store";
import { decideReserve, type Reservation } from "./decide-reserve";
import type { CampaignBudgetEnv } from "./env";
import { type CampaignBudgetHandOver, HAND_OVER_PAGE_MAX, type HandOverPage } from "./hand-over";
import { applyBudgetSchema } from "./schema";

/**
 * One object per campaign (`idFromName(campaignId)`): the single writer of that campaign's
 * budget. Every wallet that wants a boost for a transaction asks this object, and because
 * a Durable Object runs one request at a time and each mutation is one `transactionSync`
 * with no `await` inside, two wallets can never both spend the last of the budget: the
 * grants of every transaction together never exceed the budget, however many conversions
 * arrive at once.
 *
 * A thin RPC shell over decide-reserve.ts; reservations are idempotent per transaction (keyed
 * by the wallet's user id and the transaction id).
 *
 * Legacy since issue 11: a campaign's budget is the rule budget
 * `rule:campaign.<id>:campaign:<id>:lifetime` in the generalised budget object, which asks this
 * object to `handOver()` its budget and reservations the first time it is touched. Handed over,
 * this object answers `moved` and changes nothing; `totals()` and `audit()` still read.
 */

export interface BudgetTotals {
  campaignId: string;
  currency: string;
  budgetMinor: number;
  /** What the live reservations ask for now (their boost at the full rate), in minor units. */
  desiredMinor: number;
  /** Every grant ever made, in minor units (a grant raised later counts its increase). */
  grantedTotalMinor: number;
  /** Everything given back by releases and lowered requests, in minor units. */
  releasedTotalMinor: number;
  /** Granted and not released: what the campaign is paying now, in minor units. */
  outstandingMinor: number;
  remainingMinor: number;
  reservations: number;
  /** Reservations granted less than they asked for. */
  partialReservations: number;
  updatedAtMs: number;
}

/**
 * Exhaustive result of `reserve` and `release`. `not_configured` is the only transient one
 * (the admin API configures the object before any click can carry the campaign); callers
 * retry it later. `currency_mismatch` is permanent: the transaction gets no boost. `moved`:
 * the budget was handed over to the budget object; nothing changed here (the amounts are the
 * recorded reservation's), ask the campaign's rule budget instead.
 */
export type ReserveStatus =
  | "granted"
  | "repeat"
  | "stale"
  | "not_configured"
  | "currency_mismatch"
  | "moved";

export interface ReserveResult {
  status: ReserveStatus;
  /** What the transaction holds of the budget after this call, in minor units. */
  grantedMinor: number;
  desiredMinor: number;
  /** The request number the recorded reservation answers (newer than the request if stale). */
  seq: number;
}

export interface ReserveInput {
  campaignId: string;
  txnId: string;
  userId: string;
  currency: string;
  desiredMinor: number;
  seq: number;
}

export type ConfigureResult =
  | { status: "ok"; totals: BudgetTotals }
  /** The new budget is below what is already granted and not released. */
  | { status: "below_outstanding"; totals: BudgetTotals }
  /** Reservations exist in the old currency. */
  | { status: "currency_locked"; totals: BudgetTotals }
  /** Handed over to the budget object: nothing changed; configure the rule budget instead. */
  | { status: "moved"; totals: BudgetTotals };

export class CampaignBudgetDurableObject extends DurableObject<CampaignBudgetEnv> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: CampaignBudgetEnv) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    ctx.blockConcurrencyWhile(async () => applyBudgetSchema(ctx.storage));
  }

  /**
   * Sets the campaign's budget (and, while nothing is reserved, its currency). Refuses a
   * budget below what is outstanding: money already promised to users is not taken back by
   * lowering the cap, so lowering it to the outstanding amount is how an operator stops it.
   */
  configure(
    input: { campaignId: string; currency: string; budgetMinor: number },
    nowMs: number = Date.now(),
  ): ConfigureResult {
    if (!Number.isSafeInteger(input.budgetMinor) || input.budgetMinor < 0) {
      throw new RangeError("budgetMinor must be a non-negative safe integer");
    }
    return this.ctx.storage.transactionSync(() => {
      const current = this.readBudget(input.campaignId);
      if (current && handedOverAtMs(this.sql) !== null) {
        return { status: "moved", totals: this.totals() as BudgetTotals };
      }
      if (!current) {
        insertBudget(this.sql, input, nowMs);
        return { status: "ok", totals: this.totals() as BudgetTotals };
      }
      const outstanding = outstandingOf(current);
      if (input.budgetMinor < outstanding) {
        return { status: "below_outstanding", totals: this.totals() as BudgetTotals };
      }
      if (input.currency !== current.currency && liveReservationCount(this.sql) > 0) {
        return { status: "currency_locked", totals: this.totals() as BudgetTotals };
      }
      updateBudgetTerms(this.sql, input, nowMs);
      this.assertInvariants();
      return { status: "ok", totals: this.totals() as BudgetTotals };
    });
  }

  /**
   * Grants the transaction min(desired, what remains), idempotent per transaction id: a
   * repeat returns the same grant, a changed desired amount adjusts it (decide-reserve.ts).
   */
  reserve(input: ReserveInput, nowMs: number = Date.now()): ReserveResult {
    return this.ctx.storage.transactionSync(() => this.reserveSync(input, nowMs));
  }

  /** Gives the transaction's whole grant back to the budget (cancellation, return). */
  release(input: Omit<ReserveInput, "desiredMinor">, nowMs: number = Date.now()): ReserveResult {
    return this.ctx.storage.transactionSync(() =>
      this.reserveSync({ ...input, desiredMinor: 0 }, nowMs),
    );
  }

  private reserveSync(input: ReserveInput, nowMs: number): ReserveResult {
    const budget = this.readBudget(input.campaignId);
    const current = readReservation(this.sql, input.userId, input.txnId);
    if (!budget) {
      return { status: "not_configured", grantedMinor: 0, desiredMinor: 0, seq: input.seq };
    }
    if (handedOverAtMs(this.sql) !== null) {
      return {
        status: "moved",
        grantedMinor: current?.grantedMinor ?? 0,
        desiredMinor: current?.desiredMinor ?? 0,
        seq: current?.seq ?? input.seq,
      };
    }
    if (budget.currency !== input.currency) {
      return {
        status: "currency_mismatch",
        grantedMinor: current?.grantedMinor ?? 0,
        desiredMinor: current?.desiredMinor ?? 0,
        seq: input.seq,
      };
    }
    const outstanding = outstandingOf(budget);
    const decision = decideReserve(
      current,
      { desiredMinor: input.desiredMinor, seq: input.seq },
      budget.budget_minor - outstanding,
    );
    if (decision.action !== "set") {
      const held = current as Reservation;
      return {
        status: decision.action === "stale" ? "stale" : "repeat",
        grantedMinor: held.grantedMinor,
        desiredMinor: held.desiredMinor,
        seq: held.seq,
      };
    }
    const { row, deltaMinor } = decision;
    saveReservation(this.sql, input, row, nowMs);
    addToTotals(
      this.sql,
      {
        desiredDeltaMinor: row.desiredMinor - (current?.desiredMinor ?? 0),
        grantedMinor: Math.max(deltaMinor, 0),
        releasedMinor: Math.max(-deltaMinor, 0),
      },
      nowMs,
    );
    this.assertInvariants();
    return {
      status: "granted",
      grantedMinor: row.grantedMinor,
      desiredMinor: row.desiredMinor,
      seq: row.seq,
    };
  }

  /**
   * Hands the budget over to the generalised budget object (which calls this when the
   * campaign's rule budget is first touched): the terms, the totals and one page of the
   * reservations (every one, released ones too, so their `seq` keeps ordering the wallets'
   * requests), by (userId, txnId), at most HAND_OVER_PAGE_MAX per page. The first call marks
   * the object moved, so nothing changes after it: calling again, or for the next page, reads
   * the same data (nothing is deleted). Null when the object was never configured (nothing is
   * marked then: there is nothing to move).
   *
   * @example
   * let page = await budgetOf(env, "diwali").handOver();
   * while (page?.next) page = await budgetOf(env, "diwali").handOver(page.next);
   */
  handOver(page: HandOverPage = {}, nowMs: number = Date.now()): CampaignBudgetHandOver | null {
    const limit = page.limit ?? HAND_OVER_PAGE_MAX;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > HAND_OVER_PAGE_MAX) {
      throw new RangeError(`limit must be 1–${HAND_OVER_PAGE_MAX}`);
    }
    const after =
      page.afterUserId !== undefined && page.afterTxnId !== undefined
        ? { afterUserId: page.afterUserId, afterTxnId: page.afterTxnId }
        : null;
    return this.ctx.storage.transactionSync(() => {
      const b = this.budgetRow();
      if (!b) return null;
      markHandedOver(this.sql, nowMs);
      const reservations = reservationsPage(this.sql, after, limit);
      const last = reservations.length === limit ? reservations[limit - 1] : undefined;
      return {
        campaignId: b.campaign_id,
        currency: b.currency,
        budgetMinor: b.budget_minor,
        grantedTotalMinor: b.granted_total_minor,
        releasedTotalMinor: b.released_total_minor,
        handedOverAtMs: handedOverAtMs(this.sql) as number,
        reservations,
        next: last ? { afterUserId: last.userId, afterTxnId: last.txnId } : null,
      };
    });
  }

  /** Budget, desired, granted, released and remaining; null until the admin API configures it. */
  totals(): BudgetTotals | null {
    const b = this.budgetRow();
    if (!b) return null;
    const counts = reservationCounts(this.sql);
    const outstandingMinor = outstandingOf(b);
    return {
      campaignId: b.campaign_id,
      currency: b.currency,
      budgetMinor: b.budget_minor,
      desiredMinor: b.desired_minor,
      grantedTotalMinor: b.granted_total_minor,
      releasedTotalMinor: b.released_total_minor,
      outstandingMinor,
      remainingMinor: b.budget_minor - outstandingMinor,
      reservations: counts.n,
      partialReservations: counts.partial,
      updatedAtMs: b.updated_at_ms,
    };
  }

  /**
   * Full audit, O(reservations): the running totals equal the sums of the rows, and the
   * outstanding amount is within the budget.
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
    if (sums.desired !== b.desired_minor) {
      violations.push(`reservations desire ${sums.desired}, totals say ${b.desired_minor}`);
    }
    if (outstanding < 0 || outstanding > b.budget_minor) {
      violations.push(`outstanding ${outstanding} outside 0..${b.budget_minor}`);
    }
    return { ok: violations.length === 0, violations };
  }

  private budgetRow(): BudgetRow | null {
    return readBudgetRow(this.sql);
  }

  private readBudget(campaignId: string): BudgetRow | null {
    const row = this.budgetRow();
    assert(
      !row || row.campaign_id === campaignId,
      "budget object addressed with another campaign id",
    );
    return row;
  }

  /** Postcondition of every mutation; a failure throws, which rolls the transaction back. */
  private assertInvariants(): void {
    const b = this.budgetRow() as BudgetRow;
    const outstanding = outstandingOf(b);
    assert(
      outstanding >= 0 && outstanding <= b.budget_minor && b.desired_minor >= 0,
      `campaign budget invariant broken: outstanding ${outstanding}, budget ${b.budget_minor}`,
    );
  }
}

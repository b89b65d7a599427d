import { DurableObject } from "cloudflare:workers";
import { decideReserve, type Reservation } from "./decide-reserve";
import type { CampaignBudgetEnv } from "./env";
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
 * retry it later. `currency_mismatch` is permanent: the transaction gets no boost.
 */
export type ReserveStatus = "granted" | "repeat" | "stale" | "not_configured" | "currency_mismatch";

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
  | { status: "currency_locked"; totals: BudgetTotals };

type BudgetRow = {
  campaign_id: string;
  currency: string;
  budget_minor: number;
  desired_minor: number;
  granted_total_minor: number;
  released_total_minor: number;
  updated_at_ms: number;
};

/** Granted and not released: what the campaign is paying now, in minor units. */
function outstandingOf(b: BudgetRow): number {
  return b.granted_total_minor - b.released_total_minor;
}

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
      if (!current) {
        this.sql.exec(
          `INSERT INTO budget (id, campaign_id, currency, budget_minor, desired_minor,
             granted_total_minor, released_total_minor, updated_at_ms)
           VALUES (1, ?, ?, ?, 0, 0, 0, ?)`,
          input.campaignId,
          input.currency,
          input.budgetMinor,
          nowMs,
        );
        return { status: "ok", totals: this.totals() as BudgetTotals };
      }
      const outstanding = outstandingOf(current);
      if (input.budgetMinor < outstanding) {
        return { status: "below_outstanding", totals: this.totals() as BudgetTotals };
      }
      if (input.currency !== current.currency && this.reservationCount() > 0) {
        return { status: "currency_locked", totals: this.totals() as BudgetTotals };
      }
      this.sql.exec(
        `UPDATE budget SET currency = ?, budget_minor = ?, updated_at_ms = ? WHERE id = 1`,
        input.currency,
        input.budgetMinor,
        nowMs,
      );
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
    const current = this.readReservation(input.userId, input.txnId);
    if (!budget) {
      return { status: "not_configured", grantedMinor: 0, desiredMinor: 0, seq: input.seq };
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
    this.sql.exec(
      `INSERT INTO reservations (txn_id, user_id, desired_minor, granted_minor, seq,
         created_at_ms, updated_at_ms)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)
       ON CONFLICT (user_id, txn_id) DO UPDATE SET desired_minor = excluded.desired_minor,
         granted_minor = excluded.granted_minor, seq = excluded.seq,
         updated_at_ms = excluded.updated_at_ms`,
      input.txnId,
      input.userId,
      row.desiredMinor,
      row.grantedMinor,
      row.seq,
      nowMs,
    );
    this.sql.exec(
      `UPDATE budget SET desired_minor = desired_minor + ?,
         granted_total_minor = granted_total_minor + ?,
         released_total_minor = released_total_minor + ?, updated_at_ms = ?
       WHERE id = 1`,
      row.desiredMinor - (current?.desiredMinor ?? 0),
      Math.max(deltaMinor, 0),
      Math.max(-deltaMinor, 0),
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

  /** Budget, desired, granted, released and remaining; null until the admin API configures it. */
  totals(): BudgetTotals | null {
    const b = this.budgetRow();
    if (!b) return null;
    const counts = this.sql
      .exec<{ n: number; partial: number }>(
        `SELECT COUNT(*) AS n, COALESCE(SUM(granted_minor < desired_minor), 0) AS partial
         FROM reservations WHERE desired_minor > 0`,
      )
      .one();
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
    const sums = this.sql
      .exec<{ desired: number; granted: number }>(
        `SELECT COALESCE(SUM(desired_minor), 0) AS desired, COALESCE(SUM(granted_minor), 0) AS granted
         FROM reservations`,
      )
      .one();
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
    return this.sql.exec<BudgetRow>(`SELECT * FROM budget WHERE id = 1`).toArray()[0] ?? null;
  }

  private readBudget(campaignId: string): BudgetRow | null {
    const row = this.budgetRow();
    if (row && row.campaign_id !== campaignId) {
      throw new Error("budget object addressed with another campaign id");
    }
    return row;
  }

  private readReservation(userId: string, txnId: string): Reservation | null {
    const row = this.sql
      .exec<{ desired_minor: number; granted_minor: number; seq: number }>(
        `SELECT desired_minor, granted_minor, seq FROM reservations WHERE user_id = ? AND txn_id = ?`,
        userId,
        txnId,
      )
      .toArray()[0];
    return row
      ? { desiredMinor: row.desired_minor, grantedMinor: row.granted_minor, seq: row.seq }
      : null;
  }

  private reservationCount(): number {
    // Fully released reservations hold nothing, so they do not lock the currency.
    return this.sql
      .exec<{ n: number }>(`SELECT COUNT(*) AS n FROM reservations WHERE desired_minor > 0`)
      .one().n;
  }

  /** Postcondition of every mutation; a failure throws, which rolls the transaction back. */
  private assertInvariants(): void {
    const b = this.budgetRow() as BudgetRow;
    const outstanding = outstandingOf(b);
    if (outstanding < 0 || outstanding > b.budget_minor || b.desired_minor < 0) {
      throw new Error(
        `campaign budget invariant broken: outstanding ${outstanding}, budget ${b.budget_minor}`,
      );
    }
  }
}

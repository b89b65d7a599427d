/**
 * The points lifecycle part of the oracle, lot by lot, from the documented rules alone
 * (docs/loyalty.md "The model: lots", "Pending points and activation", "Spending", "Rollback,
 * debt and restore", "Expiry"); it imports nothing outside test/sim/oracle/.
 *
 * - The simulation's purchase rule: a `purchase.completed` earns a point per ₹1 of its amount
 *   (rounded down), one lot, pending for the program's `PENDING_DAYS`.
 * - A lot becomes active when its purchase is confirmed (`purchase.confirmed`) or its pending
 *   period has passed; points becoming active repay outstanding points debt first (the repaid
 *   points are the lot's `reversed`).
 * - A voucher costs `VOUCHER_COST_POINTS` active points, drawn from active lots earliest expiry
 *   first (every lot lasts the same, so: earliest earned first); more than the active points
 *   is refused whole, and a pool with no code left refuses too (after the points check).
 * - A refund takes back its share of what the purchase earned (its amount over the purchase's,
 *   rounded down; the refund that completes it takes all that is left), from the lot's unspent
 *   points first, then its expired ones; what the lot no longer holds becomes points debt.
 * - Once the program's time passes a lot's expiry (the validity is a week, so a run's clock
 *   moved `EXPIRE_AHEAD_DAYS` ahead passes every lot's), its pending points activate (repaying
 *   debt) and what is left expires; spent and reversed points never do.
 */

export const PURCHASE_POINTS_PER_UNIT = 1;
export const PURCHASE_UNIT_MINOR = 100;
/** How long earned event points stay pending (the program's `pendingDays`). */
export const PENDING_DAYS = 3;
export const VOUCHER_COST_POINTS = 400;
/** Codes in the run's voucher pool: few enough that a long run empties it. */
export const VOUCHER_CODES = 8;

export interface ExpectedLotPoints {
  active: number;
  pending: number;
  spent: number;
  expired: number;
  reversed: number;
  debt: number;
}

interface Lot {
  earned: number;
  remaining: number;
  active: boolean;
  spent: number;
  expired: number;
  reversed: number;
}

interface Purchase {
  user: string;
  amountMinor: number;
  refundedMinor: number;
  /** Points its refunds took back so far (debt included). */
  takenPoints: number;
  lot: Lot | null;
}

export type VoucherOutcome = "created" | "insufficient_points" | "voucher_pool_empty";

export class PointsLotsOracle {
  private readonly lots = new Map<string, Lot[]>();
  private readonly debt = new Map<string, number>();
  private readonly purchases = new Map<string, Purchase>();
  private readonly vouchers = new Map<string, { user: string; outcome: VoucherOutcome }>();
  private issued = 0;

  static pointsFor(amountMinor: number): number {
    return Math.floor(amountMinor / PURCHASE_UNIT_MINOR) * PURCHASE_POINTS_PER_UNIT;
  }

  /** A purchase accepted: its lot, pending. Returns the points earned. */
  purchase(user: string, eventId: string, amountMinor: number): number {
    const points = PointsLotsOracle.pointsFor(amountMinor);
    const lot =
      points > 0
        ? { earned: points, remaining: points, active: false, spent: 0, expired: 0, reversed: 0 }
        : null;
    if (lot) this.lotsOf(user).push(lot);
    this.purchases.set(eventId, { user, amountMinor, refundedMinor: 0, takenPoints: 0, lot });
    return points;
  }

  /** The purchase confirmed: its lot becomes active (once). */
  confirm(eventId: string): void {
    const p = this.purchases.get(eventId);
    if (p?.lot && !p.lot.active) this.activate(p.user, p.lot);
  }

  /** A refund of `amountMinor` of the purchase. Returns the points taken and the new debt. */
  refund(eventId: string, amountMinor: number): { taken: number; debt: number } {
    const p = this.purchases.get(eventId);
    if (!p) throw new Error(`oracle: refund of unknown purchase ${eventId}`);
    const whole = p.refundedMinor + amountMinor >= p.amountMinor;
    p.refundedMinor += amountMinor;
    const lot = p.lot;
    if (!lot) return { taken: 0, debt: 0 };
    const left = Math.max(0, lot.earned - p.takenPoints);
    const share = Math.floor((lot.earned * amountMinor) / p.amountMinor);
    const target = whole ? left : Math.min(share, left);
    p.takenPoints += target;
    let owed = target;
    const fromUnspent = Math.min(owed, lot.remaining);
    lot.remaining -= fromUnspent;
    owed -= fromUnspent;
    const fromExpired = Math.min(owed, lot.expired);
    lot.expired -= fromExpired;
    owed -= fromExpired;
    lot.reversed += fromUnspent + fromExpired;
    this.debt.set(p.user, (this.debt.get(p.user) ?? 0) + owed);
    return { taken: target - owed, debt: owed };
  }

  /** A voucher asked under `key`; a replay of the key answers what the first did. */
  voucher(user: string, key: string): VoucherOutcome {
    const done = this.vouchers.get(key);
    if (done) return done.outcome;
    const outcome = this.spendVoucher(user);
    this.vouchers.set(key, { user, outcome });
    return outcome;
  }

  private spendVoucher(user: string): VoucherOutcome {
    const lots = this.lotsOf(user);
    const active = lots.reduce((n, l) => n + (l.active ? l.remaining : 0), 0);
    if (active < VOUCHER_COST_POINTS) return "insufficient_points";
    if (this.issued >= VOUCHER_CODES) return "voucher_pool_empty";
    this.issued++;
    let owed = VOUCHER_COST_POINTS;
    for (const lot of lots) {
      if (!lot.active || owed === 0) continue;
      const draw = Math.min(owed, lot.remaining);
      lot.remaining -= draw;
      lot.spent += draw;
      owed -= draw;
    }
    return "created";
  }

  /** The user's program time passed every lot's expiry: activate what is pending, then expire. */
  expire(user: string): number {
    let expired = 0;
    for (const lot of this.lotsOf(user)) {
      if (!lot.active) this.activate(user, lot);
      expired += lot.remaining;
      lot.expired += lot.remaining;
      lot.remaining = 0;
    }
    return expired;
  }

  vouchersIssued(): number {
    return this.issued;
  }

  users(): string[] {
    return [...this.lots.keys()];
  }

  expected(user: string): ExpectedLotPoints {
    const out = { active: 0, pending: 0, spent: 0, expired: 0, reversed: 0, debt: 0 };
    for (const lot of this.lotsOf(user)) {
      if (lot.active) out.active += lot.remaining;
      else out.pending += lot.remaining;
      out.spent += lot.spent;
      out.expired += lot.expired;
      out.reversed += lot.reversed;
    }
    out.debt = this.debt.get(user) ?? 0;
    return out;
  }

  private activate(user: string, lot: Lot): void {
    lot.active = true;
    const repay = Math.min(this.debt.get(user) ?? 0, lot.remaining);
    lot.remaining -= repay;
    lot.reversed += repay;
    this.debt.set(user, (this.debt.get(user) ?? 0) - repay);
  }

  private lotsOf(user: string): Lot[] {
    let lots = this.lots.get(user);
    if (!lots) {
      lots = [];
      this.lots.set(user, lots);
    }
    return lots;
  }
}

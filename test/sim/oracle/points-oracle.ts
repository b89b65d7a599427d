/**
 * The loyalty points part of the oracle: what every member's points and points-bought cashback
 * must end as, from the documented rules alone (docs/loyalty.md, docs/rules.md); it imports
 * nothing outside test/sim/oracle/.
 *
 * - The simulation's program: cashback redemption at 100 points for ₹0.50 (rounded down),
 *   at least `POINTS_MIN_REDEEM` points; tiers off (no multipliers). Its points stay pending
 *   for some days (points-lots-oracle.ts), but a confirmed order's are earned confirmed: they
 *   are active at once (docs/loyalty.md "Pending points and activation").
 * - Its one rule: a confirmed order of at least `POINTS_ORDER_MIN_MINOR` earns a point per
 *   ₹1 of the sale (rounded down), once per order, whatever the deliveries; the points kind's
 *   orders are approved at once and never change, so no rollback takes any back.
 * - A redemption the API accepted (201) moves its points active → spent and credits its
 *   cashback to confirmed; a refused one changes nothing.
 * - Once the program's time passes every lot's expiry, what is left active expires; spent
 *   points never do.
 */

/** Only orders this large earn (the money core's and the payouts' orders are smaller). */
export const POINTS_ORDER_MIN_MINOR = 700_000;
export const POINTS_PER_UNIT = 1;
export const POINTS_UNIT_MINOR = 100;
export const POINTS_RATE = { points: 100, amountMinor: 50 } as const;
export const POINTS_MIN_REDEEM = 500;

export interface ExpectedPoints {
  earned: number;
  active: number;
  pending: number;
  spent: number;
  expired: number;
}

export class PointsOracle {
  private readonly earnedByOrder = new Map<string, { userId: string; points: number }>();
  private readonly spends = new Map<string, { userId: string; points: number }>();
  private expiredAll = false;

  /** The points an order of this sale earns once confirmed. */
  static pointsFor(saleMinor: number): number {
    if (saleMinor < POINTS_ORDER_MIN_MINOR) return 0;
    return Math.floor(saleMinor / POINTS_UNIT_MINOR) * POINTS_PER_UNIT;
  }

  /**
   * An order state reported (every one is delivered before the end: the drain delivers all).
   * Only an approved one earns, and only the points kind's orders are large enough.
   */
  order(userId: string, orderId: string, status: string, saleMinor: number): void {
    const points = PointsOracle.pointsFor(saleMinor);
    if (status === "approved" && points > 0) this.earnedByOrder.set(orderId, { userId, points });
  }

  /** A redemption the API accepted (201). */
  redeemed(userId: string, key: string, points: number): void {
    if (this.spends.has(key)) throw new Error(`oracle: points redemption ${key} made twice`);
    this.spends.set(key, { userId, points });
  }

  /** The program's time has passed every lot's expiry. */
  expireAll(): void {
    this.expiredAll = true;
  }

  users(): string[] {
    return [...new Set([...this.earnedByOrder.values()].map((o) => o.userId))];
  }

  expected(userId: string): ExpectedPoints {
    let earned = 0;
    for (const o of this.earnedByOrder.values()) if (o.userId === userId) earned += o.points;
    let spent = 0;
    for (const s of this.spends.values()) if (s.userId === userId) spent += s.points;
    const left = earned - spent;
    return this.expiredAll
      ? { earned, active: 0, pending: 0, spent, expired: left }
      : { earned, active: left, pending: 0, spent, expired: 0 };
  }

  /** Cashback bought with points (minor units), credited to confirmed. */
  cashbackMinor(userId: string): number {
    let minor = 0;
    for (const s of this.spends.values()) {
      if (s.userId === userId)
        minor += Math.floor((s.points * POINTS_RATE.amountMinor) / POINTS_RATE.points);
    }
    return minor;
  }

  /** The user's money buckets with the cashback bought with points added to confirmed. */
  withCashback(userId: string, buckets: Record<string, number>): Record<string, number> {
    const minor = this.cashbackMinor(userId);
    return minor === 0 ? buckets : { ...buckets, confirmed: (buckets.confirmed ?? 0) + minor };
  }
}

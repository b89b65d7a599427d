/**
 * The payouts part of the oracle: what every cash redemption must end as, and what that leaves
 * in the wallet, from the documented rules alone (docs/payouts.md, docs/sandbox.md,
 * docs/architecture.md); it imports nothing outside test/sim/oracle/.
 *
 * - The sandbox processor's outcome is the destination's: a bank account ending `0000` is
 *   accepted then failed, an IFSC `SBIN0000000` is refused at submission, a UPI id starting
 *   `fail` is accepted then failed; every other destination is paid.
 * - A payout moves its amount confirmed → reserved when it is made; paid: reserved → paid_out;
 *   failed: reserved → confirmed (repaying debt first). Each happens once, whatever the
 *   processor's outages, lost answers and duplicated webhooks.
 * - A return after the money was spent takes what confirmed cannot cover into `debt` (never a
 *   negative balance), and later credits to confirmed repay debt first: so at the end, with
 *   nothing reserved, confirmed − debt = Σ confirmed cashback − Σ paid out, one of them zero.
 */

export const SIM_DESTINATIONS = [
  "bank_ok",
  "bank_fails",
  "bank_refused",
  "upi_ok",
  "upi_fails",
] as const;

export type SimDestination = (typeof SIM_DESTINATIONS)[number];

/** The smallest redemption per destination type (INR, the documented default policy). */
export function minimumMinor(destination: SimDestination): number {
  return destination.startsWith("bank") ? 10_000 : 5_000;
}

export interface ExpectedPayout {
  payoutId: string;
  userId: string;
  amountMinor: number;
  status: "paid" | "failed";
}

export class PayoutOracle {
  private readonly payouts = new Map<string, ExpectedPayout>();

  /** A redemption the API accepted (201). */
  made(userId: string, payoutId: string, amountMinor: number, destination: SimDestination): void {
    if (this.payouts.has(payoutId)) throw new Error(`oracle: payout ${payoutId} made twice`);
    const status =
      destination === "bank_ok" || destination === "upi_ok" ? "paid" : ("failed" as const);
    this.payouts.set(payoutId, { payoutId, userId, amountMinor, status });
  }

  expectedPayouts(): ExpectedPayout[] {
    return [...this.payouts.values()];
  }

  /**
   * The user's buckets once every payout is final, from the money oracle's buckets (orders
   * only): paid out moves confirmed to paid_out; what confirmed cannot cover is debt.
   */
  settle(userId: string, orderBuckets: Record<string, number>): Record<string, number> {
    let paidMinor = 0;
    for (const p of this.payouts.values()) {
      if (p.userId === userId && p.status === "paid") paidMinor += p.amountMinor;
    }
    if (paidMinor === 0) return orderBuckets;
    const out = { ...orderBuckets };
    const net = (out.confirmed ?? 0) - paidMinor;
    out.confirmed = Math.max(0, net);
    out.debt = Math.max(0, -net);
    out.paid_out = paidMinor;
    return out;
  }
}

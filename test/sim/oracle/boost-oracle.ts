/**
 * The campaign boosts' oracle (docs/campaigns.md, docs/rules.md "Budgets"): what each boosted
 * order earns and what the campaign's budget grants it, from the run's own steps alone. Like
 * the other oracles it imports nothing from the product.
 *
 * The rules it models:
 * - the boost is frozen into the click: its rate applies to the order's sale,
 *   ⌊sale × bps / 10,000⌋ (rounded down, as the base cashback), while the order is not
 *   cancelled; a cancelled order desires nothing;
 * - the budget answers each order's requests in the order they are asked (the run waits for
 *   each answer before its next step): a new desire is granted min(desired, what remains); a
 *   lower one keeps min(granted, desired) and gives back the difference (a partial grant is
 *   not topped up by a lowering); a cancellation gives back the whole grant;
 * - the wallet holds the order's base cashback plus its granted boost, in the bucket of the
 *   order's status (pending, or confirmed once approved: the default return-window policy
 *   confirms an approved order at once).
 */

export interface BoostedOrder {
  user: string;
  orderId: string;
  status: "pending" | "approved" | "cancelled";
  saleMinor: number;
  desiredMinor: number;
  grantedMinor: number;
}

export class BoostOracle {
  private readonly orders = new Map<string, BoostedOrder>();
  /** Boosts the budget could not grant in full (asked more than remained). */
  cut = 0;

  constructor(
    private readonly rateBps: number,
    readonly budgetMinor: number,
  ) {}

  /** What the budget pays now: Σ grants not given back. */
  grantedMinor(): number {
    let sum = 0;
    for (const o of this.orders.values()) sum += o.grantedMinor;
    return sum;
  }

  /** Σ what the live orders ask for at the full boost rate. */
  desiredMinor(): number {
    let sum = 0;
    for (const o of this.orders.values()) sum += o.desiredMinor;
    return sum;
  }

  orderOf(orderId: string): BoostedOrder | undefined {
    return this.orders.get(orderId);
  }

  all(): BoostedOrder[] {
    return [...this.orders.values()];
  }

  /** The network reported the order in `status` with `saleMinor`; the budget answered. */
  report(
    user: string,
    orderId: string,
    status: BoostedOrder["status"],
    saleMinor: number,
  ): BoostedOrder {
    const order = this.orders.get(orderId) ?? {
      user,
      orderId,
      status,
      saleMinor,
      desiredMinor: 0,
      grantedMinor: 0,
    };
    // A cancellation is final (the money oracle's rule too).
    if (order.status === "cancelled") return order;
    order.status = status;
    order.saleMinor = saleMinor;
    const desired = status === "cancelled" ? 0 : Math.floor((saleMinor * this.rateBps) / 10_000);
    const remaining = this.budgetMinor - this.grantedMinor();
    if (!this.orders.has(orderId) || desired > order.desiredMinor) {
      const granted = Math.min(desired, order.grantedMinor + remaining);
      if (granted < desired) this.cut++;
      order.grantedMinor = granted;
    } else if (desired < order.desiredMinor) {
      order.grantedMinor = Math.min(order.grantedMinor, desired);
    }
    order.desiredMinor = desired;
    this.orders.set(orderId, order);
    return order;
  }

  /** `buckets` (a user's expected balances) with the user's granted boosts added. */
  withBoosts(user: string, buckets: Record<string, number>): Record<string, number> {
    const out = { ...buckets };
    for (const o of this.orders.values()) {
      if (o.user !== user || o.status === "cancelled" || o.grantedMinor === 0) continue;
      const bucket = o.status === "approved" ? "confirmed" : "pending";
      out[bucket] = (out[bucket] ?? 0) + o.grantedMinor;
    }
    return out;
  }
}

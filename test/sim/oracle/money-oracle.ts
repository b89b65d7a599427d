/**
 * The simulation's oracle: what every wallet must hold once all deliveries have settled,
 * computed from the generated network states alone. It imports nothing from the product
 * (shared/, durable-objects/, workers/; scripts/check-imports.ts enforces it): it is written
 * from the product's documented rules, not from its code, so a bug in the code is not copied.
 *
 * The rules it models (docs/postbacks.md, docs/architecture.md):
 * - an order's cashback is floor(sale × rate / 10,000), the rate being the offer's rate for
 *   the order's category when it has one, else its default rate;
 * - of all the states a network reported for one order, the one that holds is the greatest by
 *   status (pending < approved < cancelled; a cancellation is final), then by the network's
 *   update time (newest wins: partial refunds and corrections);
 * - under the default confirmation policy (return window) an approved order is confirmed at
 *   once, a pending one stays pending until its window ends (the simulation never reaches it),
 *   a cancelled one holds nothing;
 * - a wallet's `pending` bucket is the sum of its pending orders' cashback and `confirmed` the
 *   sum of its confirmed orders' (no redemption in the money core, so no debt).
 */

export type OracleStatus = "pending" | "approved" | "cancelled";

export interface OracleTerms {
  defaultRateBps: number;
  categoryRates: Record<string, number>;
}

export interface OracleState {
  status: OracleStatus;
  saleMinor: number;
  category: string | null;
  /** The network's update time (ms); every generated state carries one. */
  updatedAtMs: number;
}

export interface ExpectedOrder {
  userId: string;
  orderId: string;
  status: "pending" | "confirmed" | "cancelled";
  cashbackMinor: number;
}

const RANK: Record<OracleStatus, number> = { pending: 1, approved: 2, cancelled: 3 };

export class MoneyOracle {
  private readonly orders = new Map<string, { userId: string; best: OracleState | null }>();
  /** Every state reported per order, in report order (for failure messages). */
  private readonly history = new Map<string, OracleState[]>();
  private readonly users = new Set<string>();

  constructor(
    private readonly terms: OracleTerms,
    readonly currency: string,
  ) {}

  user(userId: string): void {
    this.users.add(userId);
  }

  /** The network reported `state` for `orderId` (once or many times: the same state). */
  report(userId: string, orderId: string, state: OracleState): void {
    this.users.add(userId);
    const order = this.orders.get(orderId) ?? { userId, best: null };
    if (order.userId !== userId) throw new Error(`oracle: order ${orderId} changed user`);
    if (order.best === null || later(state, order.best)) order.best = state;
    this.orders.set(orderId, order);
    this.history.set(orderId, [...(this.history.get(orderId) ?? []), state]);
  }

  reported(orderId: string): OracleState[] {
    return this.history.get(orderId) ?? [];
  }

  cashbackOf(state: OracleState): number {
    const rate =
      state.category !== null && Object.hasOwn(this.terms.categoryRates, state.category)
        ? (this.terms.categoryRates[state.category] ?? this.terms.defaultRateBps)
        : this.terms.defaultRateBps;
    return Math.floor((state.saleMinor * rate) / 10_000);
  }

  expectedOrders(): ExpectedOrder[] {
    const out: ExpectedOrder[] = [];
    for (const [orderId, { userId, best }] of this.orders) {
      if (best === null) continue;
      const status =
        best.status === "cancelled"
          ? "cancelled"
          : best.status === "approved"
            ? "confirmed"
            : "pending";
      out.push({
        userId,
        orderId,
        status,
        cashbackMinor: this.cashbackOf(best),
      });
    }
    return out.sort((a, b) => (a.orderId < b.orderId ? -1 : a.orderId > b.orderId ? 1 : 0));
  }

  /** Per user, the non-zero buckets of the oracle's currency. */
  expectedBalances(): Map<string, Record<string, number>> {
    const out = new Map<string, Record<string, number>>();
    for (const userId of this.users) out.set(userId, {});
    for (const order of this.expectedOrders()) {
      if (order.status === "cancelled" || order.cashbackMinor === 0) continue;
      const buckets = out.get(order.userId) ?? {};
      buckets[order.status] = (buckets[order.status] ?? 0) + order.cashbackMinor;
      out.set(order.userId, buckets);
    }
    return out;
  }
}

/** Whether `a` is a later network state than `b`: status rank, then the update time. */
function later(a: OracleState, b: OracleState): boolean {
  if (RANK[a.status] !== RANK[b.status]) return RANK[a.status] > RANK[b.status];
  return a.updatedAtMs > b.updatedAtMs;
}

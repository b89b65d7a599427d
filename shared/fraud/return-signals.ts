import type { AttributeType } from "../rules/attributes";

/**
 * Return abuse (docs/fraud.md "Signals", "Return abuse"): how many of a user's, a merchant's
 * and a category's orders over a rolling window came back (cancelled by the network, or
 * returned after confirmation), as `signal.*` facts. A rate is only meaningful over enough
 * orders: below its minimum order count it is reported as 0 (and `…_min_orders_met` says
 * false), so a rule on the rate alone never fires on one returned order of one. Pure.
 */

/** The rolling window orders and returns are counted over. */
export const RETURN_WINDOW_DAYS = 90;
export const RETURN_WINDOW_MS = RETURN_WINDOW_DAYS * 86_400_000;
/** A user's rate counts from this many orders in the window. */
export const USER_RETURN_MIN_ORDERS = 5;
/** A merchant's or a category's rate (across users) counts from this many orders. */
export const SHARED_RETURN_MIN_ORDERS = 20;

/** Facts the risk object computes from the user's own orders (every observation has them). */
export const RETURN_COMPUTED_SIGNALS = {
  "signal.userOrders90d": "number",
  "signal.userReturns90d": "number",
  "signal.userReturnRateBps": "number",
  "signal.userReturnMinOrdersMet": "boolean",
} as const satisfies Record<string, AttributeType>;

/**
 * Facts on `conversion` and `return` observations: what the producer knows of the order, and
 * what the risk consumer adds from D1 (rates across users) and the operator's
 * `abuse_prone_categories` list.
 */
export const RETURN_OBSERVED_SIGNALS = {
  "signal.merchantId": "string",
  "signal.category": "string",
  /** On a `return`: `cancelled` (before confirmation) or `returned_after_confirmation`. */
  "signal.returnOutcome": "string",
  "signal.merchantOrders90d": "number",
  "signal.merchantReturnRateBps": "number",
  "signal.categoryOrders90d": "number",
  "signal.categoryReturnRateBps": "number",
  "signal.categoryAbuseProne": "boolean",
} as const satisfies Record<string, AttributeType>;

/** Not a signal: the order's time, carried on a `return` so its order is counted in its window. */
export const ORDER_AT_FACT = "order.atMs";

/**
 * The rate in basis points (0–10,000), 0 below the minimum order count.
 *
 * @example
 * returnRateBps(10, 8, 5) // 8000
 * returnRateBps(4, 4, 5)  // 0 (too few orders to say)
 */
export function returnRateBps(orders: number, returns: number, minOrders: number): number {
  if (orders <= 0 || orders < minOrders) return 0;
  return Math.min(10_000, Math.round((Math.min(returns, orders) * 10_000) / orders));
}

/**
 * The user's facts from their counted orders.
 *
 * @example
 * userReturnFacts({ orders: 10, returns: 8 })
 * // { "signal.userOrders90d": 10, "signal.userReturns90d": 8,
 * //   "signal.userReturnRateBps": 8000, "signal.userReturnMinOrdersMet": true }
 */
export function userReturnFacts(counts: {
  orders: number;
  returns: number;
}): Record<keyof typeof RETURN_COMPUTED_SIGNALS, number | boolean> {
  return {
    "signal.userOrders90d": counts.orders,
    "signal.userReturns90d": counts.returns,
    "signal.userReturnRateBps": returnRateBps(
      counts.orders,
      counts.returns,
      USER_RETURN_MIN_ORDERS,
    ),
    "signal.userReturnMinOrdersMet": counts.orders >= USER_RETURN_MIN_ORDERS,
  };
}

/** A merchant's or category's counts across users, as the D1 rollup holds them. */
export interface SharedReturnCounts {
  orders: number;
  returns: number;
}

/**
 * The merchant's and category's facts (absent counts: nothing known yet, rate 0).
 *
 * @example
 * sharedReturnFacts({ orders: 40, returns: 10 }, undefined)
 * // { "signal.merchantOrders90d": 40, "signal.merchantReturnRateBps": 2500 }
 */
export function sharedReturnFacts(
  merchant: SharedReturnCounts | undefined,
  category: SharedReturnCounts | undefined,
): Record<string, number> {
  const facts: Record<string, number> = {};
  if (merchant) {
    facts["signal.merchantOrders90d"] = merchant.orders;
    facts["signal.merchantReturnRateBps"] = returnRateBps(
      merchant.orders,
      merchant.returns,
      SHARED_RETURN_MIN_ORDERS,
    );
  }
  if (category) {
    facts["signal.categoryOrders90d"] = category.orders;
    facts["signal.categoryReturnRateBps"] = returnRateBps(
      category.orders,
      category.returns,
      SHARED_RETURN_MIN_ORDERS,
    );
  }
  return facts;
}

/**
 * A category as lists and rollups compare it: trimmed, lower case, inner spaces single.
 *
 * @example
 * normalizeCategory("  Fashion   Apparel ") // "fashion apparel"
 */
export function normalizeCategory(category: string): string {
  return category.trim().toLowerCase().replace(/\s+/g, " ");
}

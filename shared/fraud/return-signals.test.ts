import { describe, expect, test } from "vitest";
import {
  normalizeCategory,
  returnRateBps,
  SHARED_RETURN_MIN_ORDERS,
  sharedReturnFacts,
  USER_RETURN_MIN_ORDERS,
  userReturnFacts,
} from "./return-signals";
import { riskFactsOf } from "./risk-facts";
import { emptyVelocity } from "./velocity";

describe("return rates", () => {
  test.each([
    { orders: 10, returns: 8, min: 5, bps: 8_000 },
    { orders: 10, returns: 1, min: 5, bps: 1_000 },
    { orders: 3, returns: 1, min: 5, bps: 0 }, // below the minimum: nothing to say
    { orders: 5, returns: 5, min: 5, bps: 10_000 }, // at the minimum: counted
    { orders: 0, returns: 0, min: 0, bps: 0 },
    { orders: 3, returns: 2, min: 0, bps: 6_667 }, // rounded
    { orders: 4, returns: 9, min: 1, bps: 10_000 }, // never above 100%
  ])("$returns of $orders (min $min) → $bps bps", ({ orders, returns, min, bps }) => {
    expect(returnRateBps(orders, returns, min)).toBe(bps);
  });

  test("a user's facts: the rate is 0 below the minimum, and the flag says why", () => {
    expect(userReturnFacts({ orders: 10, returns: 8 })).toEqual({
      "signal.user_orders_90d": 10,
      "signal.user_returns_90d": 8,
      "signal.user_return_rate_bps": 8_000,
      "signal.user_return_min_orders_met": true,
    });
    const few = userReturnFacts({ orders: USER_RETURN_MIN_ORDERS - 1, returns: 4 });
    expect(few["signal.user_return_rate_bps"]).toBe(0);
    expect(few["signal.user_return_min_orders_met"]).toBe(false);
  });

  test("merchant and category facts need their own minimum across users", () => {
    expect(
      sharedReturnFacts(
        { orders: SHARED_RETURN_MIN_ORDERS, returns: 5 },
        { orders: SHARED_RETURN_MIN_ORDERS - 1, returns: 19 },
      ),
    ).toEqual({
      "signal.merchant_orders_90d": SHARED_RETURN_MIN_ORDERS,
      "signal.merchant_return_rate_bps": 2_500,
      "signal.category_orders_90d": SHARED_RETURN_MIN_ORDERS - 1,
      "signal.category_return_rate_bps": 0,
    });
    expect(sharedReturnFacts(undefined, undefined)).toEqual({});
  });

  test("categories compare normalised", () => {
    expect(normalizeCategory("  Fashion   Apparel ")).toBe("fashion apparel");
  });

  test("the risk object's counts win over a producer's claim", () => {
    const facts = riskFactsOf(
      {
        observationId: "r1",
        userId: "u1",
        kind: "return",
        atMs: 1,
        facts: { "signal.user_return_rate_bps": 9_999, "signal.return_outcome": "cancelled" },
      },
      {
        velocity: emptyVelocity(),
        scoreBefore: 0,
        newDevice: undefined,
        orders: { orders: 2, returns: 1 },
      },
    );
    expect(facts["signal.user_return_rate_bps"]).toBe(0);
    expect(facts["signal.user_orders_90d"]).toBe(2);
    expect(facts["signal.return_outcome"]).toBe("cancelled");
    expect(facts["event.type"]).toBe("risk.return");
  });
});

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
      "signal.userOrders90d": 10,
      "signal.userReturns90d": 8,
      "signal.userReturnRateBps": 8_000,
      "signal.userReturnMinOrdersMet": true,
    });
    const few = userReturnFacts({ orders: USER_RETURN_MIN_ORDERS - 1, returns: 4 });
    expect(few["signal.userReturnRateBps"]).toBe(0);
    expect(few["signal.userReturnMinOrdersMet"]).toBe(false);
  });

  test("merchant and category facts need their own minimum across users", () => {
    expect(
      sharedReturnFacts(
        { orders: SHARED_RETURN_MIN_ORDERS, returns: 5 },
        { orders: SHARED_RETURN_MIN_ORDERS - 1, returns: 19 },
      ),
    ).toEqual({
      "signal.merchantOrders90d": SHARED_RETURN_MIN_ORDERS,
      "signal.merchantReturnRateBps": 2_500,
      "signal.categoryOrders90d": SHARED_RETURN_MIN_ORDERS - 1,
      "signal.categoryReturnRateBps": 0,
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
        facts: { "signal.userReturnRateBps": 9_999, "signal.returnOutcome": "cancelled" },
      },
      {
        velocity: emptyVelocity(),
        scoreBefore: 0,
        newDevice: undefined,
        orders: { orders: 2, returns: 1 },
      },
    );
    expect(facts["signal.userReturnRateBps"]).toBe(0);
    expect(facts["signal.userOrders90d"]).toBe(2);
    expect(facts["signal.returnOutcome"]).toBe("cancelled");
    expect(facts["event.type"]).toBe("risk.return");
  });
});

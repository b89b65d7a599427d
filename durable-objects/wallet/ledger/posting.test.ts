import { describe, expect, test } from "vitest";
import { type Leg, planPosting } from "./posting";

describe("planPosting", () => {
  const balances: Record<string, number> = {
    "confirmed/INR": 300,
    "debt/INR": 0,
    "pending/INR": 0,
  };
  const balanceOf = (bucket: string, currency: string) => balances[`${bucket}/${currency}`] ?? 0;
  const posting = (legs: Leg[]) => ({ key: "k", kind: "test", txnId: null, legs });
  test.each<{ label: string; legs: Leg[]; want: "write" | "insufficient_funds"; after?: number[] }>(
    [
      {
        label: "a credit",
        legs: [{ bucket: "pending", currency: "INR", amountMinor: 500 }],
        want: "write",
        after: [500],
      },
      {
        label: "a debit within the balance",
        legs: [{ bucket: "confirmed", currency: "INR", amountMinor: -300 }],
        want: "write",
        after: [0],
      },
      {
        label: "a debit beyond the balance",
        legs: [{ bucket: "confirmed", currency: "INR", amountMinor: -301 }],
        want: "insufficient_funds",
      },
      {
        label: "a transfer",
        legs: [
          { bucket: "confirmed", currency: "INR", amountMinor: -100 },
          { bucket: "reserved", currency: "INR", amountMinor: 100 },
        ],
        want: "write",
        after: [200, 100],
      },
      {
        label: "one bad leg refuses the whole posting",
        legs: [
          { bucket: "pending", currency: "INR", amountMinor: 100 },
          { bucket: "debt", currency: "INR", amountMinor: -1 },
        ],
        want: "insufficient_funds",
      },
      {
        label: "beyond the safe-integer range",
        legs: [{ bucket: "confirmed", currency: "INR", amountMinor: Number.MAX_SAFE_INTEGER }],
        want: "insufficient_funds",
      },
    ],
  )("$label → $want", ({ legs, want, after }) => {
    const plan = planPosting(posting(legs), balanceOf);
    expect(plan.status).toBe(want);
    if (plan.status === "write") {
      expect(plan.legs.map((l) => l.afterMinor)).toEqual(after);
      for (const l of plan.legs) expect(l.afterMinor).toBe(l.beforeMinor + l.leg.amountMinor);
    }
  });
});

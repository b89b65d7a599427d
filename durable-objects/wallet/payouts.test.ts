import { describe, expect, test } from "vitest";
import { decideReserve, decideSettle, type StoredPayout } from "./payouts";

const PAYOUT: StoredPayout = {
  payoutId: "po_1",
  currency: "INR",
  amountMinor: 1_000,
  status: "reserved",
};

describe("decideReserve", () => {
  test.each([
    { label: "fits", confirmed: 1_000, debt: 0, existing: null, want: "reserve" },
    {
      label: "one paisa short",
      confirmed: 999,
      debt: 0,
      existing: null,
      want: "insufficient_funds",
    },
    {
      label: "debt outstanding",
      confirmed: 5_000,
      debt: 1,
      existing: null,
      want: "debt_outstanding",
    },
    { label: "same request again", confirmed: 0, debt: 0, existing: PAYOUT, want: "exists" },
    {
      label: "same id, other amount",
      confirmed: 0,
      debt: 0,
      existing: { ...PAYOUT, amountMinor: 2 },
      want: "exists_with_different_amount",
    },
    {
      label: "same id, other currency",
      confirmed: 0,
      debt: 0,
      existing: { ...PAYOUT, currency: "USD" },
      want: "exists_with_different_amount",
    },
  ])("$label → $want", ({ confirmed, debt, existing, want }) => {
    const decision = decideReserve({
      existing,
      currency: "INR",
      amountMinor: 1_000,
      confirmedMinor: confirmed,
      debtMinor: debt,
    });
    expect(decision.status).toBe(want);
    if (decision.status === "reserve") {
      expect(decision.legs.reduce((sum, leg) => sum + leg.amountMinor, 0)).toBe(0);
    }
  });
});

describe("decideSettle", () => {
  test.each([
    {
      label: "paid",
      payout: PAYOUT,
      outcome: "paid" as const,
      debt: 0,
      want: "settle",
      legs: [
        ["reserved", -1_000],
        ["paid_out", 1_000],
      ],
    },
    {
      label: "failed, no debt",
      payout: PAYOUT,
      outcome: "failed" as const,
      debt: 0,
      want: "settle",
      legs: [
        ["reserved", -1_000],
        ["confirmed", 1_000],
      ],
    },
    {
      label: "failed, some debt",
      payout: PAYOUT,
      outcome: "failed" as const,
      debt: 300,
      want: "settle",
      legs: [
        ["reserved", -1_000],
        ["confirmed", 700],
        ["debt", -300],
      ],
    },
    {
      label: "failed, more debt than the payout",
      payout: PAYOUT,
      outcome: "failed" as const,
      debt: 5_000,
      want: "settle",
      legs: [
        ["reserved", -1_000],
        ["debt", -1_000],
      ],
    },
    {
      label: "paid twice",
      payout: { ...PAYOUT, status: "paid" as const },
      outcome: "paid" as const,
      debt: 0,
      want: "exists",
      legs: [],
    },
    {
      label: "failed after paid",
      payout: { ...PAYOUT, status: "paid" as const },
      outcome: "failed" as const,
      debt: 0,
      want: "already_final",
      legs: [],
    },
    {
      label: "paid after failed",
      payout: { ...PAYOUT, status: "failed" as const },
      outcome: "paid" as const,
      debt: 0,
      want: "already_final",
      legs: [],
    },
    {
      label: "unknown payout",
      payout: null,
      outcome: "paid" as const,
      debt: 0,
      want: "not_found",
      legs: [],
    },
  ])("$label → $want", ({ payout, outcome, debt, want, legs }) => {
    const decision = decideSettle({ payout, outcome, debtMinor: debt });
    expect(decision.status).toBe(want);
    expect(
      decision.status === "settle" ? decision.legs.map((l) => [l.bucket, l.amountMinor]) : [],
    ).toEqual(legs);
  });
});

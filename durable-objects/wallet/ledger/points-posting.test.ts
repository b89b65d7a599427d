import { describe, expect, test } from "vitest";
import { type Leg, validatePosting } from "./posting";

/** Points legs and money legs can never be mistaken for each other. */
describe("validatePosting: the points unit", () => {
  test.each<{ label: string; legs: Leg[]; want: string | null }>([
    {
      label: "a points bucket in points",
      legs: [{ bucket: "points_active", currency: "points", amountMinor: 10 }],
      want: null,
    },
    {
      label: "points and money in one posting (a cashback redemption)",
      legs: [
        { bucket: "points_active", currency: "points", amountMinor: -100 },
        { bucket: "points_spent", currency: "points", amountMinor: 100 },
        { bucket: "confirmed", currency: "INR", amountMinor: 50 },
      ],
      want: null,
    },
    {
      label: "a points bucket in a currency",
      legs: [{ bucket: "points_active", currency: "INR", amountMinor: 10 }],
      want: "points bucket points_active in INR",
    },
    {
      label: "a money bucket in points",
      legs: [{ bucket: "confirmed", currency: "points", amountMinor: 10 }],
      want: "bad currency points",
    },
    {
      label: "a points-looking currency code is still not points",
      legs: [{ bucket: "points_active", currency: "PTS", amountMinor: 10 }],
      want: "points bucket points_active in PTS",
    },
  ])("$label", ({ legs, want }) => {
    expect(validatePosting({ key: "k", kind: "test", txnId: null, legs })).toBe(want);
  });
});

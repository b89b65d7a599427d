import { describe, expect, test } from "vitest";
import {
  type Holding,
  type NetworkStatus,
  reconcileLegs,
  settledStatus,
  targetHolding,
} from "./position";

const NONE: Holding = { pendingMinor: 0, confirmedMinor: 0 };

describe("settledStatus", () => {
  test.each<{ label: string; networkStatus: NetworkStatus; windowElapsed: boolean; want: string }>([
    {
      label: "pending, window open",
      networkStatus: "pending",
      windowElapsed: false,
      want: "pending",
    },
    {
      label: "pending, window closed",
      networkStatus: "pending",
      windowElapsed: true,
      want: "confirmed",
    },
    {
      label: "approved, window open",
      networkStatus: "approved",
      windowElapsed: false,
      want: "confirmed",
    },
    {
      label: "approved, window closed",
      networkStatus: "approved",
      windowElapsed: true,
      want: "confirmed",
    },
    {
      label: "cancelled, window open",
      networkStatus: "cancelled",
      windowElapsed: false,
      want: "cancelled",
    },
    {
      label: "cancelled after window (a return)",
      networkStatus: "cancelled",
      windowElapsed: true,
      want: "cancelled",
    },
  ])("$label → $want", ({ networkStatus, windowElapsed, want }) => {
    expect(settledStatus({ networkStatus, windowElapsed })).toBe(want);
  });
});

describe("targetHolding", () => {
  test.each<{
    label: string;
    networkStatus: NetworkStatus;
    windowElapsed: boolean;
    cashbackMinor: number;
    boostMinor?: number;
    want: Holding;
  }>([
    {
      label: "pending holds cashback pending",
      networkStatus: "pending",
      windowElapsed: false,
      cashbackMinor: 500,
      want: { pendingMinor: 500, confirmedMinor: 0 },
    },
    {
      label: "pending with boost",
      networkStatus: "pending",
      windowElapsed: false,
      cashbackMinor: 500,
      boostMinor: 100,
      want: { pendingMinor: 600, confirmedMinor: 0 },
    },
    {
      label: "approved confirms base + boost",
      networkStatus: "approved",
      windowElapsed: false,
      cashbackMinor: 500,
      boostMinor: 100,
      want: { pendingMinor: 0, confirmedMinor: 600 },
    },
    {
      label: "window elapsed confirms",
      networkStatus: "pending",
      windowElapsed: true,
      cashbackMinor: 500,
      want: { pendingMinor: 0, confirmedMinor: 500 },
    },
    {
      label: "cancelled holds nothing",
      networkStatus: "cancelled",
      windowElapsed: false,
      cashbackMinor: 500,
      boostMinor: 100,
      want: NONE,
    },
    {
      label: "zero cashback holds zero",
      networkStatus: "approved",
      windowElapsed: false,
      cashbackMinor: 0,
      want: NONE,
    },
  ])("$label", ({ label: _label, want, ...state }) => {
    expect(targetHolding(state)).toEqual(want);
  });
});

describe("reconcileLegs", () => {
  const INR = "INR";
  test.each<{
    label: string;
    held: Holding;
    target: Holding;
    balances: { confirmedMinor: number; debtMinor: number };
    want: Array<[string, number]>;
  }>([
    {
      label: "nothing to move",
      held: NONE,
      target: NONE,
      balances: { confirmedMinor: 0, debtMinor: 0 },
      want: [],
    },
    {
      label: "new pending",
      held: NONE,
      target: { pendingMinor: 500, confirmedMinor: 0 },
      balances: { confirmedMinor: 0, debtMinor: 0 },
      want: [["pending", 500]],
    },
    {
      label: "pending → confirmed",
      held: { pendingMinor: 500, confirmedMinor: 0 },
      target: { pendingMinor: 0, confirmedMinor: 500 },
      balances: { confirmedMinor: 0, debtMinor: 0 },
      want: [
        ["pending", -500],
        ["confirmed", 500],
      ],
    },
    {
      label: "partial refund while pending",
      held: { pendingMinor: 500, confirmedMinor: 0 },
      target: { pendingMinor: 300, confirmedMinor: 0 },
      balances: { confirmedMinor: 0, debtMinor: 0 },
      want: [["pending", -200]],
    },
    {
      label: "confirmation repays debt first, all of it",
      held: NONE,
      target: { pendingMinor: 0, confirmedMinor: 500 },
      balances: { confirmedMinor: 0, debtMinor: 200 },
      want: [
        ["confirmed", 300],
        ["debt", -200],
      ],
    },
    {
      label: "confirmation smaller than debt repays only",
      held: NONE,
      target: { pendingMinor: 0, confirmedMinor: 100 },
      balances: { confirmedMinor: 0, debtMinor: 200 },
      want: [["debt", -100]],
    },
    {
      label: "clawback covered by confirmed",
      held: { pendingMinor: 0, confirmedMinor: 500 },
      target: NONE,
      balances: { confirmedMinor: 800, debtMinor: 0 },
      want: [["confirmed", -500]],
    },
    {
      label: "clawback of spent money becomes debt",
      held: { pendingMinor: 0, confirmedMinor: 500 },
      target: NONE,
      balances: { confirmedMinor: 200, debtMinor: 0 },
      want: [
        ["confirmed", -200],
        ["debt", 300],
      ],
    },
    {
      label: "clawback with nothing confirmed is all debt",
      held: { pendingMinor: 0, confirmedMinor: 500 },
      target: NONE,
      balances: { confirmedMinor: 0, debtMinor: 0 },
      want: [["debt", 500]],
    },
    {
      label: "cancel while pending",
      held: { pendingMinor: 500, confirmedMinor: 0 },
      target: NONE,
      balances: { confirmedMinor: 0, debtMinor: 0 },
      want: [["pending", -500]],
    },
  ])("$label", ({ held, target, balances, want }) => {
    const legs = reconcileLegs(INR, held, target, balances);
    expect(legs.map((l) => [l.bucket, l.amountMinor])).toEqual(want);
    expect(legs.every((l) => l.currency === INR)).toBe(true);
  });
});

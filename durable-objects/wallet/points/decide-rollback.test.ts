import { describe, expect, test } from "vitest";
import {
  decideRepayment,
  decideRestore,
  decideRollback,
  type RollbackDecision,
} from "./decide-rollback";
import { type Fraction, pointsShare } from "./fraction";
import { lot } from "./test-lots";

describe("pointsShare: the one rounding of points taken back (down)", () => {
  test.each<{ label: string; points: number; fraction: Fraction; want: number }>([
    { label: "half in bps", points: 101, fraction: { bps: 5_000 }, want: 50 },
    { label: "a third", points: 100, fraction: { num: 1, den: 3 }, want: 33 },
    { label: "two thirds", points: 100, fraction: { num: 2, den: 3 }, want: 66 },
    { label: "all", points: 77, fraction: { bps: 10_000 }, want: 77 },
    { label: "none", points: 77, fraction: { num: 0, den: 5 }, want: 0 },
  ])("$label", ({ points, fraction, want }) => {
    expect(pointsShare(points, fraction)).toBe(want);
  });
});

describe("decideRollback: unspent first (pending before active), then expired, rest is debt", () => {
  test.each<{
    label: string;
    lots: ReturnType<typeof lot>[];
    takenBefore: number;
    fraction: Fraction;
    want: RollbackDecision;
  }>([
    {
      label: "full rollback of an untouched active lot",
      lots: [lot("a", 1)],
      takenBefore: 0,
      fraction: { bps: 10_000 },
      want: {
        status: "ok",
        targetPoints: 100,
        takes: [{ lotId: "a", from: "active", points: 100 }],
        debtPoints: 0,
      },
    },
    {
      label: "partial refund (30%) of a pending lot",
      lots: [lot("p", 1, { activatedAtMs: null, pendingUntilMs: 5_000 })],
      takenBefore: 0,
      fraction: { num: 3, den: 10 },
      want: {
        status: "ok",
        targetPoints: 30,
        takes: [{ lotId: "p", from: "pending", points: 30 }],
        debtPoints: 0,
      },
    },
    {
      label: "pending before active across the source's lots",
      lots: [lot("a", 1, { earned: 50, remaining: 50 }), lot("p", 2, { activatedAtMs: null })],
      takenBefore: 0,
      fraction: { bps: 10_000 },
      want: {
        status: "ok",
        targetPoints: 150,
        takes: [
          { lotId: "p", from: "pending", points: 100 },
          { lotId: "a", from: "active", points: 50 },
        ],
        debtPoints: 0,
      },
    },
    {
      label: "partly spent: the rest, then debt for what was spent",
      lots: [lot("a", 1, { remaining: 30, spent: 70 })],
      takenBefore: 0,
      fraction: { bps: 5_000 },
      want: {
        status: "ok",
        targetPoints: 50,
        takes: [{ lotId: "a", from: "active", points: 30 }],
        debtPoints: 20,
      },
    },
    {
      label: "expired points are taken before any debt",
      lots: [lot("a", 1, { remaining: 0, spent: 60, expired: 40 })],
      takenBefore: 0,
      fraction: { bps: 10_000 },
      want: {
        status: "ok",
        targetPoints: 100,
        takes: [{ lotId: "a", from: "expired", points: 40 }],
        debtPoints: 60,
      },
    },
    {
      label: "a second partial rollback stops at what is left",
      lots: [lot("a", 1, { remaining: 40, reversed: 60 })],
      takenBefore: 60,
      fraction: { bps: 5_000 },
      want: {
        status: "ok",
        targetPoints: 40,
        takes: [{ lotId: "a", from: "active", points: 40 }],
        debtPoints: 0,
      },
    },
    {
      label: "a full rollback after partial ones takes the rounding residue too",
      lots: [lot("a", 1, { earned: 3, remaining: 1, reversed: 2 })],
      takenBefore: 2,
      fraction: { bps: 10_000 },
      want: {
        status: "ok",
        targetPoints: 1,
        takes: [{ lotId: "a", from: "active", points: 1 }],
        debtPoints: 0,
      },
    },
    {
      label: "points drawn to repay older debt become debt again",
      lots: [lot("a", 1, { remaining: 70, reversed: 30 })],
      takenBefore: 0,
      fraction: { bps: 10_000 },
      want: {
        status: "ok",
        targetPoints: 100,
        takes: [{ lotId: "a", from: "active", points: 70 }],
        debtPoints: 30,
      },
    },
    {
      label: "nothing left to take",
      lots: [lot("a", 1, { remaining: 0, reversed: 100 })],
      takenBefore: 100,
      fraction: { bps: 10_000 },
      want: { status: "ok", targetPoints: 0, takes: [], debtPoints: 0 },
    },
    {
      label: "a fraction above one is invalid",
      lots: [lot("a", 1)],
      takenBefore: 0,
      fraction: { num: 3, den: 2 },
      want: { status: "invalid", reason: "fraction must be within 0..1" },
    },
  ])("$label", ({ lots, takenBefore, fraction, want }) => {
    expect(decideRollback(lots, takenBefore, fraction)).toEqual(want);
  });
});

describe("decideRepayment: oldest debt first", () => {
  test.each([
    { label: "no debt", debts: [], points: 50, want: { repayments: [], totalPoints: 0 } },
    {
      label: "less than owed",
      debts: [{ rollbackKey: "r1", outstanding: 80 }],
      points: 50,
      want: { repayments: [{ rollbackKey: "r1", points: 50 }], totalPoints: 50 },
    },
    {
      label: "across two debts, rest stays",
      debts: [
        { rollbackKey: "r1", outstanding: 20 },
        { rollbackKey: "r2", outstanding: 20 },
      ],
      points: 30,
      want: {
        repayments: [
          { rollbackKey: "r1", points: 20 },
          { rollbackKey: "r2", points: 10 },
        ],
        totalPoints: 30,
      },
    },
  ])("$label", ({ debts, points, want }) => {
    expect(decideRepayment(debts, points)).toEqual(want);
  });
});

describe("decideRestore: exactly what the rollback took", () => {
  test.each([
    {
      label: "active and expired takes go back where they were",
      takes: [
        { lotId: "a", from: "active" as const, points: 30 },
        { lotId: "b", from: "expired" as const, points: 5 },
      ],
      debt: 0,
      repaid: [],
      want: {
        credits: [
          { lotId: "a", to: "active", points: 30 },
          { lotId: "b", to: "expired", points: 5 },
        ],
        debtCancelledPoints: 0,
      },
    },
    {
      label: "a pending take goes to the lot's place now (activated since)",
      takes: [{ lotId: "p", from: "pending" as const, points: 10 }],
      debt: 0,
      repaid: [],
      want: { credits: [{ lotId: "p", to: "active", points: 10 }], debtCancelledPoints: 0 },
    },
    {
      label: "debt still owed is cancelled; repaid debt returns to the lots that paid it",
      takes: [],
      debt: 15,
      repaid: [{ lotId: "later", points: 5 }],
      want: { credits: [{ lotId: "later", to: "active", points: 5 }], debtCancelledPoints: 15 },
    },
  ])("$label", ({ takes, debt, repaid, want }) => {
    expect(decideRestore(takes, () => "active", debt, repaid)).toEqual(want);
  });
});

import { describe, expect, test } from "vitest";
import { decideSpend, type SpendDecision } from "./decide-spend";
import { lot } from "./test-lots";

describe("decideSpend: earliest expiry first, ties by earn order, never partial", () => {
  test.each<{ label: string; lots: ReturnType<typeof lot>[]; points: number; want: SpendDecision }>(
    [
      {
        label: "one lot covers it",
        lots: [lot("a", 1)],
        points: 40,
        want: { status: "ok", draws: [{ lotId: "a", points: 40 }] },
      },
      {
        label: "earliest expiry first, whatever the earn order",
        lots: [lot("a", 1, { expiresAtMs: 900 }), lot("b", 2, { expiresAtMs: 500 })],
        points: 150,
        want: {
          status: "ok",
          draws: [
            { lotId: "b", points: 100 },
            { lotId: "a", points: 50 },
          ],
        },
      },
      {
        label: "same expiry: earn order",
        lots: [lot("b", 2, { expiresAtMs: 500 }), lot("a", 1, { expiresAtMs: 500 })],
        points: 120,
        want: {
          status: "ok",
          draws: [
            { lotId: "a", points: 100 },
            { lotId: "b", points: 20 },
          ],
        },
      },
      {
        label: "a never-expiring lot is spent last",
        lots: [lot("n", 1, { expiresAtMs: null }), lot("e", 2, { expiresAtMs: 999 })],
        points: 110,
        want: {
          status: "ok",
          draws: [
            { lotId: "e", points: 100 },
            { lotId: "n", points: 10 },
          ],
        },
      },
      {
        label: "partly spent lots give only what is left",
        lots: [lot("a", 1, { remaining: 30, spent: 70 }), lot("b", 2, { expiresAtMs: 2_000 })],
        points: 50,
        want: {
          status: "ok",
          draws: [
            { lotId: "a", points: 30 },
            { lotId: "b", points: 20 },
          ],
        },
      },
      {
        label: "exactly the balance",
        lots: [lot("a", 1), lot("b", 2)],
        points: 200,
        want: {
          status: "ok",
          draws: [
            { lotId: "a", points: 100 },
            { lotId: "b", points: 100 },
          ],
        },
      },
      {
        label: "one more than the balance is refused whole",
        lots: [lot("a", 1), lot("b", 2)],
        points: 201,
        want: { status: "insufficient", availablePoints: 200 },
      },
      {
        label: "pending lots are not spendable",
        lots: [lot("p", 1, { activatedAtMs: null, pendingUntilMs: 5_000 }), lot("a", 2)],
        points: 150,
        want: { status: "insufficient", availablePoints: 100 },
      },
      {
        label: "a lot past its expiry is not spendable before the expiry run",
        lots: [lot("old", 1, { expiresAtMs: 100 }), lot("a", 2)],
        points: 101,
        want: { status: "insufficient", availablePoints: 100 },
      },
      {
        label: "zero points is invalid",
        lots: [lot("a", 1)],
        points: 0,
        want: { status: "invalid", reason: "points to spend must be a positive integer" },
      },
      {
        label: "fractional points are invalid",
        lots: [lot("a", 1)],
        points: 1.5,
        want: { status: "invalid", reason: "points to spend must be a positive integer" },
      },
    ],
  )("$label", ({ lots, points, want }) => {
    expect(decideSpend(lots, points, 200)).toEqual(want);
  });
});

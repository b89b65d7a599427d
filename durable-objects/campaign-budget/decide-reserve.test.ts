import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { decideReserve, type Reservation } from "./decide-reserve";

const row = (desiredMinor: number, grantedMinor: number, seq: number): Reservation => ({
  desiredMinor,
  grantedMinor,
  seq,
});

describe("decideReserve", () => {
  test.each([
    {
      label: "new, budget enough: the whole desired amount",
      current: null,
      request: { desiredMinor: 1_000, seq: 1 },
      remaining: 10_000,
      want: { action: "set", row: row(1_000, 1_000, 1), deltaMinor: 1_000 },
    },
    {
      label: "new, budget short: what remains (a partial grant)",
      current: null,
      request: { desiredMinor: 1_000, seq: 1 },
      remaining: 600,
      want: { action: "set", row: row(1_000, 600, 1), deltaMinor: 600 },
    },
    {
      label: "new, budget spent: nothing, but the request is recorded",
      current: null,
      request: { desiredMinor: 1_000, seq: 1 },
      remaining: 0,
      want: { action: "set", row: row(1_000, 0, 1), deltaMinor: 0 },
    },
    {
      label: "new, desired exactly the remainder",
      current: null,
      request: { desiredMinor: 600, seq: 1 },
      remaining: 600,
      want: { action: "set", row: row(600, 600, 1), deltaMinor: 600 },
    },
    {
      label: "release with nothing reserved: a tombstone, so an older request stays stale",
      current: null,
      request: { desiredMinor: 0, seq: 2 },
      remaining: 500,
      want: { action: "set", row: row(0, 0, 2), deltaMinor: 0 },
    },
    {
      label: "repeat: the same grant, nothing moves",
      current: row(1_000, 600, 1),
      request: { desiredMinor: 1_000, seq: 1 },
      remaining: 5_000,
      want: { action: "repeat" },
    },
    {
      label: "same desired under a newer seq: the same grant, the seq advances",
      current: row(1_000, 600, 1),
      request: { desiredMinor: 1_000, seq: 3 },
      remaining: 5_000,
      want: { action: "set", row: row(1_000, 600, 3), deltaMinor: 0 },
    },
    {
      label: "stale: an older request after a newer one changes nothing",
      current: row(0, 0, 2),
      request: { desiredMinor: 1_000, seq: 1 },
      remaining: 5_000,
      want: { action: "stale" },
    },
    {
      label: "lowered below the grant: the difference goes back",
      current: row(1_000, 1_000, 1),
      request: { desiredMinor: 400, seq: 2 },
      remaining: 0,
      want: { action: "set", row: row(400, 400, 2), deltaMinor: -600 },
    },
    {
      label: "lowered but still above a partial grant: the grant stays",
      current: row(1_000, 300, 1),
      request: { desiredMinor: 800, seq: 2 },
      remaining: 5_000,
      want: { action: "set", row: row(800, 300, 2), deltaMinor: 0 },
    },
    {
      label: "released (desired 0): the whole grant goes back",
      current: row(1_000, 700, 1),
      request: { desiredMinor: 0, seq: 2 },
      remaining: 0,
      want: { action: "set", row: row(0, 0, 2), deltaMinor: -700 },
    },
    {
      label: "raised with budget left: grows to the new desired",
      current: row(1_000, 1_000, 1),
      request: { desiredMinor: 1_500, seq: 2 },
      remaining: 5_000,
      want: { action: "set", row: row(1_500, 1_500, 2), deltaMinor: 500 },
    },
    {
      label: "raised with little left: grows by what remains",
      current: row(1_000, 1_000, 1),
      request: { desiredMinor: 1_500, seq: 2 },
      remaining: 200,
      want: { action: "set", row: row(1_500, 1_200, 2), deltaMinor: 200 },
    },
    {
      label: "raised after a partial grant: tops up from what remains now",
      current: row(1_000, 300, 1),
      request: { desiredMinor: 1_200, seq: 2 },
      remaining: 400,
      want: { action: "set", row: row(1_200, 700, 2), deltaMinor: 400 },
    },
    {
      label: "re-reserved after a release (a newer seq): granted again from what remains",
      current: row(0, 0, 2),
      request: { desiredMinor: 1_000, seq: 3 },
      remaining: 250,
      want: { action: "set", row: row(1_000, 250, 3), deltaMinor: 250 },
    },
  ])("$label", ({ current, request, remaining, want }) => {
    expect(decideReserve(current, request, remaining)).toEqual(want);
  });

  test.each([
    { label: "negative desired", request: { desiredMinor: -1, seq: 1 }, remaining: 0 },
    { label: "fractional desired", request: { desiredMinor: 1.5, seq: 1 }, remaining: 0 },
    { label: "seq 0", request: { desiredMinor: 1, seq: 0 }, remaining: 0 },
    { label: "negative remaining", request: { desiredMinor: 1, seq: 1 }, remaining: -1 },
  ])("rejects $label", ({ request, remaining }) => {
    expect(() => decideReserve(null, request, remaining)).toThrow(RangeError);
  });

  test("any sequence of requests keeps 0 ≤ granted ≤ desired and never exceeds the budget", () => {
    // Several transactions against one budget, requests in any order with any seq: the sum
    // of grants never exceeds the budget and each grant stays within its desired amount.
    const request = fc.record({
      txn: fc.integer({ min: 0, max: 3 }),
      desiredMinor: fc.integer({ min: 0, max: 2_000 }),
      seq: fc.integer({ min: 1, max: 6 }),
    });
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 5_000 }),
        fc.array(request, { maxLength: 40 }),
        (budget, requests) => {
          const rows = new Map<number, Reservation>();
          let outstanding = 0;
          for (const r of requests) {
            const current = rows.get(r.txn) ?? null;
            const decision = decideReserve(current, r, budget - outstanding);
            if (decision.action !== "set") continue;
            outstanding += decision.deltaMinor;
            rows.set(r.txn, decision.row);
            expect(decision.row.grantedMinor).toBeGreaterThanOrEqual(0);
            expect(decision.row.grantedMinor).toBeLessThanOrEqual(decision.row.desiredMinor);
            expect(outstanding).toBeLessThanOrEqual(budget);
            expect(outstanding).toBeGreaterThanOrEqual(0);
          }
          const sum = [...rows.values()].reduce((s, x) => s + x.grantedMinor, 0);
          expect(sum).toBe(outstanding);
        },
      ),
    );
  });
});

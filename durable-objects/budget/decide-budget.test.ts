import fc from "fast-check";
import { describe, expect, test } from "vitest";
import type { Held } from "../shared/decide-reserve";
import { type BudgetState, decideBudget, decideConfigure } from "./decide-budget";

const state = (
  limit: number,
  outstanding: number,
  extra: Partial<BudgetState> = {},
): BudgetState => ({
  unit: "points",
  limit,
  limitVersion: 1,
  outstanding,
  overLimit: Math.max(0, outstanding - limit),
  ...extra,
});
const held = (desired: number, granted: number, seq: number): Held => ({ desired, granted, seq });
const terms = (limit: number, limitVersion: number, overLimit = 0) => ({
  limit,
  limitVersion,
  overLimit,
});

describe("decideBudget", () => {
  test.each([
    {
      label: "first request: creates the terms, grants up to the limit",
      state: null,
      current: null,
      request: { unit: "points", limit: 50, limitVersion: 3, desired: 80, seq: 1 },
      want: { action: "set", row: held(80, 50, 1), delta: 50, terms: terms(50, 3) },
    },
    {
      label: "first request is a release with no limit: a tombstone under limit 0",
      state: null,
      current: null,
      request: { unit: "INR", desired: 0, seq: 2 },
      want: { action: "set", row: held(0, 0, 2), delta: 0, terms: terms(0, 0) },
    },
    {
      label: "unit mismatch: points asked of a money budget",
      state: state(50, 10, { unit: "INR" }),
      current: null,
      request: { unit: "points", limit: 50, desired: 5, seq: 1 },
      want: { action: "unit_mismatch" },
    },
    {
      label: "unit mismatch: another currency, even to release",
      state: state(50, 10, { unit: "INR" }),
      current: held(10, 10, 1),
      request: { unit: "USD", desired: 0, seq: 2 },
      want: { action: "unit_mismatch" },
    },
    {
      label: "same limit: what remains",
      state: state(50, 45),
      current: null,
      request: { unit: "points", limit: 50, limitVersion: 1, desired: 10, seq: 1 },
      want: { action: "set", row: held(10, 5, 1), delta: 5, terms: terms(50, 1) },
    },
    {
      label: "limit raised by a newer version: new grants use it",
      state: state(50, 50),
      current: null,
      request: { unit: "points", limit: 80, limitVersion: 2, desired: 10, seq: 1 },
      want: { action: "set", row: held(10, 10, 1), delta: 10, terms: terms(80, 2) },
    },
    {
      label: "limit lowered below the outstanding value: nothing new, nothing taken back",
      state: state(50, 40),
      current: null,
      request: { unit: "points", limit: 30, limitVersion: 2, desired: 10, seq: 1 },
      want: { action: "set", row: held(10, 0, 1), delta: 0, terms: terms(30, 2, 10) },
    },
    {
      label: "lowered limit: an existing grant stays whole on a repeat",
      state: state(50, 40),
      current: held(40, 40, 1),
      request: { unit: "points", limit: 30, limitVersion: 2, desired: 40, seq: 1 },
      want: { action: "repeat", terms: terms(30, 2, 10) },
    },
    {
      label: "over the lowered limit, a release shrinks overLimit",
      state: state(30, 40, { limitVersion: 2 }),
      current: held(25, 25, 1),
      request: { unit: "points", limit: 30, limitVersion: 2, desired: 0, seq: 2 },
      want: { action: "set", row: held(0, 0, 2), delta: -25, terms: terms(30, 2, 0) },
    },
    {
      label: "a partial release while still over keeps the excess recorded",
      state: state(30, 40, { limitVersion: 2 }),
      current: held(8, 8, 1),
      request: { unit: "points", limit: 30, limitVersion: 2, desired: 3, seq: 2 },
      want: { action: "set", row: held(3, 3, 2), delta: -5, terms: terms(30, 2, 5) },
    },
    {
      label: "an older version's limit is ignored: judged against the recorded one",
      state: state(30, 20, { limitVersion: 4 }),
      current: null,
      request: { unit: "points", limit: 100, limitVersion: 3, desired: 50, seq: 1 },
      want: { action: "set", row: held(50, 10, 1), delta: 10, terms: terms(30, 4) },
    },
    {
      label: "no version: the request's limit counts as the newest",
      state: state(30, 20, { limitVersion: 4 }),
      current: null,
      request: { unit: "points", limit: 25, desired: 50, seq: 1 },
      want: { action: "set", row: held(50, 5, 1), delta: 5, terms: terms(25, 4) },
    },
    {
      label: "a release without a limit keeps the limit",
      state: state(30, 20),
      current: held(20, 20, 1),
      request: { unit: "points", desired: 0, seq: 2 },
      want: { action: "set", row: held(0, 0, 2), delta: -20, terms: terms(30, 1) },
    },
    {
      label: "stale: an older seq changes nothing, not even the limit",
      state: state(30, 0),
      current: held(0, 0, 2),
      request: { unit: "points", limit: 90, limitVersion: 9, desired: 10, seq: 1 },
      want: { action: "stale" },
    },
    {
      label: "repeat with the same terms: nothing to write",
      state: state(30, 10),
      current: held(10, 10, 1),
      request: { unit: "points", limit: 30, limitVersion: 1, desired: 10, seq: 1 },
      want: { action: "repeat", terms: null },
    },
  ])("$label", ({ state, current, request, want }) => {
    expect(decideBudget(state, current, request)).toEqual(want);
  });

  test.each([
    { label: "negative limit", request: { unit: "points", limit: -1, desired: 1, seq: 1 } },
    { label: "fractional limit", request: { unit: "points", limit: 1.5, desired: 1, seq: 1 } },
    {
      label: "negative version",
      request: { unit: "points", limit: 1, limitVersion: -1, desired: 1, seq: 1 },
    },
    { label: "negative desired", request: { unit: "points", limit: 1, desired: -1, seq: 1 } },
    { label: "seq 0", request: { unit: "points", limit: 1, desired: 1, seq: 0 } },
  ])("rejects $label", ({ request }) => {
    expect(() => decideBudget(null, null, request)).toThrow(RangeError);
  });

  test("random requests and limit changes: no grant past the limit, overLimit only shrinks", () => {
    const request = fc.record({
      ref: fc.integer({ min: 0, max: 4 }),
      desired: fc.integer({ min: 0, max: 40 }),
      seq: fc.integer({ min: 1, max: 6 }),
      limit: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
      limitVersion: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(request, { maxLength: 60 }), (requests) => {
        let s: BudgetState | null = null;
        const rows = new Map<number, Held>();
        for (const r of requests) {
          const before = s;
          const d = decideBudget(s, rows.get(r.ref) ?? null, { unit: "points", ...r });
          if (d.action === "stale" || d.action === "unit_mismatch") continue;
          if (d.action === "not_configured") continue;
          if (d.action === "repeat") {
            if (d.terms && s !== null) s = { ...(s as BudgetState), ...d.terms };
            continue;
          }
          rows.set(r.ref, d.row);
          const outstanding = (before?.outstanding ?? 0) + d.delta;
          s = { unit: "points", outstanding, ...d.terms };
          expect(outstanding).toBeGreaterThanOrEqual(0);
          expect(outstanding).toBeLessThanOrEqual(d.terms.limit + d.terms.overLimit);
          if (d.delta > 0) expect(outstanding).toBeLessThanOrEqual(d.terms.limit);
          expect(d.terms.overLimit).toBe(Math.max(0, outstanding - d.terms.limit));
        }
        const sum = [...rows.values()].reduce((t, x) => t + x.granted, 0);
        expect(sum).toBe(s?.outstanding ?? 0);
      }),
    );
  });
});

describe("decideBudget without a carried limit", () => {
  test.each([
    {
      label: "no budget, a reserve without a limit: not configured",
      state: null,
      current: null,
      request: { unit: "INR", desired: 500, seq: 1 },
      kind: "carried" as const,
      want: { action: "not_configured" },
    },
    {
      label: "no configured budget, a reserve without a limit: not configured",
      state: null,
      current: null,
      request: { unit: "INR", desired: 500, seq: 1 },
      kind: "configured" as const,
      want: { action: "not_configured" },
    },
    {
      label: "no configured budget, a release: not configured (it waits, nothing to order yet)",
      state: null,
      current: null,
      request: { unit: "INR", desired: 0, seq: 2 },
      kind: "configured" as const,
      want: { action: "not_configured" },
    },
    {
      label: "no configured budget, even a request carrying a limit: not configured",
      state: null,
      current: null,
      request: { unit: "INR", limit: 900, limitVersion: 3, desired: 500, seq: 1 },
      kind: "configured" as const,
      want: { action: "not_configured" },
    },
    {
      label: "no carried budget, a release without a limit: a tombstone, as before",
      state: null,
      current: null,
      request: { unit: "INR", desired: 0, seq: 2 },
      kind: "carried" as const,
      want: { action: "set", row: held(0, 0, 2), delta: 0, terms: terms(0, 0) },
    },
    {
      label: "configured budget, no limit: the recorded limit applies",
      state: state(1_000, 900),
      current: null,
      request: { unit: "points", desired: 500, seq: 1 },
      kind: "configured" as const,
      want: { action: "set", row: held(500, 100, 1), delta: 100, terms: terms(1_000, 1) },
    },
    {
      label: "configured budget, no limit, a repeat: the same grant, no new terms",
      state: state(1_000, 900),
      current: held(500, 100, 1),
      request: { unit: "points", desired: 500, seq: 1 },
      kind: "configured" as const,
      want: { action: "repeat", terms: null },
    },
    {
      label: "configured budget, a newer rule version's limit still applies",
      state: state(1_000, 900),
      current: null,
      request: { unit: "points", limit: 2_000, limitVersion: 2, desired: 500, seq: 1 },
      kind: "configured" as const,
      want: { action: "set", row: held(500, 500, 1), delta: 500, terms: terms(2_000, 2) },
    },
    {
      label: "configured budget, another unit: refused",
      state: state(1_000, 0, { unit: "INR" }),
      current: null,
      request: { unit: "USD", desired: 5, seq: 1 },
      kind: "configured" as const,
      want: { action: "unit_mismatch" },
    },
  ])("$label", ({ state, current, request, kind, want }) => {
    expect(decideBudget(state, current, request, kind)).toEqual(want);
  });
});

describe("decideConfigure", () => {
  test.each([
    {
      label: "no budget: created with the limit, version 0",
      state: null,
      request: { unit: "INR", limit: 100_000 },
      want: { action: "set", create: true, terms: terms(100_000, 0) },
    },
    {
      label: "no budget, with a version: created at it",
      state: null,
      request: { unit: "INR", limit: 100_000, limitVersion: 4 },
      want: { action: "set", create: true, terms: terms(100_000, 4) },
    },
    {
      label: "raised",
      state: state(1_000, 400, { unit: "INR" }),
      request: { unit: "INR", limit: 5_000 },
      want: { action: "set", create: false, terms: terms(5_000, 1) },
    },
    {
      label: "lowered to exactly the outstanding value: allowed, nothing more will be granted",
      state: state(1_000, 400, { unit: "INR" }),
      request: { unit: "INR", limit: 400 },
      want: { action: "set", create: false, terms: terms(400, 1) },
    },
    {
      label: "lowered below the outstanding value: refused",
      state: state(1_000, 400, { unit: "INR" }),
      request: { unit: "INR", limit: 399 },
      want: { action: "below_outstanding" },
    },
    {
      label: "another unit: refused, even with nothing outstanding",
      state: state(1_000, 0, { unit: "INR" }),
      request: { unit: "USD", limit: 1_000 },
      want: { action: "unit_mismatch" },
    },
    {
      label: "an older version than recorded: the limit is replaced, the version stays",
      state: state(1_000, 0, { limitVersion: 5 }),
      request: { unit: "points", limit: 300, limitVersion: 2 },
      want: { action: "set", create: false, terms: terms(300, 5) },
    },
    {
      label: "a newer version: recorded",
      state: state(1_000, 0, { limitVersion: 5 }),
      request: { unit: "points", limit: 300, limitVersion: 7 },
      want: { action: "set", create: false, terms: terms(300, 7) },
    },
    {
      label: "over a lowered rule limit, configured at or above the outstanding: overLimit clears",
      state: state(30, 40, { limitVersion: 2 }),
      request: { unit: "points", limit: 40 },
      want: { action: "set", create: false, terms: terms(40, 2, 0) },
    },
  ])("$label", ({ state, request, want }) => {
    expect(decideConfigure(state, request)).toEqual(want);
  });

  test.each([
    { label: "negative limit", request: { unit: "INR", limit: -1 } },
    { label: "fractional limit", request: { unit: "INR", limit: 0.5 } },
    { label: "negative version", request: { unit: "INR", limit: 1, limitVersion: -1 } },
  ])("rejects $label", ({ request }) => {
    expect(() => decideConfigure(null, request)).toThrow(RangeError);
  });
});

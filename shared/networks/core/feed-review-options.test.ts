import { describe, expect, test } from "vitest";
import { feedRateCeilingBps, highestRateBps, needsReview } from "./feed-review-options";

const terms = (defaultRateBps: number, categoryRates: Record<string, number> = {}) => ({
  defaultRateBps,
  categoryRates,
});

describe("feed rate ceiling", () => {
  test.each([
    { label: "absent: no ceiling", options: {}, want: null },
    { label: "no options at all", options: null, want: null },
    { label: "a rate", options: { maxFeedRateBps: 1_500 }, want: 1_500 },
    { label: "zero holds every raise", options: { maxFeedRateBps: 0 }, want: 0 },
    { label: "unreadable: holds everything", options: { maxFeedRateBps: "15%" }, want: 0 },
    { label: "above 100%: unreadable", options: { maxFeedRateBps: 10_001 }, want: 0 },
  ])("feedRateCeilingBps: $label → $want", ({ options, want }) => {
    expect(feedRateCeilingBps(options)).toBe(want);
  });

  test.each([
    { label: "default only", terms: terms(400), want: 400 },
    {
      label: "a category above the default",
      terms: terms(400, { tv: 900, books: 100 }),
      want: 900,
    },
    { label: "categories below the default", terms: terms(400, { books: 100 }), want: 400 },
  ])("highestRateBps: $label → $want", ({ terms, want }) => {
    expect(highestRateBps(terms)).toBe(want);
  });

  test.each([
    { label: "no ceiling", ceilingBps: null, proposed: terms(9_000), changed: true, want: false },
    {
      label: "unchanged terms above it stay",
      ceilingBps: 1_000,
      proposed: terms(1_500),
      changed: false,
      want: false,
    },
    {
      label: "a change at the ceiling applies",
      ceilingBps: 1_000,
      proposed: terms(1_000),
      changed: true,
      want: false,
    },
    {
      label: "a change 1 bps above it is held",
      ceilingBps: 1_000,
      proposed: terms(1_001),
      changed: true,
      want: true,
    },
    {
      label: "a category above it is held",
      ceilingBps: 1_000,
      proposed: terms(500, { tv: 2_000 }),
      changed: true,
      want: true,
    },
    {
      label: "a lowered rate applies",
      ceilingBps: 1_000,
      proposed: terms(300),
      changed: true,
      want: false,
    },
  ])("needsReview: $label → $want", ({ ceilingBps, proposed, changed, want }) => {
    expect(needsReview({ ceilingBps, proposed, changed })).toBe(want);
  });
});

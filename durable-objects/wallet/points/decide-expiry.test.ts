import { describe, expect, test } from "vitest";
import { decideExpiry, type ExpiryStep } from "./decide-expiry";
import { lot } from "./test-lots";

describe("decideExpiry: what is left of due lots, never what was spent", () => {
  test.each<{ label: string; lots: ReturnType<typeof lot>[]; want: ExpiryStep[] }>([
    { label: "not due yet", lots: [lot("a", 1, { expiresAtMs: 1_001 })], want: [] },
    {
      label: "due exactly now: all of an untouched lot",
      lots: [lot("a", 1)],
      want: [{ lotId: "a", from: "active", points: 100 }],
    },
    {
      label: "partly spent: only the rest",
      lots: [lot("a", 1, { remaining: 25, spent: 75 })],
      want: [{ lotId: "a", from: "active", points: 25 }],
    },
    {
      label: "fully spent: nothing expires",
      lots: [lot("a", 1, { remaining: 0, spent: 100 })],
      want: [],
    },
    {
      label: "partly rolled back: only the rest",
      lots: [lot("a", 1, { remaining: 60, reversed: 40 })],
      want: [{ lotId: "a", from: "active", points: 60 }],
    },
    {
      label: "a never-expiring lot",
      lots: [lot("a", 1, { expiresAtMs: null })],
      want: [],
    },
    {
      label: "a pending lot past its expiry expires from pending",
      lots: [lot("p", 1, { activatedAtMs: null, pendingUntilMs: 2_000 })],
      want: [{ lotId: "p", from: "pending", points: 100 }],
    },
    {
      label: "several due lots, each its own rest",
      lots: [
        lot("a", 1, { expiresAtMs: 10, remaining: 5, spent: 95 }),
        lot("b", 2, { expiresAtMs: 999 }),
        lot("c", 3, { expiresAtMs: 5_000 }),
      ],
      want: [
        { lotId: "a", from: "active", points: 5 },
        { lotId: "b", from: "active", points: 100 },
      ],
    },
  ])("$label", ({ lots, want }) => {
    expect(decideExpiry(lots, 1_000)).toEqual(want);
  });
});

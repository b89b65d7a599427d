import { describe, expect, test } from "vitest";
import type { Condition } from "./conditions";
import { couldApply, evaluate } from "./evaluate";
import { compiled, NOW_MS, purchase, rule } from "./testing/fixtures";

const UNKNOWN = new Set(["user.tier", "user.accountAgeDays"]);
const isUnknown = (attr: string) => UNKNOWN.has(attr);
const couldApplyTo = (condition: Condition, facts = purchase()) =>
  couldApply(compiled([rule({ id: "r", conditions: condition })]), facts, {
    nowMs: NOW_MS,
    isUnknown,
  });

// The purchase: electronics at shopkart, 250,000 minor; tier and account age not known yet.
const known = { attr: "event.category", op: "eq", value: "electronics" } as const;
const knownFalse = { attr: "event.category", op: "eq", value: "books" } as const;
const open = { attr: "user.tier", op: "eq", value: "gold" } as const;

describe("couldApply: false only when the known facts rule every rule out", () => {
  test.each([
    { label: "a known leaf that holds", c: known, want: true },
    { label: "a known leaf that fails", c: knownFalse, want: false },
    { label: "an unknown leaf", c: open, want: true },
    { label: "all: a known failure decides", c: { all: [open, knownFalse] }, want: false },
    { label: "all: known pass, unknown open", c: { all: [known, open] }, want: true },
    { label: "any: a known pass decides", c: { any: [knownFalse, known] }, want: true },
    { label: "any: known failure, unknown open", c: { any: [knownFalse, open] }, want: true },
    { label: "any: every child known false", c: { any: [knownFalse, knownFalse] }, want: false },
    { label: "not of a known failure", c: { not: knownFalse }, want: true },
    { label: "not of a known pass", c: { not: known }, want: false },
    { label: "not of an unknown stays open", c: { not: open }, want: true },
    {
      label: "nested: all[known, any[unknown, unknown]]",
      c: { all: [known, { any: [open, { attr: "user.accountAgeDays", op: "lt", value: 7 }] }] },
      want: true,
    },
    {
      label: "nested: all[any[known false, known false], unknown]",
      c: { all: [{ any: [knownFalse, knownFalse] }, open] },
      want: false,
    },
    {
      label: "a time window is always known (12:00 UTC is outside 22:00–02:00)",
      c: { all: [open, { local: "time_window", from: "22:00", to: "02:00" }] },
      want: false,
    },
    {
      label: "the day is known (a Wednesday)",
      c: { all: [open, { local: "day_of_week", in: ["wed"] }] },
      want: true,
    },
  ] as Array<{ label: string; c: Condition; want: boolean }>)("$label", ({ c, want }) => {
    expect(couldApplyTo(c)).toBe(want);
  });

  test("it never says no where evaluation with any value of the unknown facts says yes", () => {
    const conditions: Condition[] = [
      { all: [known, open] },
      { any: [knownFalse, open] },
      { not: open },
      { all: [{ not: knownFalse }, { any: [open, knownFalse] }] },
    ];
    for (const condition of conditions) {
      const set = compiled([rule({ id: "r", conditions: condition })]);
      for (const tier of ["gold", "silver", undefined]) {
        const facts = purchase({ "user.tier": tier });
        const applies = evaluate(set, facts, { nowMs: NOW_MS }).applied.length > 0;
        if (applies) expect(couldApply(set, facts, { nowMs: NOW_MS, isUnknown })).toBe(true);
      }
    }
  });

  test("another event type's rules and rules out of schedule are not counted", () => {
    const set = compiled([
      rule({ id: "other", eventTypes: ["referral.qualified"], conditions: known }),
      rule({ id: "later", conditions: known, schedule: { startsAtMs: NOW_MS + 3_600_000 } }),
    ]);
    expect(couldApply(set, purchase(), { nowMs: NOW_MS, isUnknown })).toBe(false);
  });
});

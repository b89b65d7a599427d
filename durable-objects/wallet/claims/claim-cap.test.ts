import { expect, test } from "vitest";
import { decideClaimCap, monthStartMs, nextMonthStartMs } from "./claim-cap";

const MID_JAN = Date.UTC(2026, 0, 15, 12);
const LAST_MS_OF_DEC = Date.UTC(2026, 0, 1) - 1;

test.each([
  { label: "first claim of the month", filed: 0, cap: 10, want: { ok: true } },
  { label: "the last place", filed: 9, cap: 10, want: { ok: true } },
  {
    label: "the cap reached: wait for next month",
    filed: 10,
    cap: 10,
    want: { ok: false, retryAtMs: Date.UTC(2026, 1, 1) },
  },
  {
    label: "over the cap (the cap was lowered)",
    filed: 12,
    cap: 3,
    want: { ok: false, retryAtMs: Date.UTC(2026, 1, 1) },
  },
])("decideClaimCap: $label", ({ filed, cap, want }) => {
  expect(decideClaimCap(filed, cap, MID_JAN)).toEqual(want);
});

test.each([
  { label: "mid-month", nowMs: MID_JAN, start: Date.UTC(2026, 0, 1), next: Date.UTC(2026, 1, 1) },
  {
    label: "the last millisecond of a year",
    nowMs: LAST_MS_OF_DEC,
    start: Date.UTC(2025, 11, 1),
    next: Date.UTC(2026, 0, 1),
  },
  {
    label: "the first instant of a month",
    nowMs: Date.UTC(2026, 2, 1),
    start: Date.UTC(2026, 2, 1),
    next: Date.UTC(2026, 3, 1),
  },
])("month bounds: $label", ({ nowMs, start, next }) => {
  expect(monthStartMs(nowMs)).toBe(start);
  expect(nextMonthStartMs(nowMs)).toBe(next);
});

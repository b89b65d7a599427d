import { expect, test } from "vitest";
import {
  DEFAULT_DEDUPE_WINDOW_SEC,
  dedupedClickId,
  dedupeWindowSec,
  windowStartMs,
} from "./click-dedupe";

test.each([
  { label: "unset: the default", raw: undefined, want: DEFAULT_DEDUPE_WINDOW_SEC },
  { label: "blank: the default", raw: " ", want: DEFAULT_DEDUPE_WINDOW_SEC },
  { label: "0 turns it off", raw: "0", want: 0 },
  { label: "a whole number of seconds", raw: "45", want: 45 },
  { label: "negative: the default", raw: "-5", want: DEFAULT_DEDUPE_WINDOW_SEC },
  { label: "fractional: the default", raw: "2.5", want: DEFAULT_DEDUPE_WINDOW_SEC },
  { label: "not a number: the default", raw: "thirty", want: DEFAULT_DEDUPE_WINDOW_SEC },
  { label: "capped at an hour", raw: "86400", want: 3_600 },
])("dedupeWindowSec: $label", ({ raw, want }) => {
  expect(dedupeWindowSec(raw)).toBe(want);
});

test.each([
  { label: "the first instant of a window", nowMs: 60_000, want: 60_000 },
  { label: "the last millisecond of a window", nowMs: 89_999, want: 60_000 },
  { label: "the next window", nowMs: 90_000, want: 90_000 },
])("windowStartMs (30 s): $label", ({ nowMs, want }) => {
  expect(windowStartMs(nowMs, 30)).toBe(want);
});

test("one link, client and window: one id; anything else differs", async () => {
  const id = (token: string, ip: string | null, nowMs: number, windowSec = 30) =>
    dedupedClickId("secret", token, ip, nowMs, windowSec);
  const first = await id("tok", "203.0.113.1", 60_000);
  expect(first).toMatch(/^clk_[0-9a-z]+[A-Za-z0-9_-]{16}$/);
  expect(await id("tok", "203.0.113.1", 89_999)).toBe(first);
  expect(await id("tok", "203.0.113.1", 90_000)).not.toBe(first);
  expect(await id("tok", "203.0.113.2", 60_000)).not.toBe(first);
  expect(await id("other", "203.0.113.1", 60_000)).not.toBe(first);
  expect(await id("tok", null, 60_000)).toBeNull();
  expect(await id("tok", "203.0.113.1", 60_000, 0)).toBeNull();
});

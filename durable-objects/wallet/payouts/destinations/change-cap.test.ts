import { expect, test } from "vitest";
import { CHANGE_WINDOW_MS, decideChangeCap } from "./change-cap";

const NOW = 1_760_000_000_000;
const HOUR = 3_600_000;

test.each([
  { label: "no change today", recent: [], cap: 5, want: { ok: true } },
  { label: "one place left", recent: [NOW - 2 * HOUR], cap: 2, want: { ok: true } },
  {
    label: "cap reached: the oldest counted change frees the next place",
    recent: [NOW - 3 * HOUR, NOW - HOUR],
    cap: 2,
    want: { ok: false, retryAtMs: NOW - 3 * HOUR + CHANGE_WINDOW_MS },
  },
  {
    label: "changes older than a day do not count",
    recent: [NOW - CHANGE_WINDOW_MS, NOW - HOUR],
    cap: 2,
    want: { ok: true },
  },
  {
    label: "over the cap (it was lowered): wait until enough age out",
    recent: [NOW - 5 * HOUR, NOW - 4 * HOUR, NOW - 3 * HOUR],
    cap: 1,
    want: { ok: false, retryAtMs: NOW - 3 * HOUR + CHANGE_WINDOW_MS },
  },
])("decideChangeCap: $label", ({ recent, cap, want }) => {
  expect(decideChangeCap(recent, cap, NOW)).toEqual(want);
});

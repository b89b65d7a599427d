import { describe, expect, test } from "vitest";
import { referralClickCutoffMs } from "./clicks-retention";

const DAY_MS = 86_400_000;
const NOW_MS = 1_000 * DAY_MS;

describe("referralClickCutoffMs", () => {
  test.each([
    { label: "the default 30-day window + 7 of grace", windowDays: 30, hours: 2, wantDays: 37 },
    { label: "a one-day window", windowDays: 1, hours: 2, wantDays: 8 },
    { label: "the longest window", windowDays: 365, hours: 72, wantDays: 372 },
    {
      label: "a probabilistic window longer than the window",
      windowDays: 1,
      hours: 72,
      wantDays: 10,
    },
  ])("$label", ({ windowDays, hours, wantDays }) => {
    expect(referralClickCutoffMs({ windowDays, probabilisticWindowHours: hours }, NOW_MS)).toBe(
      NOW_MS - wantDays * DAY_MS,
    );
  });
});

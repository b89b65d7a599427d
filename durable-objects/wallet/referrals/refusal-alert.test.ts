import { describe, expect, test } from "vitest";
import { REFUSAL_ALERT_EVERY, refusalAlertDue } from "./refusal-alert";

describe("refusalAlertDue", () => {
  test.each([
    { label: "no attempt yet", attempts: 0, want: false },
    { label: "the first failures", attempts: 1, want: false },
    { label: "one short", attempts: REFUSAL_ALERT_EVERY - 1, want: false },
    { label: "the Nth failure alerts", attempts: REFUSAL_ALERT_EVERY, want: true },
    { label: "just after: quiet", attempts: REFUSAL_ALERT_EVERY + 1, want: false },
    { label: "every Nth after", attempts: 3 * REFUSAL_ALERT_EVERY, want: true },
  ])("$label", ({ attempts, want }) => {
    expect(refusalAlertDue(attempts)).toBe(want);
  });
});

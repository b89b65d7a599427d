import { expect, test } from "vitest";
import { CLICK_RETENTION_MS, pruneDueAtMs, retentionCutoffMs } from "./retention";

test.each([
  { label: "no clicks: no prune row", oldest: null, want: null },
  {
    label: "due when the oldest click leaves retention",
    oldest: 1_000,
    want: 1_000 + CLICK_RETENTION_MS,
  },
])("$label", ({ oldest, want }) => {
  expect(pruneDueAtMs(oldest)).toBe(want);
});

test("clicks before the cutoff are past retention", () => {
  expect(retentionCutoffMs(CLICK_RETENTION_MS + 5)).toBe(5);
});

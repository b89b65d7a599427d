import { describe, expect, test } from "vitest";
import { conservationViolations } from "./decide-audit";

describe("conservationViolations", () => {
  const balances = (b: Record<string, number | undefined>) => (bucket: string) => b[bucket] ?? 0;
  test.each([
    {
      label: "all consistent",
      b: { pending: 100, confirmed: 300, reserved: 200 },
      held: { pendingMinor: 100, confirmedMinor: 500 },
      open: 200,
      want: 0,
    },
    {
      label: "paid out and debt count in net confirmed",
      b: { confirmed: 0, paid_out: 500, debt: 100 },
      held: { pendingMinor: 0, confirmedMinor: 400 },
      open: 0,
      want: 0,
    },
    {
      label: "pending differs",
      b: { pending: 90 },
      held: { pendingMinor: 100, confirmedMinor: 0 },
      open: 0,
      want: 1,
    },
    {
      label: "reserved differs from open payouts",
      b: { confirmed: 300, reserved: 200 },
      held: { pendingMinor: 0, confirmedMinor: 500 },
      open: 100,
      want: 1,
    },
    {
      label: "net confirmed differs",
      b: { confirmed: 301 },
      held: { pendingMinor: 0, confirmedMinor: 300 },
      open: 0,
      want: 1,
    },
  ])("$label → $want violation(s)", ({ b, held, open, want }) => {
    expect(conservationViolations("INR", balances(b), held, open)).toHaveLength(want);
  });
});

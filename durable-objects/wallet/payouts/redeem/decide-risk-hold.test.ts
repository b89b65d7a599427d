import { describe, expect, test } from "vitest";
import { afterRiskHoldEnded, type CoveringHold, decideRedeemHold } from "./decide-risk-hold";

const rule: CoveringHold = {
  source: "rule",
  reasons: [{ code: "shared_device", score: 40, detail: "3 accounts share a device" }],
};
const unavailable: CoveringHold = {
  source: "risk_unavailable",
  reasons: [{ code: "risk_unavailable", score: 0, detail: "scoring timed out" }],
};

describe("decideRedeemHold", () => {
  test.each([
    { label: "no holds, known device", newDevice: false, holds: [], want: null },
    { label: "a rule's hold", newDevice: false, holds: [rule], want: "risk" },
    {
      label: "scoring unavailable",
      newDevice: false,
      holds: [unavailable],
      want: "risk_unavailable",
    },
    {
      label: "both: the fail-safe's reason shows",
      newDevice: false,
      holds: [rule, unavailable],
      want: "risk_unavailable",
    },
    { label: "a new device, no risk", newDevice: true, holds: [], want: "new_device" },
    { label: "a new device and a rule's hold", newDevice: true, holds: [rule], want: "new_device" },
  ])("$label → $want", ({ newDevice, holds, want }) => {
    const decision = decideRedeemHold({ newDevice, holds });
    expect(decision.held ? decision.holdReason : null).toBe(want);
  });

  test("the detail lists each reason code once", () => {
    expect(decideRedeemHold({ newDevice: false, holds: [rule, rule, unavailable] })).toEqual({
      held: true,
      holdReason: "risk_unavailable",
      detail: "shared_device,risk_unavailable",
    });
  });
});

describe("afterRiskHoldEnded", () => {
  test.each([
    { label: "last risk hold ended", holdReason: "risk", remaining: [], want: "queue" },
    {
      label: "fail-safe ended, nothing left",
      holdReason: "risk_unavailable",
      remaining: [],
      want: "queue",
    },
    { label: "another rule still holds", holdReason: "risk", remaining: [rule], want: "keep" },
    {
      label: "fail-safe ended, a rule now holds it",
      holdReason: "risk_unavailable",
      remaining: [rule],
      want: "relabel:risk",
    },
    {
      label: "new device waits for approve",
      holdReason: "new_device",
      remaining: [],
      want: "keep",
    },
    { label: "not held", holdReason: null, remaining: [], want: "keep" },
  ])("$label → $want", ({ holdReason, remaining, want }) => {
    const next = afterRiskHoldEnded({ holdReason, remaining });
    expect(next.action === "relabel" ? `relabel:${next.holdReason}` : next.action).toBe(want);
  });
});

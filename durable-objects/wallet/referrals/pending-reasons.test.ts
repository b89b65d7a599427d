import { describe, expect, test } from "vitest";
import { PENDING_REASONS, pendingReasonOf } from "./pending-reasons";
import { REFERRAL_STATES } from "./referral-states";

describe("pendingReasonOf", () => {
  test.each([
    { label: "a click without signup waits for it", state: "clicked", code: "awaiting_signup" },
    {
      label: "signed up waits for the qualifying event",
      state: "signed_up",
      code: "awaiting_qualifying_event",
    },
    {
      label: "qualified: the reward is being delivered",
      state: "qualified",
      code: "reward_on_its_way",
    },
    { label: "held: an operator reviews it", state: "held", code: "under_review" },
    { label: "rewarded: nothing pending", state: "rewarded", code: null },
    { label: "rejected: nothing pending, ever", state: "rejected", code: null },
    { label: "expired: nothing pending, ever", state: "expired", code: null },
    { label: "reversed: nothing pending", state: "reversed", code: null },
  ] as const)("$label", ({ state, code }) => {
    const reason = pendingReasonOf(state);
    expect(reason?.code ?? null).toBe(code);
    if (code !== null) expect(reason?.text).toBe(PENDING_REASONS[code]);
  });

  test("every state has a decision", () => {
    for (const state of REFERRAL_STATES) expect(() => pendingReasonOf(state)).not.toThrow();
  });
});

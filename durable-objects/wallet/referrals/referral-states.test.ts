import { describe, expect, test } from "vitest";
import { decideTransition, REFERRAL_STATES, type ReferralState } from "./referral-states";

describe("decideTransition", () => {
  test.each<{ from: ReferralState | null; to: ReferralState; want: "move" | "stay" | "refuse" }>([
    { from: null, to: "signed_up", want: "move" },
    { from: null, to: "clicked", want: "move" },
    { from: null, to: "qualified", want: "refuse" },
    { from: null, to: "rewarded", want: "refuse" },
    { from: "clicked", to: "signed_up", want: "move" },
    { from: "clicked", to: "expired", want: "move" },
    { from: "clicked", to: "rewarded", want: "refuse" },
    { from: "signed_up", to: "signed_up", want: "stay" },
    { from: "signed_up", to: "qualified", want: "move" },
    { from: "signed_up", to: "held", want: "move" },
    { from: "signed_up", to: "rejected", want: "move" },
    { from: "signed_up", to: "expired", want: "move" },
    { from: "signed_up", to: "rewarded", want: "refuse" },
    { from: "signed_up", to: "clicked", want: "refuse" },
    { from: "qualified", to: "rewarded", want: "move" },
    { from: "qualified", to: "held", want: "move" },
    { from: "qualified", to: "signed_up", want: "refuse" },
    { from: "held", to: "rewarded", want: "move" },
    { from: "held", to: "rejected", want: "move" },
    { from: "held", to: "signed_up", want: "move" },
    { from: "rewarded", to: "reversed", want: "move" },
    { from: "rewarded", to: "rejected", want: "refuse" },
    { from: "reversed", to: "rewarded", want: "move" },
    { from: "reversed", to: "qualified", want: "move" },
    { from: "reversed", to: "signed_up", want: "refuse" },
    { from: "rejected", to: "rewarded", want: "refuse" },
    { from: "rejected", to: "signed_up", want: "refuse" },
    { from: "expired", to: "signed_up", want: "refuse" },
  ])("$from → $to: $want", ({ from, to, want }) => {
    expect(decideTransition(from, to).action).toBe(want);
  });

  test.each(REFERRAL_STATES)("%s → itself stays", (state) => {
    expect(decideTransition(state, state)).toEqual({ action: "stay" });
  });
});

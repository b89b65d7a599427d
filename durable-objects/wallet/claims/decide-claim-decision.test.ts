import { describe, expect, test } from "vitest";
import { type ClaimOutcome, type ClaimStatus, checkClaimDecision } from "./decide-claim";

describe("checkClaimDecision", () => {
  test.each<{ label: string; status: ClaimStatus; outcome: ClaimOutcome; want: unknown }>([
    {
      label: "a claim in review may be approved",
      status: "review",
      outcome: "approved",
      want: { kind: "decide" },
    },
    {
      label: "an open claim may be rejected early",
      status: "open",
      outcome: "rejected",
      want: { kind: "decide" },
    },
    {
      label: "approving an approved claim again is a no-op",
      status: "approved",
      outcome: "approved",
      want: { kind: "already" },
    },
    {
      label: "rejecting a rejected claim again is a no-op",
      status: "rejected",
      outcome: "rejected",
      want: { kind: "already" },
    },
    {
      label: "an approved claim cannot be rejected",
      status: "approved",
      outcome: "rejected",
      want: { kind: "refuse", detail: "the claim was already approved" },
    },
    {
      label: "a rejected claim cannot be approved",
      status: "rejected",
      outcome: "approved",
      want: { kind: "refuse", detail: "the claim was already rejected" },
    },
    {
      label: "a matched claim has nothing to decide",
      status: "matched",
      outcome: "approved",
      want: {
        kind: "refuse",
        detail: "the claim already matched transaction txn_1: there is nothing to decide",
      },
    },
  ])("$label", ({ status, outcome, want }) => {
    expect(checkClaimDecision({ status, txnId: "txn_1" }, outcome)).toEqual(want);
  });
});

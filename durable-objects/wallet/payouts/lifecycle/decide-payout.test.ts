import { describe, expect, test } from "vitest";
import type { PayoutStatus } from "#shared/payouts/types";
import {
  decideDispatch,
  decideProcessorState,
  decideReserve,
  finishLegs,
  retryDelaySec,
  type StoredPayout,
} from "./decide-payout";

function payout(status: PayoutStatus, attempts = 0): StoredPayout {
  return {
    payoutId: "po_1",
    currency: "INR",
    amountMinor: 1_000,
    status,
    destinationId: "dst_1",
    destinationType: "bank",
    destinationMasked: "HDFC ••••9012",
    holdReason: null,
    failureCode: null,
    attention: null,
    attempts,
    processorId: null,
    processorRef: null,
    lastError: null,
    createdAtMs: 0,
    updatedAtMs: 0,
    paidAtMs: null,
    version: 1,
  };
}

describe("decideReserve", () => {
  test.each([
    { label: "fits exactly", confirmed: 1_000, debt: 0, want: "reserve" },
    { label: "one paisa short", confirmed: 999, debt: 0, want: "insufficient_funds" },
    { label: "debt outstanding", confirmed: 5_000, debt: 1, want: "debt_outstanding" },
  ])("$label → $want", ({ confirmed, debt, want }) => {
    const decision = decideReserve({
      currency: "INR",
      amountMinor: 1_000,
      confirmedMinor: confirmed,
      debtMinor: debt,
    });
    expect(decision.status).toBe(want);
    if (decision.status === "reserve") {
      expect(decision.legs).toEqual([
        { bucket: "confirmed", currency: "INR", amountMinor: -1_000 },
        { bucket: "reserved", currency: "INR", amountMinor: 1_000 },
      ]);
    }
  });
});

describe("finishLegs", () => {
  test.each([
    { outcome: "paid", debt: 0, want: { reserved: -1_000, paid_out: 1_000 } },
    { outcome: "failed", debt: 0, want: { reserved: -1_000, confirmed: 1_000 } },
    { outcome: "cancelled", debt: 300, want: { reserved: -1_000, confirmed: 700, debt: -300 } },
    { outcome: "failed", debt: 5_000, want: { reserved: -1_000, debt: -1_000 } },
    { outcome: "paid", debt: 5_000, want: { reserved: -1_000, paid_out: 1_000 } },
  ] as const)("$outcome with debt $debt", ({ outcome, debt, want }) => {
    const legs = finishLegs({ currency: "INR", amountMinor: 1_000 }, outcome, debt);
    expect(Object.fromEntries(legs.map((l) => [l.bucket, l.amountMinor]))).toEqual(want);
    // What leaves `reserved` lands exactly once: paid out, or confirmed plus debt repaid.
    const landed = legs
      .filter((l) => l.bucket !== "reserved")
      .reduce((t, l) => t + Math.abs(l.amountMinor), 0);
    expect(landed).toBe(1_000);
  });
});

describe("decideDispatch", () => {
  test.each([
    { status: "queued", attempts: 0, want: "submit" },
    { status: "queued", attempts: 2, want: "lookup_first" },
    { status: "retrying", attempts: 1, want: "lookup_first" },
    { status: "submitting", attempts: 1, want: "lookup_first" },
    { status: "held", attempts: 0, want: "skip" },
    { status: "stuck", attempts: 8, want: "skip" },
    { status: "submitted", attempts: 1, want: "skip" },
    { status: "paid", attempts: 1, want: "skip" },
    { status: "cancelled", attempts: 0, want: "skip" },
  ] as const)("$status after $attempts attempts → $want", ({ status, attempts, want }) => {
    expect(decideDispatch(payout(status, attempts))).toBe(want);
  });
  test("an unknown payout is skipped", () => expect(decideDispatch(null)).toBe("skip"));
});

describe("decideProcessorState: events late, twice or out of order change nothing", () => {
  test.each([
    { ours: "submitting", theirs: "accepted", want: "advance:submitted" },
    { ours: "retrying", theirs: "processing", want: "advance:processing" },
    { ours: "submitted", theirs: "processing", want: "advance:processing" },
    { ours: "processing", theirs: "processing", want: "ignore" },
    { ours: "processing", theirs: "accepted", want: "ignore" },
    { ours: "processing", theirs: "completed", want: "finish:paid" },
    { ours: "submitted", theirs: "failed", want: "finish:failed" },
    { ours: "stuck", theirs: "completed", want: "finish:paid" },
    { ours: "paid", theirs: "processing", want: "ignore" },
    { ours: "paid", theirs: "completed", want: "ignore" },
    { ours: "failed", theirs: "failed", want: "ignore" },
    { ours: "paid", theirs: "failed", want: "conflict" },
    { ours: "cancelled", theirs: "completed", want: "conflict" },
    { ours: "cancelled", theirs: "failed", want: "ignore" },
    { ours: "cancelled", theirs: "processing", want: "conflict" },
    { ours: "failed", theirs: "processing", want: "ignore" },
    { ours: "held", theirs: "processing", want: "conflict" },
  ] as const)("ours $ours, processor $theirs → $want", ({ ours, theirs, want }) => {
    const d = decideProcessorState(payout(ours, 1), theirs);
    const label =
      d.action === "advance"
        ? `advance:${d.next}`
        : d.action === "finish"
          ? `finish:${d.outcome}`
          : d.action;
    expect(label).toBe(want);
  });

  test("every order of processing/completed ends paid, with one finish", () => {
    const orders: Array<Array<"accepted" | "processing" | "completed">> = [
      ["accepted", "processing", "completed"],
      ["completed", "processing", "accepted"],
      ["processing", "completed", "accepted"],
      ["completed", "accepted", "processing"],
    ];
    for (const order of orders) {
      let p = payout("submitting", 1);
      let finishes = 0;
      for (const status of [...order, ...order]) {
        const d = decideProcessorState(p, status);
        if (d.action === "advance") p = { ...p, status: d.next };
        if (d.action === "finish") {
          finishes++;
          p = { ...p, status: d.outcome };
        }
        expect(d.action).not.toBe("conflict");
      }
      expect(p.status).toBe("paid");
      expect(finishes).toBe(1);
    }
  });
});

describe("retryDelaySec", () => {
  test.each([
    { base: 30, attempt: 1, want: 30 },
    { base: 30, attempt: 2, want: 60 },
    { base: 30, attempt: 5, want: 480 },
    { base: 30, attempt: 30, want: 43_200 },
    { base: 0, attempt: 4, want: 0 },
  ])("base $base, attempt $attempt → $want s", ({ base, attempt, want }) => {
    expect(retryDelaySec(base, attempt)).toBe(want);
  });
});

import { describe, expect, test } from "vitest";
import { decideSettlement, postingKind } from "./decide-settlement";
import type { StoredTxn } from "./types";

const NOW_MS = 1_760_000_000_000;
const TXN: StoredTxn = {
  txnId: "txn_1",
  networkId: "net_1",
  orderId: "ORD-1",
  clickId: "clk_1",
  offerId: "off_1",
  status: "pending",
  rejectReason: null,
  currency: "INR",
  saleAmountMinor: 10_000,
  commissionMinor: 800,
  cashbackMinor: 500,
  rateBps: 500,
  category: null,
  lineItems: null,
  terms: null,
  boosts: [],
  desiredBoostMinor: 0,
  grantedBoostMinor: 0,
  networkStatus: "pending",
  networkUpdatedAtMs: NOW_MS,
  networkTimeKnown: true,
  windowElapsed: false,
  confirmationPolicy: "return_window",
  windowEndsAtMs: NOW_MS + 1_000,
  heldPendingMinor: 0,
  heldConfirmedMinor: 0,
  clickedAtMs: NOW_MS,
  convertedAtMs: NOW_MS,
  expectedConfirmAtMs: NOW_MS + 1_000,
  confirmedAtMs: null,
  version: 1,
  createdAtMs: NOW_MS,
  updatedAtMs: NOW_MS,
};
const NO_BALANCE = { confirmedMinor: 0, debtMinor: 0 };

describe("decideSettlement", () => {
  test.each<{
    label: string;
    txn: Partial<StoredTxn>;
    balances?: { confirmedMinor: number; debtMinor: number };
    want: {
      postingKind: string;
      status: string;
      historyEvent: string | null;
      confirmAtMs: number | null;
      legs: Array<[string, number]>;
    };
  }>([
    {
      label: "a new pending order",
      txn: {},
      want: {
        postingKind: "cashback_pending",
        status: "pending",
        historyEvent: null,
        confirmAtMs: NOW_MS + 1_000,
        legs: [["pending", 500]],
      },
    },
    {
      label: "approved while pending",
      txn: { networkStatus: "approved", heldPendingMinor: 500 },
      want: {
        postingKind: "cashback_confirmed",
        status: "confirmed",
        historyEvent: "confirmed",
        confirmAtMs: null,
        legs: [
          ["pending", -500],
          ["confirmed", 500],
        ],
      },
    },
    {
      label: "the return window closed",
      txn: { windowElapsed: true, heldPendingMinor: 500 },
      want: {
        postingKind: "cashback_confirmed",
        status: "confirmed",
        historyEvent: "confirmed",
        confirmAtMs: null,
        legs: [
          ["pending", -500],
          ["confirmed", 500],
        ],
      },
    },
    {
      label: "cancelled while pending",
      txn: { networkStatus: "cancelled", heldPendingMinor: 500 },
      want: {
        postingKind: "cashback_cancelled",
        status: "cancelled",
        historyEvent: "cancelled",
        confirmAtMs: null,
        legs: [["pending", -500]],
      },
    },
    {
      label: "returned after confirmation, money spent",
      txn: {
        status: "confirmed",
        networkStatus: "cancelled",
        heldConfirmedMinor: 500,
        confirmedAtMs: NOW_MS,
      },
      balances: { confirmedMinor: 100, debtMinor: 0 },
      want: {
        postingKind: "cashback_clawback",
        status: "cancelled",
        historyEvent: "returned_after_confirmation",
        confirmAtMs: null,
        legs: [
          ["confirmed", -100],
          ["debt", 400],
        ],
      },
    },
    {
      label: "a partial refund while pending",
      txn: { cashbackMinor: 300, heldPendingMinor: 500 },
      want: {
        postingKind: "cashback_adjusted",
        status: "pending",
        historyEvent: null,
        confirmAtMs: NOW_MS + 1_000,
        legs: [["pending", -200]],
      },
    },
    {
      label: "no expected confirmation date: no timer",
      txn: { expectedConfirmAtMs: null, windowEndsAtMs: null, heldPendingMinor: 500 },
      want: {
        postingKind: "cashback_adjusted",
        status: "pending",
        historyEvent: null,
        confirmAtMs: null,
        legs: [],
      },
    },
  ])("$label", ({ txn, balances, want }) => {
    const s = decideSettlement({ ...TXN, ...txn }, balances ?? NO_BALANCE, NOW_MS);
    expect({
      postingKind: s.postingKind,
      status: s.status,
      historyEvent: s.historyEvent,
      confirmAtMs: s.confirmAtMs,
      legs: s.legs.map((l) => [l.bucket, l.amountMinor]),
    }).toEqual(want);
  });

  test.each([
    {
      label: "first confirmation stamps now",
      confirmedAtMs: null,
      networkStatus: "approved" as const,
      want: NOW_MS,
    },
    {
      label: "a later one keeps the first stamp",
      confirmedAtMs: 5,
      networkStatus: "approved" as const,
      want: 5,
    },
    {
      label: "pending stays unstamped",
      confirmedAtMs: null,
      networkStatus: "pending" as const,
      want: null,
    },
  ])("$label", ({ confirmedAtMs, networkStatus, want }) => {
    expect(
      decideSettlement({ ...TXN, confirmedAtMs, networkStatus }, NO_BALANCE, NOW_MS).confirmedAtMs,
    ).toBe(want);
  });

  test.each<{
    label: string;
    txn: Partial<StoredTxn>;
    want: { status: string; confirmAtMs: number | null; expectedConfirmAtMs: number | null };
  }>([
    {
      label: "network_approval, window open: pending, no date, the timer records the window",
      txn: { confirmationPolicy: "network_approval" },
      want: { status: "pending", confirmAtMs: NOW_MS + 1_000, expectedConfirmAtMs: null },
    },
    {
      label: "network_approval, window passed: still pending, no timer",
      txn: { confirmationPolicy: "network_approval", windowElapsed: true, heldPendingMinor: 500 },
      want: { status: "pending", confirmAtMs: null, expectedConfirmAtMs: null },
    },
    {
      label: "network_approval, approved: confirmed",
      txn: { confirmationPolicy: "network_approval", networkStatus: "approved" },
      want: { status: "confirmed", confirmAtMs: null, expectedConfirmAtMs: NOW_MS + 1_000 },
    },
    {
      label: "both, approved in the window: pending until its end, which is the date",
      txn: { confirmationPolicy: "both", networkStatus: "approved", expectedConfirmAtMs: null },
      want: { status: "pending", confirmAtMs: NOW_MS + 1_000, expectedConfirmAtMs: NOW_MS + 1_000 },
    },
    {
      label: "both, approved after the window: confirmed",
      txn: { confirmationPolicy: "both", networkStatus: "approved", windowElapsed: true },
      want: { status: "confirmed", confirmAtMs: null, expectedConfirmAtMs: NOW_MS + 1_000 },
    },
  ])("policy: $label", ({ txn, want }) => {
    const s = decideSettlement({ ...TXN, ...txn }, NO_BALANCE, NOW_MS);
    expect({
      status: s.status,
      confirmAtMs: s.confirmAtMs,
      expectedConfirmAtMs: s.expectedConfirmAtMs,
    }).toEqual(want);
  });

  test.each<{
    label: string;
    txn: Partial<StoredTxn>;
    heldForReview: boolean;
    want: { status: string; legs: number; expectedConfirmAtMs: number | null; held: boolean };
  }>([
    {
      label: "held, the window passed: stays pending, nothing moves, no date",
      txn: { windowElapsed: true, heldPendingMinor: 500 },
      heldForReview: true,
      want: { status: "pending", legs: 0, expectedConfirmAtMs: null, held: true },
    },
    {
      label: "held, approved by the network: stays pending",
      txn: { networkStatus: "approved", heldPendingMinor: 500 },
      heldForReview: true,
      want: { status: "pending", legs: 0, expectedConfirmAtMs: null, held: true },
    },
    {
      label: "released, the window passed: confirmed, pending moves to confirmed",
      txn: { windowElapsed: true, heldPendingMinor: 500 },
      heldForReview: false,
      want: { status: "confirmed", legs: 2, expectedConfirmAtMs: NOW_MS + 1_000, held: false },
    },
    {
      label: "held, cancelled by the network: cancelled all the same",
      txn: { networkStatus: "cancelled", heldPendingMinor: 500 },
      heldForReview: true,
      want: { status: "cancelled", legs: 1, expectedConfirmAtMs: NOW_MS + 1_000, held: false },
    },
  ])("risk hold: $label", ({ txn, heldForReview, want }) => {
    const s = decideSettlement({ ...TXN, ...txn }, NO_BALANCE, NOW_MS, undefined, heldForReview);
    expect({
      status: s.status,
      legs: s.legs.length,
      expectedConfirmAtMs: s.expectedConfirmAtMs,
      held: s.heldForReview,
    }).toEqual(want);
  });

  test("a caller-named kind wins (a boost grant)", () => {
    expect(decideSettlement(TXN, NO_BALANCE, NOW_MS, "cashback_boost").postingKind).toBe(
      "cashback_boost",
    );
  });
});

describe("postingKind", () => {
  const h = (pendingMinor: number, confirmedMinor: number) => ({ pendingMinor, confirmedMinor });
  test.each([
    {
      label: "to nothing from confirmed",
      held: h(0, 5),
      target: h(0, 0),
      want: "cashback_clawback",
    },
    {
      label: "to nothing from pending",
      held: h(5, 0),
      target: h(0, 0),
      want: "cashback_cancelled",
    },
    { label: "from nothing to pending", held: h(0, 0), target: h(5, 0), want: "cashback_pending" },
    {
      label: "from nothing to confirmed",
      held: h(0, 0),
      target: h(0, 5),
      want: "cashback_confirmed",
    },
    { label: "pending to confirmed", held: h(5, 0), target: h(0, 5), want: "cashback_confirmed" },
    {
      label: "confirmed amount changed",
      held: h(0, 5),
      target: h(0, 3),
      want: "cashback_adjusted",
    },
  ])("$label → $want", ({ held, target, want }) => {
    expect(postingKind(held, target)).toBe(want);
  });
});

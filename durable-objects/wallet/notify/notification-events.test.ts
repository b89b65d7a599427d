import { describe, expect, test } from "vitest";
import { NOTIFICATION_TYPES, type NotificationType } from "#shared/notify/catalog";
import type { NotificationEventMessage } from "#shared/notify/message";
import {
  cashbackChange,
  cashbackEvent,
  claimDecidedEvent,
  destinationLabel,
  failureText,
  merchantLabel,
  newDeviceEvent,
  payoutEvent,
  pointsEarnedEvent,
  pointsExpiringEvent,
  pointsReason,
  referralEvent,
  stepUpCodeEvent,
  tierChangedEvent,
} from "./notification-events";
import { rewardText } from "./referral-news";

const AT = 1_765_000_000_000;
const TXN = { txnId: "txn_1", orderId: "ORD-9", currency: "INR", merchantName: "acme" };
const PAYOUT = {
  payoutId: "pay_1",
  amountMinor: 10_000,
  currency: "INR",
  destinationType: "bank_account",
  destinationMasked: "••••0000",
  version: 3,
};
const REFERRAL = {
  referralId: "ref_1",
  referrerId: "u_referrer",
  refereeNameMasked: "A•••",
  version: 2,
};

/** Every builder once: type, id, and the vars it must carry. */
const built: Array<{ event: NotificationEventMessage | null; type: NotificationType; id: string }> =
  [
    {
      event: stepUpCodeEvent(
        "u",
        { challengeId: "chl_1", code: "042917", expiresAtMs: AT + 600_000 },
        AT,
      ),
      type: "step_up_code",
      id: "chl_1",
    },
    {
      event: cashbackEvent("u", TXN, { type: "cashback_earned", cashbackMinor: 500 }, AT),
      type: "cashback_earned",
      id: "txn_1:earned",
    },
    {
      event: cashbackEvent("u", TXN, { type: "cashback_confirmed", cashbackMinor: 500 }, AT),
      type: "cashback_confirmed",
      id: "txn_1:confirmed",
    },
    {
      event: cashbackEvent(
        "u",
        TXN,
        { type: "cashback_clawed_back", cashbackMinor: 500, reason: "returned" },
        AT,
      ),
      type: "cashback_clawed_back",
      id: "txn_1:clawed_back",
    },
    {
      event: payoutEvent("u", PAYOUT, { type: "payout_initiated" }, AT),
      type: "payout_initiated",
      id: "pay_1:initiated",
    },
    {
      event: payoutEvent("u", PAYOUT, { type: "payout_paid" }, AT),
      type: "payout_paid",
      id: "pay_1:paid",
    },
    {
      event: payoutEvent(
        "u",
        PAYOUT,
        { type: "payout_failed", failureCode: "account_invalid" },
        AT,
      ),
      type: "payout_failed",
      id: "pay_1:failed",
    },
    {
      event: payoutEvent("u", PAYOUT, { type: "payout_held", reason: "review" }, AT),
      type: "payout_held",
      id: "pay_1:held:v3",
    },
    {
      event: newDeviceEvent("u", "abcdefghij", AT),
      type: "new_device",
      id: "device:abcdefghij:new",
    },
    {
      event: pointsEarnedEvent(
        "u",
        { lotId: "lot_1", points: 120, sourceType: "event", ruleId: "welcome_bonus" },
        AT,
      ),
      type: "points_earned",
      id: "lot_1:earned",
    },
    {
      event: pointsExpiringEvent("u", { lotId: "lot_1", remaining: 80, expiresAtMs: AT }, 7, AT),
      type: "points_expiring",
      id: "lot_1:expiring:7",
    },
    {
      event: tierChangedEvent("u", { fromTier: "silver", toTier: "gold" }, AT),
      type: "tier_changed",
      id: `tier:${AT}:silver>gold`,
    },
    {
      event: referralEvent(REFERRAL, "signed_up", null, AT),
      type: "referral_signed_up",
      id: "ref_1:signed_up:v2",
    },
    {
      event: referralEvent(REFERRAL, "qualified", null, AT),
      type: "referral_qualified",
      id: "ref_1:qualified:v2",
    },
    {
      event: referralEvent(REFERRAL, "rewarded", "500 points", AT),
      type: "referral_rewarded",
      id: "ref_1:rewarded:v2",
    },
    {
      event: referralEvent(REFERRAL, "held", null, AT),
      type: "referral_held",
      id: "ref_1:held:v2",
    },
    {
      event: claimDecidedEvent(
        "u",
        { claimId: "clm_1", orderId: "ORD-9", status: "rejected", reason: "no purchase found" },
        AT,
      ),
      type: "claim_decided",
      id: "clm_1:decided",
    },
  ];

describe("the wallet's notification events", () => {
  test.each(built)("$type: id $id, exactly the catalog's variables", ({ event, type, id }) => {
    expect(event).not.toBeNull();
    const e = event as NotificationEventMessage;
    expect(e.kind).toBe("notification");
    expect(e.type).toBe(type);
    expect(e.id).toBe(id);
    expect(e.occurredAtMs).toBe(AT);
    const declared = NOTIFICATION_TYPES[type].variables as Record<string, string>;
    expect(Object.keys(e.vars).sort()).toEqual(Object.keys(declared).sort());
    for (const [name, kind] of Object.entries(declared)) {
      const value = e.vars[name];
      if (kind === "money") {
        expect(value).toEqual({ amountMinor: expect.any(Number), currency: expect.any(String) });
      } else if (kind === "number" || kind === "date") {
        expect(typeof value).toBe("number");
      } else {
        expect(typeof value).toBe("string");
        expect((value as string).length).toBeGreaterThan(0);
      }
    }
  });

  test("every wallet type has a builder (the promotional one is not the wallet's)", () => {
    const covered = new Set(built.map((b) => b.type));
    const wallet = Object.keys(NOTIFICATION_TYPES).filter((t) => t !== "promotion");
    expect([...covered].sort()).toEqual(wallet.sort());
  });

  test("the same change builds the same id (a replay is the same event)", () => {
    const again = () =>
      payoutEvent("u", PAYOUT, { type: "payout_failed", failureCode: "account_invalid" }, AT + 1);
    expect(again().id).toBe(again().id);
    expect(again().vars).toEqual({
      amount: { amountMinor: 10_000, currency: "INR" },
      destination: "••••0000",
      reason: "account invalid",
    });
  });

  test("the referrer is the recipient of referral news; other states are not news", () => {
    expect(referralEvent(REFERRAL, "qualified", null, AT)?.userId).toBe("u_referrer");
    for (const state of ["clicked", "rejected", "expired", "reversed"]) {
      expect(referralEvent(REFERRAL, state, null, AT)).toBeNull();
    }
    expect(referralEvent({ ...REFERRAL, refereeNameMasked: null }, "held", null, AT)?.vars).toEqual(
      { refereeName: "someone you referred" },
    );
  });
});

describe("cashbackChange", () => {
  const none = { pendingMinor: 0, confirmedMinor: 0 };
  const pending = { pendingMinor: 500, confirmedMinor: 0 };
  const confirmed = { pendingMinor: 0, confirmedMinor: 500 };
  test.each([
    {
      label: "new pending credit",
      before: none,
      after: pending,
      ev: null,
      want: "cashback_earned",
    },
    {
      label: "confirmed",
      before: pending,
      after: confirmed,
      ev: "confirmed",
      want: "cashback_confirmed",
    },
    {
      label: "confirmed at once",
      before: none,
      after: confirmed,
      ev: "confirmed",
      want: "cashback_confirmed",
    },
    {
      label: "pending cancelled",
      before: pending,
      after: none,
      ev: "cancelled",
      want: "cashback_clawed_back",
    },
    {
      label: "returned after confirmation",
      before: confirmed,
      after: none,
      ev: "returned_after_confirmation",
      want: "cashback_clawed_back",
    },
    {
      label: "amount corrected",
      before: pending,
      after: { pendingMinor: 400, confirmedMinor: 0 },
      ev: null,
      want: null,
    },
    { label: "no cashback", before: none, after: none, ev: null, want: null },
    {
      label: "cancelled before any credit",
      before: none,
      after: none,
      ev: "cancelled",
      want: null,
    },
    { label: "rejected-priced zero", before: none, after: none, ev: "confirmed", want: null },
  ])("$label → $want", ({ before, after, ev, want }) => {
    expect(cashbackChange(before, after, ev)?.type ?? null).toBe(want);
  });

  test("a clawback takes back what was held, with the reason", () => {
    expect(cashbackChange(confirmed, none, "returned_after_confirmation")).toEqual({
      type: "cashback_clawed_back",
      cashbackMinor: 500,
      reason: "returned",
    });
  });
});

describe("labels", () => {
  test.each([
    { got: merchantLabel("acme-shoes", "impact"), want: "acme-shoes" },
    { got: merchantLabel(null, "impact"), want: "impact" },
    {
      got: destinationLabel({ destinationType: "gift_card", destinationMasked: null }),
      want: "gift card",
    },
    {
      got: destinationLabel({ destinationType: null, destinationMasked: null }),
      want: "your account",
    },
    { got: failureText(null), want: "the payment provider refused it" },
    { got: pointsReason("event", "welcome_bonus"), want: "welcome bonus" },
    { got: pointsReason("purchase", ""), want: "purchase" },
    { got: rewardText({ points: 500 }), want: "500 points" },
  ])("$want", ({ got, want }) => {
    expect(got).toBe(want);
  });
});

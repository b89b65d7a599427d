import { describe, expect, test } from "vitest";
import type { GiftCardProduct } from "#shared/payouts/types";
import { giftCardTarget, malformedRedeem, reserveRefusalDetail } from "./decide-redeem";

describe("malformedRedeem", () => {
  const ok = { payoutId: "pay_0123456789abcdef0123", currency: "INR", amountMinor: 100 };
  test.each([
    { label: "currency in lower case", change: { currency: "inr" }, malformed: true },
    { label: "zero amount", change: { amountMinor: 0 }, malformed: true },
    { label: "fractional amount", change: { amountMinor: 1.5 }, malformed: true },
    { label: "bad payout id", change: { payoutId: "pay 1!" }, malformed: true },
    { label: "well formed", change: {}, malformed: false },
  ])("$label → malformed $malformed", ({ change, malformed }) => {
    expect(malformedRedeem({ ...ok, ...change }) !== null).toBe(malformed);
  });
});

describe("giftCardTarget", () => {
  const card = {
    id: "gc_1",
    brand: "Book Shop",
    currency: "INR",
    denominationsMinor: [50_000, 100_000],
    active: true,
  } as GiftCardProduct;
  test.each([
    {
      label: "offered denomination",
      product: card,
      currency: "INR",
      amount: 50_000,
      want: "Book Shop 50000",
    },
    {
      label: "inactive product",
      product: { ...card, active: false },
      currency: "INR",
      amount: 50_000,
      want: "gift_card_unavailable",
    },
    {
      label: "other currency",
      product: card,
      currency: "USD",
      amount: 50_000,
      want: "gift_card_unavailable",
    },
    {
      label: "other amount",
      product: card,
      currency: "INR",
      amount: 70_000,
      want: "gift_card_unavailable",
    },
  ])("$label → $want", ({ product, currency, amount, want }) => {
    const target = giftCardTarget(product, currency, amount);
    expect("code" in target ? target.code : target.masked).toBe(want);
  });
});

test.each([
  {
    status: "insufficient_funds" as const,
    want: "the amount is more than your confirmed cashback",
  },
  {
    status: "debt_outstanding" as const,
    want: "money owed from a returned order is repaid from cashback first",
  },
])("reserve refusal $status", ({ status, want }) => {
  expect(reserveRefusalDetail(status)).toBe(want);
});

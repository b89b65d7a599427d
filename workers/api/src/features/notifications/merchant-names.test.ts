import { describe, expect, it } from "vitest";
import type { NotificationEventMessage } from "#shared/notify/message";
import { merchantIdOf, withMerchantName } from "./merchant-names";

const event = (type: string, vars: Record<string, unknown>): NotificationEventMessage =>
  ({
    kind: "notification",
    id: "e1",
    userId: "u1",
    type,
    vars,
    occurredAtMs: 0,
  }) as NotificationEventMessage;

const cashback = { cashback: { amountMinor: 100, currency: "INR" }, orderId: "O-1" };

describe("merchantIdOf", () => {
  it.each([
    ["cashback_earned", { merchantName: "acme-shoes", ...cashback }, "acme-shoes"],
    ["cashback_confirmed", { merchantName: "acme-shoes", ...cashback }, "acme-shoes"],
    [
      "cashback_clawed_back",
      { merchantName: "acme-shoes", ...cashback, reason: "x" },
      "acme-shoes",
    ],
    ["cashback_earned", { merchantName: "", ...cashback }, null],
    ["cashback_earned", { merchantName: 42, ...cashback }, null],
    ["payout_paid", { merchantName: "acme-shoes" }, null],
    ["promotion", { headline: "h", body: "b", url: "u" }, null],
  ])("%s %j → %s", (type, vars, expected) => {
    expect(merchantIdOf(event(type, vars))).toBe(expected);
  });
});

describe("withMerchantName", () => {
  const names = new Map([["acme-shoes", "Acme Shoes"]]);

  it("swaps a known id for its display name and leaves every other variable", () => {
    const before = event("cashback_earned", { merchantName: "acme-shoes", ...cashback });
    const after = withMerchantName(before, names);
    expect(after.vars).toEqual({ merchantName: "Acme Shoes", ...cashback });
    expect(after.id).toBe(before.id);
    expect(before.vars.merchantName).toBe("acme-shoes");
  });

  it("keeps an id the catalog does not know (a network standing in), and other types", () => {
    const unknown = event("cashback_earned", { merchantName: "admitad", ...cashback });
    expect(withMerchantName(unknown, names)).toBe(unknown);
    const payout = event("payout_paid", { merchantName: "acme-shoes" });
    expect(withMerchantName(payout, names)).toBe(payout);
  });
});

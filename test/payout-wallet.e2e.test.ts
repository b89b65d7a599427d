import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { applyPosting } from "../durable-objects/wallet/ledger";
import { transactionIdFor } from "../shared/ids";
import { balances, uniqueUser, walletStub } from "./helpers";

/** The wallet's side of payouts: reserve, pay, credit back — each exactly once. */
async function userWithConfirmed(label: string, saleMinor: number) {
  const userId = uniqueUser(label);
  const clickId = `clk_${crypto.randomUUID().replaceAll("-", "")}`;
  const clickedAtMs = Date.now() - 120_000;
  await walletStub(userId).recordClicks(userId, [
    {
      clickId,
      offerId: "test-shop-offer",
      merchantId: "test-shop",
      networkId: "test-net",
      clickedAtMs,
      currency: "INR",
      terms: { basis: "sale", defaultRateBps: 500, categoryRates: {} },
      returnWindowDays: 30,
    },
  ]);
  await walletStub(userId).applyConversion({
    txnId: await transactionIdFor("test-net", `PO-${userId}`),
    postbackId: "pb_payout_setup",
    networkId: "test-net",
    orderId: `PO-${userId}`,
    userId,
    offerId: "test-shop-offer",
    clickId,
    clickAtSec: Math.floor(clickedAtMs / 1000),
    status: "approved",
    currency: "INR",
    saleAmountMinor: saleMinor,
    commissionMinor: 0,
    category: null,
    lineItems: null,
    occurredAtMs: clickedAtMs + 1_000,
    updatedAtMs: clickedAtMs + 1_000,
    receivedAtMs: Date.now(),
  });
  return userId;
}

describe("payouts in the wallet", () => {
  it("100 concurrent redemptions against a balance that covers 10 reserve exactly 10", async () => {
    const user = await userWithConfirmed("race", 200_000); // 5% → 10,000 confirmed
    expect(await balances(user)).toEqual({ confirmed: 10_000 });
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        walletStub(user).reserveForPayout(user, {
          payoutId: `po_race_${i}`,
          currency: "INR",
          amountMinor: 1_000,
        }),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === "created")).toHaveLength(10);
    expect(statuses.filter((s) => s === "insufficient_funds")).toHaveLength(90);
    expect(await balances(user)).toEqual({ confirmed: 0, reserved: 10_000 });
    expect((await walletStub(user).audit()).violations).toEqual([]);
  });

  it("a retried request is the same payout; another amount under the same id is refused", async () => {
    const user = await userWithConfirmed("idem", 100_000);
    const request = { payoutId: "po_idem", currency: "INR", amountMinor: 2_000 };
    expect((await walletStub(user).reserveForPayout(user, request)).status).toBe("created");
    expect((await walletStub(user).reserveForPayout(user, request)).status).toBe("exists");
    expect(
      (await walletStub(user).reserveForPayout(user, { ...request, amountMinor: 3_000 })).status,
    ).toBe("exists_with_different_amount");
    expect(await balances(user)).toEqual({ confirmed: 3_000, reserved: 2_000 });
  });

  it("completion moves reserved to paid out once; a late failure cannot undo it", async () => {
    const user = await userWithConfirmed("paid", 100_000);
    await walletStub(user).reserveForPayout(user, {
      payoutId: "po_paid",
      currency: "INR",
      amountMinor: 5_000,
    });
    expect((await walletStub(user).settlePayout("po_paid", "paid")).status).toBe("created");
    expect((await walletStub(user).settlePayout("po_paid", "paid")).status).toBe("exists");
    expect((await walletStub(user).settlePayout("po_paid", "failed")).status).toBe("already_final");
    expect(await balances(user)).toEqual({ confirmed: 0, reserved: 0, paid_out: 5_000 });
    expect((await walletStub(user).audit()).violations).toEqual([]);
  });

  it("a permanent failure credits back exactly once, repaying debt first", async () => {
    const user = await userWithConfirmed("failed", 100_000);
    await walletStub(user).reserveForPayout(user, {
      payoutId: "po_fail",
      currency: "INR",
      amountMinor: 5_000,
    });
    // A clawback while the payout is in flight leaves 1,500 of debt (simulated directly).
    await runInDurableObject(walletStub(user), (_i, state) =>
      state.storage.transactionSync(() =>
        applyPosting(
          state.storage.sql,
          {
            key: "test-debt",
            kind: "test",
            txnId: null,
            legs: [{ bucket: "debt", currency: "INR", amountMinor: 1_500 }],
          },
          Date.now(),
        ),
      ),
    );
    expect(
      (
        await walletStub(user).reserveForPayout(user, {
          payoutId: "po_blocked",
          currency: "INR",
          amountMinor: 1,
        })
      ).status,
    ).toBe("debt_outstanding");
    expect((await walletStub(user).settlePayout("po_fail", "failed")).status).toBe("created");
    expect((await walletStub(user).settlePayout("po_fail", "failed")).status).toBe("exists");
    expect(await balances(user)).toEqual({ confirmed: 3_500, reserved: 0, debt: 0 });
    expect((await walletStub(user).settlePayout("po_unknown", "paid")).status).toBe("not_found");
  });
});

describe("payout input", () => {
  it.each([
    { label: "an empty id", request: { payoutId: "", currency: "INR", amountMinor: 1 } },
    {
      label: "an id too long for a posting key",
      request: { payoutId: "p".repeat(200), currency: "INR", amountMinor: 1 },
    },
    {
      label: "a lowercase currency",
      request: { payoutId: "po_x", currency: "inr", amountMinor: 1 },
    },
    {
      label: "a fractional amount",
      request: { payoutId: "po_x", currency: "INR", amountMinor: 1.5 },
    },
    { label: "a zero amount", request: { payoutId: "po_x", currency: "INR", amountMinor: 0 } },
  ])("$label is refused as invalid and moves nothing", async ({ request }) => {
    const user = await userWithConfirmed("invalid", 100_000);
    expect((await walletStub(user).reserveForPayout(user, request)).status).toBe("invalid");
    expect(await balances(user)).toEqual({ confirmed: 5_000 });
  });
});

import { runInDurableObject } from "cloudflare:test";

import { describe, expect, it } from "vitest";
import type { ConversionEvent } from "#durable-objects/wallet/index";
import { applyPosting } from "#durable-objects/wallet/index";
import { transactionIdFor } from "#shared/ids";
import { balances, uniqueUser, walletStub } from "./helpers";

/**
 * The status lifecycle through the wallet object's RPC, with the exact events a network
 * would send: approvals, cancellations, returns after confirmation (with and without the
 * money already spent), partial refunds, corrections, in every arrival order.
 */
const NETWORK = "test-net";
const OFFER = "test-shop-offer";
const T0 = Date.now() - 60_000;

async function userWithClick(label: string) {
  const userId = uniqueUser(label);
  const clickId = `clk_${crypto.randomUUID().replaceAll("-", "")}`;
  await walletStub(userId).recordClicks(userId, [
    {
      clickId,
      offerId: OFFER,
      merchantId: "test-shop",
      networkId: NETWORK,
      clickedAtMs: T0 - 60_000,
      currency: "INR",
      terms: { basis: "sale", defaultRateBps: 500, categoryRates: {} },
      returnWindowDays: 30,
    },
  ]);
  return { userId, clickId };
}

async function eventFor(
  who: { userId: string; clickId: string },
  orderId: string,
  fields: Partial<ConversionEvent>,
): Promise<ConversionEvent> {
  return {
    txnId: await transactionIdFor(NETWORK, orderId),
    postbackId: `pb_${crypto.randomUUID()}`,
    networkId: NETWORK,
    orderId,
    userId: who.userId,
    offerId: OFFER,
    clickId: who.clickId,
    clickAtSec: Math.floor((T0 - 60_000) / 1000),
    status: "pending",
    currency: "INR",
    saleAmountMinor: 100_000,
    commissionMinor: 8_000,
    category: null,
    lineItems: null,
    occurredAtMs: T0,
    updatedAtMs: T0,
    receivedAtMs: Date.now(),
    ...fields,
  };
}

async function apply(userId: string, event: ConversionEvent) {
  return walletStub(userId).applyConversion(event);
}

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

describe("returns and refunds", () => {
  it("a return after network approval claws the cashback back from confirmed", async () => {
    const who = await userWithClick("return");
    await apply(
      who.userId,
      await eventFor(who, "R-1", { status: "approved", updatedAtMs: T0 + 1 }),
    );
    expect(await balances(who.userId)).toEqual({ confirmed: 5_000 });
    const result = await apply(
      who.userId,
      await eventFor(who, "R-1", { status: "cancelled", updatedAtMs: T0 + 2 }),
    );
    expect(result.outcome).toBe("updated");
    expect(await balances(who.userId)).toEqual({ confirmed: 0 });
    const detail = await walletStub(who.userId).getTransaction(result.txn?.txnId ?? "");
    expect(detail?.txn.status).toBe("cancelled");
    expect(detail?.history.map((h) => h.event)).toContain("returned_after_confirmation");
    expect((await walletStub(who.userId).audit()).ok).toBe(true);
  });

  it("a return after the money was spent becomes visible debt, repaid from the next credit", async () => {
    const who = await userWithClick("debt");
    await apply(
      who.userId,
      await eventFor(who, "D-1", { status: "approved", updatedAtMs: T0 + 1 }),
    );
    // The user redeems 4,000 of the 5,000 (payouts move confirmed → paid_out).
    await runInDurableObject(walletStub(who.userId), (_i, state) =>
      state.storage.transactionSync(() =>
        applyPosting(
          state.storage.sql,
          {
            key: "test-payout-1",
            kind: "payout",
            txnId: null,
            legs: [
              { bucket: "confirmed", currency: "INR", amountMinor: -4_000 },
              { bucket: "paid_out", currency: "INR", amountMinor: 4_000 },
            ],
          },
          Date.now(),
        ),
      ),
    );
    await apply(
      who.userId,
      await eventFor(who, "D-1", { status: "cancelled", updatedAtMs: T0 + 2 }),
    );
    expect(await balances(who.userId)).toEqual({ confirmed: 0, paid_out: 4_000, debt: 4_000 });
    expect((await walletStub(who.userId).audit()).ok).toBe(true);

    // The next confirmed cashback (3,000) repays debt first; the rest is spendable.
    await apply(
      who.userId,
      await eventFor(who, "D-2", {
        status: "approved",
        saleAmountMinor: 60_000,
        updatedAtMs: T0 + 3,
      }),
    );
    expect(await balances(who.userId)).toEqual({ confirmed: 0, paid_out: 4_000, debt: 1_000 });
    await apply(
      who.userId,
      await eventFor(who, "D-3", {
        status: "approved",
        saleAmountMinor: 100_000,
        updatedAtMs: T0 + 4,
      }),
    );
    expect(await balances(who.userId)).toEqual({ confirmed: 4_000, paid_out: 4_000, debt: 0 });
    expect((await walletStub(who.userId).audit()).ok).toBe(true);
  });

  it("a partial refund after approval takes back exactly the difference", async () => {
    const who = await userWithClick("partial");
    await apply(
      who.userId,
      await eventFor(who, "P-1", { status: "approved", updatedAtMs: T0 + 1 }),
    );
    await apply(
      who.userId,
      await eventFor(who, "P-1", {
        status: "approved",
        saleAmountMinor: 70_000,
        commissionMinor: 5_600,
        updatedAtMs: T0 + 2,
      }),
    );
    expect(await balances(who.userId)).toEqual({ confirmed: 3_500 });
    const entries = await walletStub(who.userId).listLedger(null, 10);
    expect(entries.map((e) => [e.kind, e.bucket, e.amountMinor])).toEqual([
      ["cashback_adjusted", "confirmed", -1_500],
      ["cashback_confirmed", "confirmed", 5_000],
    ]);
  });

  it("a partial refund while pending lowers pending; the window then confirms the new amount", async () => {
    const who = await userWithClick("partial-pending");
    await apply(who.userId, await eventFor(who, "PP-1", { updatedAtMs: T0 + 1 }));
    await apply(
      who.userId,
      await eventFor(who, "PP-1", { saleAmountMinor: 40_000, updatedAtMs: T0 + 2 }),
    );
    expect(await balances(who.userId)).toEqual({ pending: 2_000 });
    const due = await walletStub(who.userId).runDue(T0 + 31 * 86_400_000);
    expect(due.confirmed).toBe(1);
    expect(await balances(who.userId)).toEqual({ pending: 0, confirmed: 2_000 });
  });

  it("a return after the window confirmed it claws back; a late approval cannot undo the return", async () => {
    const who = await userWithClick("late-return");
    await apply(who.userId, await eventFor(who, "LR-1", { updatedAtMs: T0 + 1 }));
    await walletStub(who.userId).runDue(T0 + 31 * 86_400_000);
    expect(await balances(who.userId)).toEqual({ pending: 0, confirmed: 5_000 });
    await apply(
      who.userId,
      await eventFor(who, "LR-1", { status: "cancelled", updatedAtMs: T0 + 40 * 86_400_000 }),
    );
    expect(await balances(who.userId)).toEqual({ pending: 0, confirmed: 0 });
    const late = await apply(
      who.userId,
      await eventFor(who, "LR-1", { status: "approved", updatedAtMs: T0 + 41 * 86_400_000 }),
    );
    expect(late.outcome).toBe("stale");
    expect(await balances(who.userId)).toEqual({ pending: 0, confirmed: 0 });
  });
});

describe("arrival order does not change the end state", () => {
  const scenarios: Array<{
    label: string;
    events: Array<Partial<ConversionEvent>>;
    want: Record<string, number>;
    status: string;
  }> = [
    {
      label: "sale, approval, partial refund",
      events: [
        { status: "pending", updatedAtMs: T0 + 1 },
        { status: "approved", updatedAtMs: T0 + 2 },
        { status: "approved", saleAmountMinor: 60_000, updatedAtMs: T0 + 3 },
      ],
      want: { pending: 0, confirmed: 3_000 },
      status: "confirmed",
    },
    {
      label: "sale, approval, return",
      events: [
        { status: "pending", updatedAtMs: T0 + 1 },
        { status: "approved", updatedAtMs: T0 + 2 },
        { status: "cancelled", updatedAtMs: T0 + 3 },
      ],
      want: { pending: 0, confirmed: 0 },
      status: "cancelled",
    },
    {
      label: "sale, correction up, correction down",
      events: [
        { status: "pending", updatedAtMs: T0 + 1 },
        { status: "pending", saleAmountMinor: 120_000, updatedAtMs: T0 + 2 },
        { status: "pending", saleAmountMinor: 90_000, updatedAtMs: T0 + 3 },
      ],
      want: { pending: 4_500, confirmed: 0 },
      status: "pending",
    },
  ];

  for (const scenario of scenarios) {
    it(`${scenario.label}: every permutation ends the same`, async () => {
      for (const order of permutations(scenario.events)) {
        const who = await userWithClick("order");
        const orderId = "O-1";
        for (const fields of order) await apply(who.userId, await eventFor(who, orderId, fields));
        const got = await balances(who.userId);
        expect({ pending: got.pending ?? 0, confirmed: got.confirmed ?? 0 }).toEqual(scenario.want);
        const txn = (await walletStub(who.userId).listTransactions(null, 1))[0];
        expect(txn?.status).toBe(scenario.status);
        expect((await walletStub(who.userId).audit()).ok).toBe(true);
        // Replaying the whole history again changes nothing.
        for (const fields of order) await apply(who.userId, await eventFor(who, orderId, fields));
        const again = await balances(who.userId);
        expect({ pending: again.pending ?? 0, confirmed: again.confirmed ?? 0 }).toEqual(
          scenario.want,
        );
      }
    });
  }
});

describe("rejections that are not final", () => {
  it("an order rejected because its click had not arrived is credited once the click is there", async () => {
    const userId = uniqueUser("late-click");
    const clickId = `clk_${crypto.randomUUID().replaceAll("-", "")}`;
    const who = { userId, clickId };
    const old = { clickAtSec: Math.floor((T0 - 3_600_000) / 1000) };
    const first = await apply(userId, await eventFor(who, "LC-1", { ...old, occurredAtMs: T0 }));
    expect(first).toMatchObject({ outcome: "rejected", reason: "click_not_found" });
    expect(first.txn?.cashbackMinor).toBe(0);

    // A claim against the rejected order stays open for review instead of closing as matched.
    await walletStub(userId).recordClicks(userId, [
      {
        clickId,
        offerId: OFFER,
        merchantId: "test-shop",
        networkId: NETWORK,
        clickedAtMs: old.clickAtSec * 1000,
        currency: "INR",
        terms: { basis: "sale", defaultRateBps: 500, categoryRates: {} },
        returnWindowDays: 30,
      },
    ]);
    const claim = await walletStub(userId).fileClaim(userId, {
      claimId: "clm_late_click",
      clickId,
      orderId: "LC-1",
      amountMinor: 100_000,
      currency: "INR",
      purchasedAtMs: T0,
    });
    expect(claim).toMatchObject({ status: "created", claim: { status: "open" } });

    const again = await apply(userId, await eventFor(who, "LC-1", { ...old, occurredAtMs: T0 }));
    expect(again.outcome).toBe("created");
    expect(again.txn?.version).toBe(2);
    expect(await balances(userId)).toEqual({ pending: 5_000 });
    expect((await walletStub(userId).getClaims(5))[0]).toMatchObject({ status: "matched" });
    expect((await walletStub(userId).audit()).violations).toEqual([]);
  });
});

import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import {
  balances,
  clickThrough,
  d1Transaction,
  eventually,
  postbackBody,
  seedCatalog,
  sendPostback,
  uniqueUser,
  waitForClicks,
  walletStub,
} from "./helpers";

const NETWORK = "test-net";
const OFFER = "test-shop-offer";

beforeAll(async () => {
  await seedCatalog();
});

async function clickedUser(label: string) {
  const user = uniqueUser(label);
  const { subId } = await clickThrough(user, OFFER);
  // Wait until the click is in the wallet, so the postback is attributed on first delivery.
  await waitForClicks(user);
  return { user, subId };
}

describe("duplicate postbacks", () => {
  it("the same postback five times in a row credits once; each gets the same 202", async () => {
    const { user, subId } = await clickedUser("dup-seq");
    const body = postbackBody({ order_id: `ORD-${user}`, sub_id: subId });
    for (let i = 0; i < 5; i++) {
      const response = await sendPostback(NETWORK, body);
      expect(response.status).toBe(202);
      expect(await response.json()).toMatchObject({ status: "accepted" });
    }
    await eventually(async () => {
      const { results } = await env.DB.prepare(
        `SELECT COUNT(*) AS n FROM received_postbacks WHERE order_id = ?`,
      )
        .bind(`ORD-${user}`)
        .all<{ n: number }>();
      return results[0]?.n === 5;
    });
    await eventually(async () => (await balances(user)).pending === 5_000);
    const entries = await walletStub(user).listLedger(null, 100);
    expect(entries).toHaveLength(1);
    expect((await walletStub(user).audit()).ok).toBe(true);
  });

  it("the same postback five times concurrently credits once", async () => {
    const { user, subId } = await clickedUser("dup-conc");
    const body = postbackBody({ order_id: `ORD-${user}`, sub_id: subId });
    const responses = await Promise.all(
      Array.from({ length: 5 }, () => sendPostback(NETWORK, body)),
    );
    expect(responses.map((r) => r.status)).toEqual([202, 202, 202, 202, 202]);
    await eventually(async () => (await balances(user)).pending === 5_000);
    // Let any straggling deliveries land, then check nothing was added.
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await walletStub(user).listLedger(null, 100)).toHaveLength(1);
    expect((await balances(user)).pending).toBe(5_000);
  });

  it("concurrent deliveries straight to the wallet object credit once", async () => {
    const { user, subId } = await clickedUser("dup-rpc");
    const { decodeSubId } = await import("#shared/links/sub-id");
    const { transactionIdFor } = await import("#shared/ids");
    const decoded = await decodeSubId(env.SUBID_SIGNING_KEY, subId);
    if (!decoded.ok) throw new Error("bad sub-ID");
    const orderId = `ORD-${user}`;
    const event = {
      txnId: await transactionIdFor(NETWORK, orderId),
      postbackId: "pb_test",
      networkId: NETWORK,
      orderId,
      ...decoded.claims,
      status: "pending" as const,
      currency: "INR",
      saleAmountMinor: 100_000,
      commissionMinor: 8_000,
      category: null,
      lineItems: null,
      occurredAtMs: Date.now(),
      updatedAtMs: null,
      receivedAtMs: Date.now(),
    };
    const results = await Promise.all(
      Array.from({ length: 20 }, () => walletStub(user).applyConversion(event)),
    );
    const outcomes = results.map((r) => r.outcome).sort();
    expect(outcomes.filter((o) => o === "created")).toHaveLength(1);
    expect(outcomes.filter((o) => o === "duplicate")).toHaveLength(19);
    expect((await balances(user)).pending).toBe(5_000);
  });

  it("a later amount for the same order is a correction: adjusted by the difference, never credited twice", async () => {
    const { user, subId } = await clickedUser("dup-amount");
    const orderId = `ORD-${user}`;
    await sendPostback(NETWORK, postbackBody({ order_id: orderId, sub_id: subId }));
    await eventually(async () => (await balances(user)).pending === 5_000);
    const corrected = postbackBody({ order_id: orderId, sub_id: subId, sale_amount_minor: 60_000 });
    await sendPostback(NETWORK, corrected);
    await sendPostback(NETWORK, corrected);
    await eventually(async () => (await balances(user)).pending === 3_000);
    await eventually(
      async () => (await d1Transaction(NETWORK, orderId))?.sale_amount_minor === 60_000,
    );
    await new Promise((r) => setTimeout(r, 1_500));
    const entries = await walletStub(user).listLedger(null, 10);
    expect(entries.map((e) => [e.kind, e.amountMinor])).toEqual([
      ["cashback_adjusted", -2_000],
      ["cashback_pending", 5_000],
    ]);
    expect((await walletStub(user).audit()).ok).toBe(true);
  });
});

describe("projections after duplicates", () => {
  it("a duplicate (which publishes nothing) does not stop later changes reaching D1", async () => {
    const { user, subId } = await clickedUser("dup-then-approve");
    const orderId = `ORD-${user}`;
    const body = postbackBody({ order_id: orderId, sub_id: subId });
    await sendPostback(NETWORK, body);
    await eventually(async () => (await d1Transaction(NETWORK, orderId))?.status === "pending");
    await sendPostback(NETWORK, body);
    await eventually(async () => {
      const row = await env.DB.prepare(
        `SELECT COUNT(*) AS n FROM received_postbacks WHERE order_id = ?`,
      )
        .bind(orderId)
        .first<{ n: number }>();
      return row?.n === 2;
    });
    await sendPostback(
      NETWORK,
      postbackBody({ order_id: orderId, sub_id: subId, status: "approved" }),
    );
    await eventually(async () => (await balances(user)).confirmed === 5_000);
    await eventually(async () => (await d1Transaction(NETWORK, orderId))?.status === "confirmed");
    const projected = await env.DB.prepare(
      `SELECT bucket, balance_minor FROM wallet_balances WHERE user_id = ? ORDER BY bucket`,
    )
      .bind(user)
      .all<{ bucket: string; balance_minor: number }>();
    expect(projected.results).toEqual([
      { bucket: "confirmed", balance_minor: 5_000 },
      { bucket: "pending", balance_minor: 0 },
    ]);
  });
});

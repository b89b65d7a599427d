import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { transactionIdFor } from "#shared/ids";
import type { PostbackMessage } from "#shared/messages";
import { genericAdapter } from "#shared/networks/generic";
import { reconcileNetwork } from "#workers/api/src/features/reconciliation/index";
import apiWorker from "#workers/api/src/index";
import {
  ADMIN_HEADERS,
  adminPut,
  api,
  balances,
  clickThrough,
  d1Transaction,
  eventually,
  NETWORK_SECRET,
  sendPostback,
  uniqueUser,
  waitForClicks,
  walletStub,
} from "./helpers";

/**
 * A conversion pays only for the merchant that was clicked, and one order pays one user
 * (issue 9, item 2), through the real workers: redirect → clicks queue → wallet, postback
 * worker → postbacks queue → consumer → D1 order claims → wallet, and reconciliation.
 * Also item 7's replay rule: a replayed older postback does not undo a newer partial refund.
 */

const STRICT = "bind-strict";
const REPRICE = "bind-reprice";

/** Offers on each network: A pays 10 %, B 2 %; the network reports them as A-ref and B-ref. */
async function seedNetwork(networkId: string, options: Record<string, unknown>) {
  const responses = [
    await adminPut(`/admin/v1/networks/${networkId}`, {
      name: `Binding ${networkId}`,
      trackingTemplate: "https://network.test/track?o={network_offer_ref}&sub={subid}",
      postbackSecret: NETWORK_SECRET,
      options,
    }),
  ];
  for (const [shop, ref, rateBps] of [
    ["a", "A-ref", 1_000],
    ["b", "B-ref", 200],
  ] as const) {
    responses.push(
      await adminPut(`/admin/v1/merchants/${networkId}-shop-${shop}`, {
        networkId,
        name: `Shop ${shop}`,
        landingUrl: `https://shop-${shop}.test/`,
      }),
      await adminPut(`/admin/v1/offers/${networkId}-offer-${shop}`, {
        merchantId: `${networkId}-shop-${shop}`,
        title: `Shop ${shop}`,
        networkOfferRef: ref,
        currency: "INR",
        cashback: { basis: "sale", defaultRateBps: rateBps, categoryRates: {} },
        returnWindowDays: 30,
      }),
    );
  }
  for (const r of responses) {
    if (r.status !== 200) throw new Error(`seed failed: ${r.status} ${await r.text()}`);
  }
}

beforeAll(async () => {
  await seedNetwork(STRICT, {});
  await seedNetwork(REPRICE, { offerMismatch: "reprice" });
});

async function clicked(label: string, networkId: string, shop: "a" | "b" = "a") {
  const user = uniqueUser(label);
  const { subId } = await clickThrough(user, `${networkId}-offer-${shop}`);
  await waitForClicks(user);
  return { user, subId };
}

function body(fields: Record<string, unknown>): string {
  return JSON.stringify({
    status: "pending",
    currency: "INR",
    sale_amount_minor: 10_000,
    commission_minor: 800,
    occurred_at: new Date().toISOString(),
    ...fields,
  });
}

async function post(networkId: string, raw: string, timestampSec?: number): Promise<void> {
  const response = await sendPostback(
    networkId,
    raw,
    timestampSec === undefined ? {} : { timestampSec },
  );
  expect(response.status).toBe(202);
}

/** Reconciles STRICT against a report listing `rows` (generic-format bodies). */
function reconcileRows(rows: unknown[]) {
  return reconcileNetwork(env, {
    adapter: genericAdapter,
    settings: {
      networkId: STRICT,
      postbackSecret: NETWORK_SECRET,
      options: { reportUrl: "https://report.test/conversions" },
    },
    fetcher: async () =>
      new Response(JSON.stringify({ conversions: rows, next_cursor: null }), {
        headers: { "content-type": "application/json" },
      }),
    fromMs: Date.now() - 60_000,
    toMs: Date.now() + 1_000,
  });
}

/** Waits for the D1 projection of an order to reach `status`. */
function projected(networkId: string, orderId: string, status: string) {
  return eventually(async () => {
    const row = await d1Transaction(networkId, orderId);
    return row?.status === status ? row : null;
  });
}

async function adminTransactions(query: string) {
  const response = await api(`/admin/v1/transactions?${query}`, { headers: ADMIN_HEADERS });
  expect(response.status).toBe(200);
  return ((await response.json()) as { items: Array<Record<string, unknown>> }).items;
}

describe("the merchant that was clicked", () => {
  it("a sale reported at the clicked offer's reference is credited at its rate", async () => {
    const { user, subId } = await clicked("bound", STRICT);
    await post(
      STRICT,
      body({ order_id: `ORD-${user}`, sub_id: subId, network_offer_ref: "A-ref" }),
    );
    await eventually(async () => (await balances(user)).pending === 1_000);
  });

  it("a sale reported at another advertiser is rejected offer_mismatch and credits nothing", async () => {
    const { user, subId } = await clicked("mismatch", STRICT);
    const orderId = `ORD-${user}`;
    await post(STRICT, body({ order_id: orderId, sub_id: subId, network_offer_ref: "B-ref" }));
    const row = await projected(STRICT, orderId, "rejected");
    expect(row.reject_reason).toBe("offer_mismatch");
    expect(row.user_id).toBe(user);
    expect(await balances(user)).toEqual({});
    expect(await walletStub(user).listLedger(null, 10)).toHaveLength(0);
    // Where the operator sees every rejection.
    const items = await adminTransactions(`status=rejected&userId=${user}`);
    expect(items.map((i) => [i.orderId, i.rejectReason])).toEqual([[orderId, "offer_mismatch"]]);
    const txn = await walletStub(user).getTransaction(String(row.id));
    const mismatch = txn?.history.find((h) => h.event === "offer_mismatch");
    expect(JSON.parse(mismatch?.detail ?? "{}")).toEqual({
      clickedRef: "A-ref",
      reportedRef: "B-ref",
    });
  });

  it("a sale without a reported reference is credited as before", async () => {
    const { user, subId } = await clicked("no-ref", STRICT);
    await post(STRICT, body({ order_id: `ORD-${user}`, sub_id: subId }));
    await eventually(async () => (await balances(user)).pending === 1_000);
  });

  it("with offerMismatch reprice and an offer for the reported reference, it is paid at that offer's rate", async () => {
    const { user, subId } = await clicked("reprice", REPRICE);
    const orderId = `ORD-${user}`;
    await post(REPRICE, body({ order_id: orderId, sub_id: subId, network_offer_ref: "B-ref" }));
    const row = await projected(REPRICE, orderId, "pending");
    expect(row.offer_id).toBe(`${REPRICE}-offer-b`);
    expect(row.rate_bps).toBe(200);
    expect(row.cashback_minor).toBe(200);
    expect(await balances(user)).toEqual({ pending: 200 });
    const txn = await walletStub(user).getTransaction(String(row.id));
    expect(txn?.history.map((h) => h.event).slice(0, 2)).toEqual(["created", "repriced"]);
    // Later updates follow the repriced terms: a partial refund to 5,000 pays 2 % of it.
    await post(
      REPRICE,
      body({
        order_id: orderId,
        sub_id: subId,
        network_offer_ref: "B-ref",
        sale_amount_minor: 5_000,
        commission_minor: 400,
      }),
    );
    await eventually(async () => (await balances(user)).pending === 100);
  });

  it("with offerMismatch reprice, an offer changed after the click is not priced (its terms then are unknown)", async () => {
    const network = "bind-reprice-edit";
    await seedNetwork(network, { offerMismatch: "reprice" });
    const { user, subId } = await clicked("reprice-edit", network);
    // The operator raises B's rate after the click: the sale cannot be priced as of the click.
    const edited = await adminPut(`/admin/v1/offers/${network}-offer-b`, {
      merchantId: `${network}-shop-b`,
      title: "Shop b",
      networkOfferRef: "B-ref",
      currency: "INR",
      cashback: { basis: "sale", defaultRateBps: 900, categoryRates: {} },
      returnWindowDays: 30,
    });
    expect(edited.status).toBe(200);
    const orderId = `ORD-${user}`;
    await post(network, body({ order_id: orderId, sub_id: subId, network_offer_ref: "B-ref" }));
    const row = await projected(network, orderId, "rejected");
    expect(row.reject_reason).toBe("offer_mismatch");
    expect(await balances(user)).toEqual({});
  });

  it("with offerMismatch reprice but no offer for the reported reference, it is rejected", async () => {
    const { user, subId } = await clicked("reprice-none", REPRICE);
    const orderId = `ORD-${user}`;
    await post(REPRICE, body({ order_id: orderId, sub_id: subId, network_offer_ref: "Z-ref" }));
    const row = await projected(REPRICE, orderId, "rejected");
    expect(row.reject_reason).toBe("offer_mismatch");
    expect(await balances(user)).toEqual({});
  });
});

describe("one order, one user", () => {
  it("the same order id with two users' sub-IDs credits only the first; the second is duplicate_order", async () => {
    const first = await clicked("owner", STRICT);
    const second = await clicked("second", STRICT);
    const orderId = `ORD-shared-${first.user}`;
    await post(STRICT, body({ order_id: orderId, sub_id: first.subId }));
    await eventually(async () => (await balances(first.user)).pending === 1_000);
    await post(STRICT, body({ order_id: orderId, sub_id: second.subId }));

    const duplicate = await eventually(async () => {
      const items = await adminTransactions(`status=rejected&userId=${second.user}`);
      return items.length > 0 ? items : null;
    });
    expect(duplicate.map((i) => [i.orderId, i.rejectReason, i.networkId])).toEqual([
      [orderId, "duplicate_order", STRICT],
    ]);
    expect(await balances(second.user)).toEqual({});
    expect(await balances(first.user)).toEqual({ pending: 1_000 });
    // The owner's transaction is untouched: same id, same user, still pending.
    const owner = await d1Transaction(STRICT, orderId);
    expect(owner?.id).toBe(await transactionIdFor(STRICT, orderId));
    // Both rows are listed for the order; only the owner's holds money.
    const rows = await env.DB.prepare(
      `SELECT user_id, status, reject_reason FROM transactions WHERE network_id = ? AND order_id = ? ORDER BY status`,
    )
      .bind(STRICT, orderId)
      .all();
    expect(rows.results).toEqual([
      { user_id: first.user, status: "pending", reject_reason: null },
      { user_id: second.user, status: "rejected", reject_reason: "duplicate_order" },
    ]);

    // A status update carrying the second user's sub-ID cannot move the owner's order.
    await post(STRICT, body({ order_id: orderId, sub_id: second.subId, status: "cancelled" }));
    await new Promise((r) => setTimeout(r, 500));
    expect(await balances(first.user)).toEqual({ pending: 1_000 });
  });

  it("redelivering the same messages credits nothing twice and records one duplicate", async () => {
    const first = await clicked("redeliver-a", STRICT);
    const second = await clicked("redeliver-b", STRICT);
    const orderId = `ORD-redeliver-${first.user}`;
    const message = (postbackId: string, subId: string): PostbackMessage => ({
      kind: "postback",
      postbackId,
      networkId: STRICT,
      receivedAtMs: Date.now(),
      verdict: "accepted",
      rejectReason: null,
      rawBody: body({ order_id: orderId, sub_id: subId }),
      signatureHeader: null,
      sourceIp: null,
    });
    const bodies = [
      message(`pb_bind_${first.user}_1`, first.subId),
      message(`pb_bind_${first.user}_2`, second.subId),
    ];
    for (const attempts of [1, 2, 3]) {
      const batch = createMessageBatch<PostbackMessage>(
        "boomerang-postbacks",
        bodies.map((b, i) => ({ id: `m${i}`, timestamp: new Date(), attempts, body: b })),
      );
      const ctx = createExecutionContext();
      await apiWorker.queue(batch, env, ctx);
      const result = await getQueueResult(batch, ctx);
      expect(result.retryMessages).toEqual([]);
      expect(result.explicitAcks.sort()).toEqual(["m0", "m1"]);
    }
    expect(await balances(first.user)).toEqual({ pending: 1_000 });
    expect(await walletStub(first.user).listLedger(null, 10)).toHaveLength(1);
    expect(await balances(second.user)).toEqual({});
    const rows = await env.DB.prepare(
      `SELECT COUNT(*) AS n FROM transactions WHERE network_id = ? AND order_id = ? AND reject_reason = 'duplicate_order'`,
    )
      .bind(STRICT, orderId)
      .first<{ n: number }>();
    expect(rows?.n).toBe(1);
  });
});

describe("replay ordering without updated_at", () => {
  it("pending 10,000 → partial refund 6,000 → replay of the 10,000 postback: cashback stays on 6,000", async () => {
    const { user, subId } = await clicked("replay", STRICT);
    const orderId = `ORD-${user}`;
    const original = body({ order_id: orderId, sub_id: subId });
    const originalSentAt = Math.floor(Date.now() / 1000);
    await post(STRICT, original, originalSentAt);
    await eventually(async () => (await balances(user)).pending === 1_000);

    await post(
      STRICT,
      body({ order_id: orderId, sub_id: subId, sale_amount_minor: 6_000, commission_minor: 480 }),
    );
    await eventually(async () => (await balances(user)).pending === 600);

    // The captured original, byte for byte with its signature, inside the ±5 min window.
    await post(STRICT, original, originalSentAt);
    const txnId = await transactionIdFor(STRICT, orderId);
    await eventually(async () => {
      const txn = await walletStub(user).getTransaction(txnId);
      return txn?.history.some((h) => h.event === "stale") ?? false;
    });
    expect(await balances(user)).toEqual({ pending: 600 });
    const txn = await walletStub(user).getTransaction(txnId);
    expect(txn?.txn.saleAmountMinor).toBe(6_000);
    expect(txn?.txn.cashbackMinor).toBe(600);
    expect((await walletStub(user).audit()).ok).toBe(true);
  });
});

describe("reconciliation recovers orders through the same checks", () => {
  it("a report's far-future update time does not hold the order's later corrections as stale", async () => {
    const { user, subId } = await clicked("recon-future", STRICT);
    const orderId = `ORD-future-${user}`;
    const inTwoDays = new Date(Date.now() + 2 * 86_400_000).toISOString();
    const rows = [JSON.parse(body({ order_id: orderId, sub_id: subId, updated_at: inTwoDays }))];
    await reconcileRows(rows);
    await eventually(async () => (await balances(user)).pending === 1_000);

    // A partial refund, timed now: newer than the report in truth, older than its claimed time.
    const refund = { order_id: orderId, sub_id: subId, sale_amount_minor: 6_000 };
    await post(STRICT, body({ ...refund, updated_at: new Date().toISOString() }));
    await eventually(async () => (await balances(user)).pending === 600);
    expect((await walletStub(user).audit()).ok).toBe(true);
  });

  it("a lost order at another advertiser is offer_mismatch; another user's copy of an owned order is duplicate_order", async () => {
    const owner = await clicked("recon-owner", STRICT);
    const other = await clicked("recon-other", STRICT);
    const mismatched = await clicked("recon-mismatch", STRICT);
    const ownedOrder = `ORD-recon-${owner.user}`;
    await post(STRICT, body({ order_id: ownedOrder, sub_id: owner.subId }));
    await eventually(async () => (await balances(owner.user)).pending === 1_000);

    const at = new Date().toISOString();
    const rows = [
      // The network lists the owned order again under the other user's sub-ID.
      JSON.parse(body({ order_id: ownedOrder, sub_id: other.subId, sale_amount_minor: 9_000 })),
      // A sale never posted back, at shop B although shop A was clicked.
      JSON.parse(
        body({
          order_id: `ORD-recon-${mismatched.user}`,
          sub_id: mismatched.subId,
          network_offer_ref: "B-ref",
          occurred_at: at,
        }),
      ),
    ];
    const summary = await reconcileRows(rows);
    const byOrder = Object.fromEntries(summary.items.map((i) => [i.orderId, i]));
    expect(byOrder[ownedOrder]?.outcome).toBe("rejected");
    expect(byOrder[ownedOrder]?.detail).toContain("duplicate_order");
    expect(byOrder[`ORD-recon-${mismatched.user}`]?.outcome).toBe("rejected");
    expect(byOrder[`ORD-recon-${mismatched.user}`]?.detail).toContain("offer_mismatch");

    expect(await balances(owner.user)).toEqual({ pending: 1_000 });
    expect(await balances(other.user)).toEqual({});
    expect(await balances(mismatched.user)).toEqual({});
    const duplicates = await adminTransactions(`status=rejected&userId=${other.user}`);
    expect(duplicates.map((i) => i.rejectReason)).toEqual(["duplicate_order"]);
  });
});

import { afterEach, describe, expect, it, vi } from "vitest";
import { SandboxNetwork } from "#dev/sandbox-network/engine/index";
import { transactionIdFor } from "#shared/ids";
import { feedRecordId } from "#shared/networks/feeds/feed-ids";
import {
  ADMIN_HEADERS,
  adminPut,
  api,
  balances,
  clickThrough,
  d1Transaction,
  eventually,
  NETWORK_SECRET,
  postbackBody,
  sendPostback,
  uniqueUser,
  userGet,
  waitForClicks,
  walletStub,
} from "./helpers";

/**
 * Confirmation policies end to end: the offer and network are configured through the admin
 * API, the user clicks through the redirect worker, the network posts back through the
 * postback worker, time passes through the operator's clock override (the backstop's `asOf`,
 * and the wallet's own schedule run as its alarm would), and the user API shows what the
 * policy promises.
 */

const DAY_MS = 86_400_000;
const CASHBACK = 5_000; // 5% of 1,000.00

interface UserTxn {
  id: string;
  status: string;
  cashbackMinor: number;
  expectedConfirmationAt: string | null;
  awaitingNetworkApproval: boolean;
}

async function putNetwork(id: string, options: Record<string, unknown> = {}) {
  const response = await adminPut(`/admin/v1/networks/${id}`, {
    name: `Policy network ${id}`,
    trackingTemplate: "https://policy.test/t?o={network_offer_ref}&sub={subid}&url={landing_url}",
    postbackSecret: NETWORK_SECRET,
    options,
  });
  expect(response.status).toBe(200);
}

async function putOffer(
  networkId: string,
  offerId: string,
  fields: { confirmationPolicy?: string | null; returnWindowDays?: number } = {},
) {
  const merchant = await adminPut(`/admin/v1/merchants/${networkId}-shop`, {
    networkId,
    name: "Policy Shop",
    landingUrl: "https://policy-shop.test/",
  });
  expect(merchant.status).toBe(200);
  const response = await adminPut(`/admin/v1/offers/${offerId}`, {
    merchantId: `${networkId}-shop`,
    title: "5% cashback",
    currency: "INR",
    cashback: { basis: "sale", defaultRateBps: 500, categoryRates: {} },
    returnWindowDays: fields.returnWindowDays ?? 30,
    ...(fields.confirmationPolicy === undefined
      ? {}
      : { confirmationPolicy: fields.confirmationPolicy }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

/** Click, then a pending postback; waits until the wallet holds it and D1 projects it. */
async function pendingPurchase(networkId: string, offerId: string, label: string) {
  const user = uniqueUser(label);
  const { subId } = await clickThrough(user, offerId);
  await waitForClicks(user);
  const orderId = `ORD-${user}`;
  const response = await sendPostback(
    networkId,
    postbackBody({ order_id: orderId, sub_id: subId, sale_amount_minor: 100_000 }),
  );
  expect(response.status).toBe(202);
  await eventually(async () => (await balances(user)).pending === CASHBACK);
  await eventually(async () => (await d1Transaction(networkId, orderId))?.status === "pending");
  return { user, subId, orderId };
}

async function approve(networkId: string, p: { subId: string; orderId: string }) {
  const response = await sendPostback(
    networkId,
    postbackBody({ order_id: p.orderId, sub_id: p.subId, status: "approved" }),
  );
  expect(response.status).toBe(202);
}

async function userTxn(user: string): Promise<UserTxn> {
  const response = await userGet(user, "/v1/me/transactions");
  expect(response.status).toBe(200);
  const body = (await response.json()) as { items: UserTxn[] };
  expect(body.items).toHaveLength(1);
  return body.items[0] as UserTxn;
}

/** The cron backstop with the operator's clock override, then the user's own alarm work. */
async function timePasses(user: string, days: number) {
  const asOfMs = Date.now() + days * DAY_MS;
  const response = await api("/admin/v1/confirmations/run", {
    method: "POST",
    headers: ADMIN_HEADERS,
    body: JSON.stringify({ asOf: new Date(asOfMs).toISOString() }),
  });
  expect(response.status).toBe(200);
  // What the wallet's alarm does when the window's end comes (the backstop only visits
  // transactions a date confirms; the window passing under network_approval moves no money).
  await walletStub(user).runDue(asOfMs);
}

/** Lets in-flight queue deliveries land before asserting nothing changed. */
const settle = () => new Promise((r) => setTimeout(r, 1_500));

afterEach(() => {
  vi.restoreAllMocks();
});

describe("confirmation policy: return_window (operator offers' default)", () => {
  const NET = "pol-rw";
  const OFFER = "pol-rw-offer";

  it("confirms when the return window passes, without the network's approval", async () => {
    await putNetwork(NET);
    const offer = await putOffer(NET, OFFER);
    expect(offer).toMatchObject({ confirmationPolicy: null, origin: "operator" });
    const p = await pendingPurchase(NET, OFFER, "rw");
    const before = await userTxn(p.user);
    expect(before).toMatchObject({ status: "pending", awaitingNetworkApproval: false });
    expect(Date.parse(before.expectedConfirmationAt ?? "")).toBeGreaterThan(
      Date.now() + 29 * DAY_MS,
    );

    await timePasses(p.user, 31);
    await eventually(async () => (await balances(p.user)).confirmed === CASHBACK);
    expect((await userTxn(p.user)).status).toBe("confirmed");
  });
});

describe("confirmation policy: network_approval", () => {
  const NET = "pol-na";
  const OFFER = "pol-na-offer";

  it("the window passing only makes it await the network; the approval confirms", async () => {
    await putNetwork(NET);
    const offer = await putOffer(NET, OFFER, { confirmationPolicy: "network_approval" });
    expect(offer).toMatchObject({ confirmationPolicy: "network_approval" });
    const p = await pendingPurchase(NET, OFFER, "na");
    expect(await userTxn(p.user)).toMatchObject({
      status: "pending",
      expectedConfirmationAt: null,
      awaitingNetworkApproval: true,
    });
    expect((await d1Transaction(NET, p.orderId))?.expected_confirm_at_ms).toBeNull();

    await timePasses(p.user, 31);
    await settle();
    expect(await balances(p.user)).toMatchObject({ pending: CASHBACK });
    expect((await balances(p.user)).confirmed ?? 0).toBe(0);
    expect(await userTxn(p.user)).toMatchObject({
      status: "pending",
      awaitingNetworkApproval: true,
    });
    const read = await walletStub(p.user).getTransaction(await transactionIdFor(NET, p.orderId));
    expect(JSON.stringify(read?.history)).toContain("awaiting_network");

    await approve(NET, p);
    await eventually(async () => (await balances(p.user)).confirmed === CASHBACK);
    expect(await userTxn(p.user)).toMatchObject({
      status: "confirmed",
      awaitingNetworkApproval: false,
    });
    expect((await walletStub(p.user).audit()).ok).toBe(true);
  });

  it("a return window of 0 days cannot confirm before the network approves", async () => {
    const offerId = `${OFFER}-zero`;
    await putOffer(NET, offerId, { confirmationPolicy: "network_approval", returnWindowDays: 0 });
    const p = await pendingPurchase(NET, offerId, "na0");
    await timePasses(p.user, 0);
    await settle();
    expect((await balances(p.user)).confirmed ?? 0).toBe(0);
    expect((await userTxn(p.user)).awaitingNetworkApproval).toBe(true);
    await approve(NET, p);
    await eventually(async () => (await balances(p.user)).confirmed === CASHBACK);
  });

  it("a reconciliation report's approval confirms through the same wallet path", async () => {
    const p = await pendingPurchase(NET, OFFER, "na-recon");
    const txnId = await transactionIdFor(NET, p.orderId);
    const stored = await walletStub(p.user).listTransactions(null, 1);
    const txn = stored[0];
    if (!txn?.clickId || !txn.offerId) throw new Error("no transaction");
    const result = await walletStub(p.user).applyConversion({
      txnId,
      postbackId: "recon:run_test",
      source: "reconciliation",
      networkId: NET,
      orderId: p.orderId,
      userId: p.user,
      offerId: txn.offerId,
      clickId: txn.clickId,
      clickAtSec: Math.floor((txn.clickedAtMs ?? 0) / 1000),
      status: "approved",
      currency: "INR",
      saleAmountMinor: txn.saleAmountMinor,
      commissionMinor: txn.commissionMinor,
      category: null,
      lineItems: null,
      occurredAtMs: txn.convertedAtMs,
      updatedAtMs: Date.now(),
      receivedAtMs: Date.now(),
    });
    expect(result.outcome).toBe("updated");
    expect(result.txn?.status).toBe("confirmed");
  });
});

describe("confirmation policy: a report's approval is the network's approval", () => {
  const NET = "pol-na-report";
  const OFFER = "pol-na-report-offer";

  it("reconciliation reading the order approved in the network's report confirms it", async () => {
    await putNetwork(NET, { reportUrl: "https://report.policy.test/conversions" });
    await putOffer(NET, OFFER, { confirmationPolicy: "network_approval" });
    const p = await pendingPurchase(NET, OFFER, "na-report");
    await timePasses(p.user, 31);
    await settle();
    expect((await userTxn(p.user)).awaitingNetworkApproval).toBe(true);

    // The network's report API (the generic report shape) says the order is approved.
    vi.spyOn(globalThis, "fetch").mockImplementation(async () =>
      Response.json({
        conversions: [
          JSON.parse(postbackBody({ order_id: p.orderId, sub_id: p.subId, status: "approved" })),
        ],
        next_cursor: null,
      }),
    );
    const response = await api(`/admin/v1/networks/${NET}/reconcile`, {
      method: "POST",
      headers: ADMIN_HEADERS,
      body: "{}",
    });
    expect(response.status).toBe(200);
    const run = (await response.json()) as { runId: string; counts: Record<string, number> };
    expect(run.runId).toMatch(/^\w+_/);
    await eventually(async () => (await balances(p.user)).confirmed === CASHBACK);
    expect(await userTxn(p.user)).toMatchObject({
      status: "confirmed",
      awaitingNetworkApproval: false,
    });
  });
});

describe("confirmation policy: both (the later of approval and the window)", () => {
  const NET = "pol-both";
  const OFFER = "pol-both-offer";

  it("approved inside the window: confirms at the window's end, which becomes the date", async () => {
    await putNetwork(NET);
    await putOffer(NET, OFFER, { confirmationPolicy: "both" });
    const p = await pendingPurchase(NET, OFFER, "both-early");
    expect(await userTxn(p.user)).toMatchObject({
      expectedConfirmationAt: null,
      awaitingNetworkApproval: true,
    });

    await approve(NET, p);
    const dated = await eventually(async () => {
      const t = await userTxn(p.user);
      return t.expectedConfirmationAt !== null ? t : null;
    });
    expect(dated).toMatchObject({ status: "pending", awaitingNetworkApproval: false });
    expect(Date.parse(dated.expectedConfirmationAt ?? "")).toBeGreaterThan(
      Date.now() + 29 * DAY_MS,
    );
    expect((await balances(p.user)).confirmed ?? 0).toBe(0);

    await eventually(async () => (await d1Transaction(NET, p.orderId))?.expected_confirm_at_ms);
    await timePasses(p.user, 31);
    await eventually(async () => (await balances(p.user)).confirmed === CASHBACK);
  });

  it("window passed first: it awaits the network, and the approval confirms at once", async () => {
    const p = await pendingPurchase(NET, OFFER, "both-late");
    await timePasses(p.user, 31);
    await settle();
    expect((await balances(p.user)).confirmed ?? 0).toBe(0);
    expect((await userTxn(p.user)).awaitingNetworkApproval).toBe(true);

    await approve(NET, p);
    await eventually(async () => (await balances(p.user)).confirmed === CASHBACK);
  });
});

describe("confirmation policy: inherited from the network, frozen into the click", () => {
  const NET = "pol-inherit";
  const OFFER = "pol-inherit-offer";

  it("an offer without its own policy follows the network's option", async () => {
    await putNetwork(NET, { confirmationPolicy: "network_approval" });
    await putOffer(NET, OFFER);
    const p = await pendingPurchase(NET, OFFER, "inherit");
    expect((await userTxn(p.user)).awaitingNetworkApproval).toBe(true);
  });

  it("a policy changed after the click applies to later clicks only", async () => {
    const offerId = `${OFFER}-change`;
    await putOffer(NET, offerId, { confirmationPolicy: "return_window" });
    const early = await pendingPurchase(NET, offerId, "before-change");
    await putOffer(NET, offerId, { confirmationPolicy: "network_approval" });
    const late = await pendingPurchase(NET, offerId, "after-change");

    expect((await userTxn(early.user)).awaitingNetworkApproval).toBe(false);
    expect((await userTxn(late.user)).awaitingNetworkApproval).toBe(true);
    await timePasses(early.user, 31);
    await timePasses(late.user, 31);
    await eventually(async () => (await balances(early.user)).confirmed === CASHBACK);
    expect((await balances(late.user)).confirmed ?? 0).toBe(0);
  });

  it("the offer API refuses a policy that does not exist", async () => {
    const response = await adminPut(`/admin/v1/offers/${OFFER}-bad`, {
      merchantId: `${NET}-shop`,
      title: "x",
      currency: "INR",
      cashback: { basis: "sale", defaultRateBps: 500, categoryRates: {} },
      returnWindowDays: 30,
      confirmationPolicy: "whenever",
    });
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { errors: Array<{ path: string }> };
    expect(problem.errors.map((e) => e.path)).toContain("confirmationPolicy");
  });
});

describe("confirmation policy: feed-synced offers default to network_approval", () => {
  const NET = "pol-feed";

  it("merchant sync creates offers that confirm only on the network's approval", async () => {
    const sandbox = new SandboxNetwork({ networkId: NET, postbackSecret: NETWORK_SECRET, seed: 3 });
    vi.spyOn(globalThis, "fetch").mockImplementation((input, init) =>
      sandbox.handle(new Request(input as RequestInfo, init)),
    );
    await putNetwork(NET, { feedUrl: "https://sandbox.test/feed" });
    const run = await api(`/admin/v1/networks/${NET}/sync`, {
      method: "POST",
      headers: ADMIN_HEADERS,
    });
    expect(run.status).toBe(200);
    expect(await run.json()).toMatchObject({ status: "succeeded" });
    vi.restoreAllMocks();

    const offerId = await feedRecordId(NET, "sbx-stylehub", "sbx-2001");
    const offer = await api(`/admin/v1/offers/${offerId}`, { headers: ADMIN_HEADERS });
    expect(await offer.json()).toMatchObject({ origin: "feed", confirmationPolicy: null });

    const user = uniqueUser("feed");
    const { subId } = await clickThrough(user, offerId);
    await waitForClicks(user);
    const orderId = `ORD-${user}`;
    await sendPostback(NET, postbackBody({ order_id: orderId, sub_id: subId }));
    await eventually(async () => (await balances(user)).pending === 10_000); // 10% of 1,000.00
    expect(await userTxn(user)).toMatchObject({
      expectedConfirmationAt: null,
      awaitingNetworkApproval: true,
    });
    await timePasses(user, 31);
    await settle();
    expect((await balances(user)).confirmed ?? 0).toBe(0);
    await approve(NET, { subId, orderId });
    await eventually(async () => (await balances(user)).confirmed === 10_000);
  });
});

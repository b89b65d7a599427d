import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { sign } from "hono/jwt";
import { beforeAll, describe, expect, it } from "vitest";
import { budgetFor } from "#durable-objects/budget/index";
import { budgetOf } from "#durable-objects/campaign-budget/index";
import { InjectedFault, installFaultInjector } from "#durable-objects/shared/faults";
import type { ConversionEvent, StoredClick } from "#durable-objects/wallet/index";
import { campaignBudgetKey } from "#shared/campaigns/campaign-rule";
import { transactionIdFor } from "#shared/ids";
import type { BoostSnapshot } from "#shared/money/boost";
import { type BoostedShop, pendingConversion, storeBoostedClick } from "./boosted-orders";
import {
  ADMIN_HEADERS,
  adminPut,
  api,
  balances,
  clickThrough,
  eventually,
  followLink,
  postbackBody,
  seedCatalog,
  sendPostback,
  uniqueUser,
  waitForClicks,
  walletStub,
} from "./helpers";

/**
 * Campaign boosts end to end: the admin API, the click-time snapshot through the redirect,
 * the wallet's two-step grant against the campaign's budget object, and the budget cap under
 * concurrent conversions from many users.
 */
const NETWORK = "boost-net";
const MERCHANT = "boost-shop";
const BASE_OFFER = "boost-offer";
/** Base cashback on every offer here: 5% of the sale. */
const BASE_RATE_BPS = 500;

beforeAll(async () => {
  await seedCatalog({
    networkId: NETWORK,
    merchantId: MERCHANT,
    offerId: BASE_OFFER,
    defaultRateBps: BASE_RATE_BPS,
    categoryRates: {},
  });
});

let offerCounter = 0;
/** A fresh offer on the test merchant, so each test's campaigns boost only its own clicks. */
async function newOffer(label: string): Promise<string> {
  offerCounter++;
  const offerId = `${label}-${offerCounter}`;
  const response = await adminPut(`/admin/v1/offers/${offerId}`, {
    merchantId: MERCHANT,
    title: `Offer ${offerId}`,
    currency: "INR",
    cashback: { basis: "sale", defaultRateBps: BASE_RATE_BPS, categoryRates: {} },
    returnWindowDays: 30,
  });
  expect(response.status).toBe(200);
  return offerId;
}

interface CampaignBody {
  name?: string;
  offerId?: string | null;
  merchantId?: string | null;
  boostRateBps?: number;
  budgetMinor?: number;
  currency?: string;
  startsAt?: string | null;
  endsAt?: string | null;
  category?: string | null;
  userSegment?: string | null;
  active?: boolean;
}

function putCampaign(id: string, body: CampaignBody): Promise<Response> {
  return adminPut(`/admin/v1/campaigns/${id}`, {
    name: `Campaign ${id}`,
    boostRateBps: 200,
    currency: "INR",
    budgetMinor: 1_000_000,
    ...body,
  });
}

async function createCampaign(id: string, body: CampaignBody): Promise<void> {
  const response = await putCampaign(id, body);
  if (response.status !== 200) throw new Error(`campaign ${id}: ${await response.text()}`);
}

interface BudgetView {
  budgetMinor: number;
  desiredMinor: number;
  grantedMinor: number;
  remainingMinor: number;
  grantedTotalMinor: number;
  releasedMinor: number;
  reservations: number;
  partialReservations: number;
}

/** The campaign's budget object: its rule's campaign/lifetime budget. */
const campaignBudget = (campaignId: string) => budgetFor(env, campaignBudgetKey(campaignId));

async function budget(campaignId: string): Promise<BudgetView> {
  const response = await api(`/admin/v1/campaigns/${campaignId}/budget`, {
    headers: ADMIN_HEADERS,
  });
  expect(response.status).toBe(200);
  return (await response.json()) as BudgetView;
}

/** The boosts the user's one click froze, as the wallet stored them. */
async function frozenBoosts(userId: string): Promise<BoostSnapshot[]> {
  return runInDurableObject(walletStub(userId), (_i, state) => {
    const row = state.storage.sql
      .exec<{ boosts_json: string | null }>(`SELECT boosts_json FROM clicks`)
      .one();
    return row.boosts_json ? (JSON.parse(row.boosts_json) as BoostSnapshot[]) : [];
  });
}

const SHOP: BoostedShop = { networkId: NETWORK, merchantId: MERCHANT, baseRateBps: BASE_RATE_BPS };

/** A user whose wallet holds one click on `offerId` with the given boosts frozen into it. */
function userWithClick(label: string, offerId: string, boosts: BoostSnapshot[]) {
  return storeBoostedClick(SHOP, uniqueUser(label), offerId, boosts);
}

/** A pending conversion of 1,000.00 (commission 80.00). */
function conversion(
  who: { userId: string; click: StoredClick },
  orderId: string,
  fields: Partial<ConversionEvent> = {},
): Promise<ConversionEvent> {
  return pendingConversion(
    SHOP,
    who,
    orderId,
    { saleAmountMinor: 100_000, commissionMinor: 8_000 },
    fields,
  );
}

async function expectAuditClean(userId: string): Promise<void> {
  expect(await walletStub(userId).audit()).toEqual({ ok: true, violations: [] });
}

async function transactionsOf(userId: string, segments?: string[]) {
  const response = await api("/v1/me/transactions", {
    headers: { authorization: `Bearer ${await userJwt(userId, segments)}` },
  });
  return (
    (await response.json()) as {
      items: Array<{
        orderId: string;
        status: string;
        cashbackMinor: number;
        boostMinor: number;
        boostRequestedMinor: number;
      }>;
    }
  ).items;
}

async function userJwt(userId: string, segments?: string[]): Promise<string> {
  return sign(
    { sub: userId, exp: Math.floor(Date.now() / 1000) + 600, ...(segments ? { segments } : {}) },
    env.USER_JWT_SECRET,
    "HS256",
  );
}

/** The user's offer list entry for `offerId`, with its tracking link and live boosts. */
async function listedOffer(userId: string, offerId: string, segments?: string[]) {
  const response = await api("/v1/offers?limit=200", {
    headers: { authorization: `Bearer ${await userJwt(userId, segments)}` },
  });
  const body = (await response.json()) as {
    items: Array<{
      id: string;
      trackingUrl: string;
      boosts: Array<{ campaignId: string; boostRateBps: number }>;
    }>;
  };
  const offer = body.items.find((o) => o.id === offerId);
  if (!offer) throw new Error(`offer ${offerId} not listed`);
  return offer;
}

/** Click through the redirect as `userId` (with optional segments), then convert by postback. */
async function clickAndBuy(
  userId: string,
  offerId: string,
  options: { segments?: string[]; saleAmountMinor?: number } = {},
): Promise<string> {
  const offer = await listedOffer(userId, offerId, options.segments);
  const response = await followLink(offer.trackingUrl);
  expect(response.status).toBe(302);
  const subId = new URL(response.headers.get("location") ?? "").searchParams.get("sub") ?? "";
  await waitForClicks(userId);
  const orderId = `ORD-${userId}`;
  const sent = await sendPostback(
    NETWORK,
    postbackBody({
      order_id: orderId,
      sub_id: subId,
      sale_amount_minor: options.saleAmountMinor ?? 100_000,
    }),
  );
  expect(sent.status).toBe(202);
  return orderId;
}

describe("admin campaigns API", () => {
  it("upserts, reads and lists campaigns; validates the target", async () => {
    const offerId = await newOffer("admin");
    const put = await putCampaign("admin-camp", { offerId, boostRateBps: 150 });
    expect(put.status).toBe(200);
    const body = (await put.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      id: "admin-camp",
      offerId,
      merchantId: null,
      boostRateBps: 150,
      budgetMinor: 1_000_000,
      active: true,
      category: null,
      userSegment: null,
    });
    const again = await putCampaign("admin-camp", { offerId, boostRateBps: 150 });
    expect({ ...((await again.json()) as object), updatedAt: null }).toEqual({
      ...body,
      updatedAt: null,
    });
    const read = await api("/admin/v1/campaigns/admin-camp", { headers: ADMIN_HEADERS });
    expect(read.status).toBe(200);
    const list = (await (await api("/admin/v1/campaigns", { headers: ADMIN_HEADERS })).json()) as {
      items: Array<{ id: string }>;
    };
    expect(list.items.map((c) => c.id)).toContain("admin-camp");
    expect(await budget("admin-camp")).toMatchObject({
      budgetMinor: 1_000_000,
      grantedMinor: 0,
      remainingMinor: 1_000_000,
      reservations: 0,
    });

    const bad = [
      { body: { boostRateBps: 100 }, path: "offerId" }, // no target: site-wide is refused
      { body: { offerId: "no-such-offer" }, path: "offerId" },
      { body: { merchantId: "no-such-shop" }, path: "merchantId" },
      { body: { offerId, currency: "USD" }, path: "currency" },
      { body: { offerId, merchantId: "other-shop" }, path: "merchantId" },
      { body: { offerId, boostRateBps: 0 }, path: "boostRateBps" },
      { body: { offerId, userSegment: "Not A Slug" }, path: "userSegment" },
      {
        body: { offerId, startsAt: "2030-01-02T00:00:00Z", endsAt: "2030-01-01T00:00:00Z" },
        path: "endsAt",
      },
    ];
    for (const { body: input, path } of bad) {
      const response = await putCampaign("admin-bad", input);
      expect(response.status, JSON.stringify(input)).toBe(400);
      const problem = (await response.json()) as { errors?: Array<{ path: string }> };
      expect(problem.errors?.map((e) => e.path)).toContain(path);
    }
    const doc = (await (await api("/openapi.json")).json()) as {
      paths: Record<string, unknown>;
      components: { schemas: Record<string, unknown> };
    };
    expect(doc.paths["/admin/v1/campaigns/{id}"]).toBeDefined();
    expect(doc.paths["/admin/v1/campaigns/{id}/budget"]).toBeDefined();
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining(["CampaignInput", "Campaign", "CampaignBudget"]),
    );

    const missing = await api("/admin/v1/campaigns/admin-bad", { headers: ADMIN_HEADERS });
    expect(missing.status).toBe(404);
    const missingBudget = await api("/admin/v1/campaigns/admin-bad/budget", {
      headers: ADMIN_HEADERS,
    });
    expect(missingBudget.status).toBe(404);
  });

  it("refuses to lower the budget below what is already granted", async () => {
    const offerId = await newOffer("lower");
    await createCampaign("lower-camp", { offerId, budgetMinor: 5_000 });
    const who = await userWithClick("lower", offerId, [
      { campaignId: "lower-camp", boostRateBps: 200, category: null },
    ]);
    await walletStub(who.userId).applyConversion(await conversion(who, "LOWER-1"));
    expect((await budget("lower-camp")).grantedMinor).toBe(2_000);

    const refused = await putCampaign("lower-camp", { offerId, budgetMinor: 1_999 });
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { code: string }).code).toBe("conflict");
    expect((await budget("lower-camp")).budgetMinor).toBe(5_000);
    // Down to exactly what is granted is allowed: nothing more will be granted.
    expect((await putCampaign("lower-camp", { offerId, budgetMinor: 2_000 })).status).toBe(200);
    expect(await budget("lower-camp")).toMatchObject({ budgetMinor: 2_000, remainingMinor: 0 });
  });
});

describe("the budget object", () => {
  const request = (txnId: string, desiredMinor: number, seq = 1) => ({
    campaignId: "direct-camp",
    txnId,
    userId: "u-direct",
    currency: "INR",
    desiredMinor,
    seq,
  });

  it("answers reserve, repeat, stale, release and misconfiguration as documented", async () => {
    const stub = budgetOf(env, "direct-camp");
    expect((await stub.reserve(request("t1", 500))).status).toBe("not_configured");
    expect(await stub.totals()).toBeNull();
    const configured = await stub.configure({
      campaignId: "direct-camp",
      currency: "INR",
      budgetMinor: 1_000,
    });
    expect(configured.status).toBe("ok");

    expect(await stub.reserve(request("t1", 600))).toEqual({
      status: "granted",
      grantedMinor: 600,
      desiredMinor: 600,
      seq: 1,
    });
    expect(await stub.reserve(request("t1", 600))).toMatchObject({
      status: "repeat",
      grantedMinor: 600,
    });
    expect(await stub.reserve(request("t2", 600))).toMatchObject({ grantedMinor: 400 });
    expect(await stub.reserve(request("t3", 600))).toMatchObject({ grantedMinor: 0 });
    expect(await stub.reserve({ ...request("t4", 100), currency: "USD" })).toMatchObject({
      status: "currency_mismatch",
      grantedMinor: 0,
    });
    expect(
      await stub.configure({ campaignId: "direct-camp", currency: "USD", budgetMinor: 5_000 }),
    ).toMatchObject({ status: "currency_locked" });
    expect(
      await stub.configure({ campaignId: "direct-camp", currency: "INR", budgetMinor: 999 }),
    ).toMatchObject({ status: "below_outstanding" });

    // Released, then an older request arrives late: it changes nothing.
    expect(await stub.release({ ...request("t1", 0, 2) })).toMatchObject({
      status: "granted",
      grantedMinor: 0,
    });
    expect(await stub.reserve(request("t1", 600, 1))).toMatchObject({ status: "stale", seq: 2 });
    expect(await stub.release({ ...request("t1", 0, 2) })).toMatchObject({ status: "repeat" });
    expect(await stub.totals()).toMatchObject({
      budgetMinor: 1_000,
      desiredMinor: 1_200,
      grantedTotalMinor: 1_000,
      releasedTotalMinor: 600,
      outstandingMinor: 400,
      remainingMinor: 600,
      reservations: 2,
      partialReservations: 2,
    });
    expect(await stub.audit()).toEqual({ ok: true, violations: [] });
  });
});

describe("a campaign is a rule of the engine", () => {
  it("the API shows the campaign's rule and budget key, and the redirect applies that rule", async () => {
    const offerId = await newOffer("rule");
    const put = await putCampaign("rule-camp", {
      offerId,
      boostRateBps: 250,
      category: "fashion",
      userSegment: "vip",
      budgetMinor: 40_000,
    });
    expect(put.status).toBe(200);
    expect(await put.json()).toMatchObject({
      budgetKey: "rule:campaign.rule-camp:campaign:rule-camp:lifetime",
      rule: {
        id: "campaign.rule-camp",
        eventTypes: ["offer.clicked"],
        group: "campaigns",
        conditions: {
          all: [
            { attr: "event.offerId", op: "eq", value: offerId },
            { attr: "user.segments", op: "contains_any", value: ["vip"] },
          ],
        },
        effects: [{ kind: "cashback_percent", rateBps: 250, category: "fashion" }],
        budgets: [
          {
            entity: "campaign",
            period: "lifetime",
            limit: { amountMinor: 40_000, currency: "INR" },
          },
        ],
        campaignId: "rule-camp",
        active: true,
      },
    });
    // A repeated PUT keeps the rule's version; a change makes a new one.
    const terms = { offerId, boostRateBps: 250, category: "fashion", userSegment: "vip" };
    const repeated = await putCampaign("rule-camp", { ...terms, budgetMinor: 40_000 });
    expect(await repeated.json()).toMatchObject({ version: 1 });
    const raised = await putCampaign("rule-camp", { ...terms, budgetMinor: 50_000 });
    expect(await raised.json()).toMatchObject({
      version: 2,
      rule: { budgets: [{ limit: { amountMinor: 50_000 } }] },
    });
    expect(await budget("rule-camp")).toMatchObject({
      budgetKey: "rule:campaign.rule-camp:campaign:rule-camp:lifetime",
      budgetMinor: 50_000,
    });
    // A click by a member of the segment freezes the rule's rate and category; one without
    // the segment freezes nothing.
    const vip = uniqueUser("rule-vip");
    const other = uniqueUser("rule-other");
    for (const [user, segments] of [
      [vip, ["vip"]],
      [other, ["new"]],
    ] as const) {
      await followLink((await listedOffer(user, offerId, [...segments])).trackingUrl);
      await waitForClicks(user);
    }
    expect(await frozenBoosts(vip)).toEqual([
      { campaignId: "rule-camp", boostRateBps: 250, category: "fashion", ruleVersion: 2 },
    ]);
    expect(await frozenBoosts(other)).toEqual([]);
  });
});

describe("a campaign's segment", () => {
  it("matches a segment the operator gave the user as well as one in the user's token", async () => {
    const offerId = await newOffer("opseg");
    await createCampaign("opseg-camp", { offerId, boostRateBps: 300, userSegment: "gold" });
    const user = uniqueUser("opseg");
    expect((await listedOffer(user, offerId)).boosts).toHaveLength(0);
    expect((await adminPut(`/admin/v1/users/${user}`, { displayName: "Gold member" })).status).toBe(
      200,
    );
    const set = await adminPut(`/admin/v1/users/${user}/segments`, { segments: ["gold"] });
    expect(set.status).toBe(200);
    const offer = await listedOffer(user, offerId);
    expect(offer.boosts).toEqual([
      expect.objectContaining({ campaignId: "opseg-camp", boostRateBps: 300 }),
    ]);
    await followLink(offer.trackingUrl);
    await waitForClicks(user);
    expect(await frozenBoosts(user)).toEqual([
      { campaignId: "opseg-camp", boostRateBps: 300, category: null, ruleVersion: 1 },
    ]);
  });
});

describe("a campaign from before the engine", () => {
  it("has its budget's reservations handed over to the rule's budget, which answers them the same way", async () => {
    // Before: the campaign's own budget object held the grants of transactions in wallets.
    const legacy = budgetOf(env, "legacy-camp");
    await legacy.configure({ campaignId: "legacy-camp", currency: "INR", budgetMinor: 10_000 });
    const old = { campaignId: "legacy-camp", currency: "INR", userId: "u-legacy" };
    await legacy.reserve({ ...old, txnId: "txn-old-1", desiredMinor: 3_000, seq: 1 });
    await legacy.reserve({ ...old, txnId: "txn-old-2", desiredMinor: 2_000, seq: 1 });

    // After: a wallet's boost for a new transaction goes to the rule's budget, which first
    // takes over the old grants, so together they stay within the one budget.
    const offerId = await newOffer("legacy");
    const who = await userWithClick("legacy", offerId, [
      { campaignId: "legacy-camp", boostRateBps: 200, category: null },
    ]);
    await walletStub(who.userId).applyConversion(await conversion(who, "LEGACY-1"));
    expect(await balances(who.userId)).toEqual({ pending: 7_000 });
    const migrated = campaignBudget("legacy-camp");
    expect(await migrated.usage(campaignBudgetKey("legacy-camp"))).toMatchObject({
      limit: 10_000,
      outstanding: 7_000,
      remaining: 3_000,
      reservations: 3,
    });
    // An old transaction's next request (its wallet numbers it 2) releases its old grant.
    const release = await migrated.release({
      budgetKey: campaignBudgetKey("legacy-camp"),
      unit: "INR",
      holder: "u-legacy",
      reference: "txn-old-1",
      seq: 2,
    });
    expect(release).toMatchObject({ status: "granted", granted: 0, remaining: 6_000 });
    expect(await migrated.audit()).toEqual({ ok: true, violations: [] });
    // The old object serves no more grants.
    expect(
      (await legacy.reserve({ ...old, txnId: "txn-old-3", desiredMinor: 100, seq: 1 })).status,
    ).toBe("moved");
    await expectAuditClean(who.userId);
  });
});

describe("a campaign boosts a click", () => {
  it("pending = base + boost, through the redirect, the postback and the budget", async () => {
    const offerId = await newOffer("spine");
    await createCampaign("spine-camp", { offerId, boostRateBps: 200 });
    const user = uniqueUser("spine");
    const listed = await listedOffer(user, offerId);
    expect(listed.boosts).toEqual([
      expect.objectContaining({ campaignId: "spine-camp", boostRateBps: 200 }),
    ]);

    const orderId = await clickAndBuy(user, offerId);
    // 5% of 1,000.00 = 5,000 base; +2% boost = 2,000.
    await eventually(async () => (await balances(user)).pending === 7_000);
    const [txn] = await transactionsOf(user);
    expect(txn).toMatchObject({
      orderId,
      cashbackMinor: 5_000,
      boostMinor: 2_000,
      boostRequestedMinor: 2_000,
    });
    const ledger = await walletStub(user).listLedger(null, 10);
    expect(ledger.map((e) => [e.kind, e.bucket, e.amountMinor])).toEqual([
      ["cashback_boost", "pending", 2_000],
      ["cashback_pending", "pending", 5_000],
    ]);
    // The grant is money the campaign's rule produced: its entry names the rule and version.
    expect(ledger.map((e) => [e.kind, e.ruleId, e.ruleVersion])).toEqual([
      ["cashback_boost", "campaign.spine-camp", 1],
      ["cashback_pending", null, null],
    ]);
    expect(await budget("spine-camp")).toMatchObject({
      desiredMinor: 2_000,
      grantedMinor: 2_000,
      remainingMinor: 998_000,
      reservations: 1,
    });
    await expectAuditClean(user);

    // The D1 projection carries the boost for the console.
    await eventually(async () => {
      const row = await env.DB.prepare(`SELECT boost_minor FROM transactions WHERE order_id = ?`)
        .bind(orderId)
        .first<{ boost_minor: number }>();
      return row?.boost_minor === 2_000;
    });

    // Confirmation moves base and boost together.
    const txnId = await transactionIdFor(NETWORK, orderId);
    await walletStub(user).runDue(Date.now() + 31 * 86_400_000);
    expect(await balances(user)).toMatchObject({ pending: 0, confirmed: 7_000 });
    expect((await walletStub(user).getTransaction(txnId))?.txn.status).toBe("confirmed");
    await expectAuditClean(user);
  });

  it("a category-targeted boost pays only on that category's lines", async () => {
    const offerId = await newOffer("cat");
    await createCampaign("cat-camp", { offerId, boostRateBps: 1_000, category: "shoes" });
    const who = await userWithClick("cat", offerId, [
      { campaignId: "cat-camp", boostRateBps: 1_000, category: "shoes" },
    ]);
    await walletStub(who.userId).applyConversion(
      await conversion(who, "CAT-1", {
        saleAmountMinor: 100_000,
        lineItems: [
          { sku: "s1", category: "shoes", quantity: 1, amountMinor: 30_000, commissionMinor: null },
          { sku: "b1", category: "bags", quantity: 1, amountMinor: 70_000, commissionMinor: null },
        ],
      }),
    );
    // Base 5% of 1,000.00 = 5,000; boost 10% of the 300.00 of shoes = 3,000.
    expect(await balances(who.userId)).toEqual({ pending: 8_000 });
    await expectAuditClean(who.userId);
  });

  it("segment-targeted campaigns boost only users whose token lists the segment", async () => {
    const offerId = await newOffer("seg");
    await createCampaign("seg-camp", { offerId, boostRateBps: 300, userSegment: "vip" });
    const vip = uniqueUser("vip");
    const other = uniqueUser("novip");
    expect((await listedOffer(vip, offerId, ["new", "vip"])).boosts).toHaveLength(1);
    expect((await listedOffer(other, offerId, ["new"])).boosts).toHaveLength(0);
    await clickAndBuy(vip, offerId, { segments: ["new", "vip"] });
    await clickAndBuy(other, offerId, { segments: ["new"] });
    await eventually(async () => (await balances(vip)).pending === 8_000);
    await eventually(async () => (await balances(other)).pending === 5_000);
    expect((await budget("seg-camp")).grantedMinor).toBe(3_000);
  });
});

describe("the budget is never exceeded", () => {
  it("30 concurrent conversions from 30 users wanting 1,000 each share a 10,000 budget exactly", async () => {
    const offerId = await newOffer("race");
    await createCampaign("race-camp", { offerId, boostRateBps: 200, budgetMinor: 10_000 });
    const boosts = [{ campaignId: "race-camp", boostRateBps: 200, category: null }];
    const users = await Promise.all(
      Array.from({ length: 30 }, (_, i) => userWithClick(`race${i}`, offerId, boosts)),
    );
    // 2% of 500.00 = 1,000 boost each (base 2,500).
    const results = await Promise.all(
      users.map(async (who, i) =>
        walletStub(who.userId).applyConversion(
          await conversion(who, `RACE-${i}`, { saleAmountMinor: 50_000 }),
        ),
      ),
    );
    expect(results.every((r) => r.outcome === "created")).toBe(true);

    const grants = await Promise.all(
      users.map(async (who) => {
        const [txn] = await walletStub(who.userId).listTransactions(null, 1);
        const pending = (await balances(who.userId)).pending ?? 0;
        expect(pending).toBe(2_500 + (txn?.grantedBoostMinor ?? 0));
        await expectAuditClean(who.userId);
        return txn?.grantedBoostMinor ?? 0;
      }),
    );
    expect(grants.reduce((a, b) => a + b, 0)).toBe(10_000);
    expect(grants.filter((g) => g === 1_000)).toHaveLength(10);
    expect(grants.filter((g) => g === 0)).toHaveLength(20);
    expect(await budget("race-camp")).toMatchObject({
      budgetMinor: 10_000,
      desiredMinor: 30_000,
      grantedMinor: 10_000,
      remainingMinor: 0,
      reservations: 30,
      partialReservations: 20,
    });
    expect(await campaignBudget("race-camp").audit()).toEqual({ ok: true, violations: [] });
  });

  it("a budget that does not divide evenly ends with one partial grant", async () => {
    const offerId = await newOffer("partial");
    await createCampaign("partial-camp", { offerId, boostRateBps: 200, budgetMinor: 2_500 });
    const boosts = [{ campaignId: "partial-camp", boostRateBps: 200, category: null }];
    const users = await Promise.all(
      Array.from({ length: 5 }, (_, i) => userWithClick(`partial${i}`, offerId, boosts)),
    );
    await Promise.all(
      users.map(async (who, i) =>
        walletStub(who.userId).applyConversion(
          await conversion(who, `PARTIAL-${i}`, { saleAmountMinor: 50_000 }),
        ),
      ),
    );
    const grants = await Promise.all(
      users.map(async (who) => (await balances(who.userId)).pending ?? 0),
    );
    expect(grants.map((p) => p - 2_500).sort((a, b) => b - a)).toEqual([1_000, 1_000, 500, 0, 0]);
    expect((await budget("partial-camp")).grantedMinor).toBe(2_500);
  });

  it("a cancelled conversion releases its grant, and a later conversion can use it", async () => {
    const offerId = await newOffer("release");
    await createCampaign("release-camp", { offerId, boostRateBps: 200, budgetMinor: 2_000 });
    const boosts = [{ campaignId: "release-camp", boostRateBps: 200, category: null }];
    const a = await userWithClick("rel-a", offerId, boosts);
    const b = await userWithClick("rel-b", offerId, boosts);
    const c = await userWithClick("rel-c", offerId, boosts);

    await walletStub(a.userId).applyConversion(await conversion(a, "REL-A"));
    await walletStub(b.userId).applyConversion(await conversion(b, "REL-B"));
    expect(await balances(a.userId)).toEqual({ pending: 7_000 });
    // The budget is spent: B gets the base only.
    expect(await balances(b.userId)).toEqual({ pending: 5_000 });

    await walletStub(a.userId).applyConversion(
      await conversion(a, "REL-A", { status: "cancelled" }),
    );
    expect(await balances(a.userId)).toEqual({ pending: 0 });
    expect(await budget("release-camp")).toMatchObject({
      grantedMinor: 0,
      remainingMinor: 2_000,
      releasedMinor: 2_000,
    });
    const history = (
      await walletStub(a.userId).getTransaction(await transactionIdFor(NETWORK, "REL-A"))
    )?.history.map((h) => h.event);
    expect(history).toEqual(["created", "boost_granted", "updated", "cancelled", "boost_released"]);

    // First come, first served: B's earlier refusal is not revisited; C's new conversion gets it.
    await walletStub(c.userId).applyConversion(await conversion(c, "REL-C"));
    expect(await balances(c.userId)).toEqual({ pending: 7_000 });
    expect(await balances(b.userId)).toEqual({ pending: 5_000 });
    for (const who of [a, b, c]) await expectAuditClean(who.userId);
    expect(await campaignBudget("release-camp").audit()).toEqual({ ok: true, violations: [] });
  });

  it("a return after confirmation claws the boost back with the base and releases it", async () => {
    const offerId = await newOffer("return");
    await createCampaign("return-camp", { offerId, boostRateBps: 200, budgetMinor: 10_000 });
    const who = await userWithClick("return", offerId, [
      { campaignId: "return-camp", boostRateBps: 200, category: null },
    ]);
    await walletStub(who.userId).applyConversion(
      await conversion(who, "RET-1", { status: "approved" }),
    );
    expect(await balances(who.userId)).toEqual({ confirmed: 7_000 });
    await walletStub(who.userId).applyConversion(
      await conversion(who, "RET-1", { status: "cancelled" }),
    );
    expect(await balances(who.userId)).toEqual({ confirmed: 0 });
    expect((await budget("return-camp")).grantedMinor).toBe(0);
    await expectAuditClean(who.userId);
  });

  it("a partial refund lowers the boost at once and gives the difference back", async () => {
    const offerId = await newOffer("refund");
    await createCampaign("refund-camp", { offerId, boostRateBps: 200, budgetMinor: 10_000 });
    const who = await userWithClick("refund", offerId, [
      { campaignId: "refund-camp", boostRateBps: 200, category: null },
    ]);
    await walletStub(who.userId).applyConversion(await conversion(who, "REF-1"));
    expect(await balances(who.userId)).toEqual({ pending: 7_000 });
    await walletStub(who.userId).applyConversion(
      await conversion(who, "REF-1", { saleAmountMinor: 60_000 }),
    );
    // 5% + 2% of 600.00.
    expect(await balances(who.userId)).toEqual({ pending: 4_200 });
    expect(await budget("refund-camp")).toMatchObject({ grantedMinor: 1_200, releasedMinor: 800 });
    await expectAuditClean(who.userId);
  });

  it("a redelivered conversion never pays the boost twice", async () => {
    const offerId = await newOffer("dup");
    await createCampaign("dup-camp", { offerId, boostRateBps: 200 });
    const who = await userWithClick("dup", offerId, [
      { campaignId: "dup-camp", boostRateBps: 200, category: null },
    ]);
    const event = await conversion(who, "DUP-1");
    await Promise.all(
      Array.from({ length: 5 }, () => walletStub(who.userId).applyConversion(event)),
    );
    expect(await balances(who.userId)).toEqual({ pending: 7_000 });
    expect(await budget("dup-camp")).toMatchObject({ grantedMinor: 2_000, reservations: 1 });
    await expectAuditClean(who.userId);
  });
});

describe("a budget that cannot answer", () => {
  it("leaves the base credited and the request scheduled; the alarm grants it later, once", async () => {
    const offerId = await newOffer("ghost");
    const who = await userWithClick("ghost", offerId, [
      // A campaign whose budget object was never configured: reserve is refused (transient).
      { campaignId: "ghost-camp", boostRateBps: 200, category: null },
    ]);
    const result = await walletStub(who.userId).applyConversion(await conversion(who, "GHOST-1"));
    expect(result.outcome).toBe("created");
    expect(await balances(who.userId)).toEqual({ pending: 5_000 });
    const scheduled = await runInDurableObject(walletStub(who.userId), (_i, state) =>
      state.storage.sql
        .exec<{ due_at_ms: number }>(`SELECT due_at_ms FROM schedule WHERE kind = 'boost'`)
        .toArray(),
    );
    expect(scheduled).toHaveLength(1);
    expect(scheduled[0]?.due_at_ms ?? 0).toBeGreaterThan(Date.now());

    await campaignBudget("ghost-camp").configure({
      budgetKey: campaignBudgetKey("ghost-camp"),
      unit: "INR",
      limit: 10_000,
    });
    // Make the retry due now and fire the alarm, twice: the second finds nothing owed.
    for (let run = 0; run < 2; run++) {
      await runInDurableObject(walletStub(who.userId), (_i, state) => {
        state.storage.sql.exec(`UPDATE schedule SET due_at_ms = 0 WHERE kind = 'boost'`);
      });
      await runDurableObjectAlarm(walletStub(who.userId));
    }
    expect(await balances(who.userId)).toEqual({ pending: 7_000 });
    const boostEntries = (await walletStub(who.userId).listLedger(null, 10)).filter(
      (e) => e.kind === "cashback_boost",
    );
    expect(boostEntries).toHaveLength(1);
    await expectAuditClean(who.userId);
  });
});

describe("a budget call that failed", () => {
  it("is retried once runDue is driven past its 30 s wait, and lands once", async () => {
    const offerId = await newOffer("asof");
    await createCampaign("asof-camp", { offerId, boostRateBps: 200 });
    const who = await userWithClick("asof", offerId, [
      { campaignId: "asof-camp", boostRateBps: 200, category: null },
    ]);
    // The budget answers; the wallet, alive, throws before recording the answer, once: the
    // request is postponed 30 s (BOOST_RETRY_MS).
    const wallet = env.WALLET.idFromName(who.userId).toString();
    let thrown = 0;
    installFaultInjector((point, scope) => {
      if (point === "wallet.boost.after_budget" && scope === wallet && thrown++ === 0)
        throw new InjectedFault(point);
    });
    try {
      const result = await walletStub(who.userId).applyConversion(await conversion(who, "ASOF-1"));
      expect(result.outcome).toBe("created");
    } finally {
      installFaultInjector(null);
    }
    expect(thrown).toBe(1);
    expect(await balances(who.userId)).toEqual({ pending: 5_000 });
    expect(await budget("asof-camp")).toMatchObject({ grantedMinor: 2_000, reservations: 1 });

    // As of now the retry is not due: nothing moves.
    await walletStub(who.userId).runDue(Date.now());
    expect(await balances(who.userId)).toEqual({ pending: 5_000 });
    // Driven 31 s ahead, the postponed request is asked again (the same seq: the budget answers
    // it the same) and recorded; a second run finds nothing owed.
    for (let run = 0; run < 2; run++) await walletStub(who.userId).runDue(Date.now() + 31_000);
    expect(await balances(who.userId)).toEqual({ pending: 7_000 });
    const boostEntries = (await walletStub(who.userId).listLedger(null, 10)).filter(
      (e) => e.kind === "cashback_boost",
    );
    expect(boostEntries).toHaveLength(1);
    expect(await budget("asof-camp")).toMatchObject({ grantedMinor: 2_000, reservations: 1 });
    await expectAuditClean(who.userId);
  });
});

describe("the boost is decided at click time", () => {
  it("a campaign that ended before the click gives no boost, even if the conversion is during a later campaign", async () => {
    const offerId = await newOffer("ended");
    await createCampaign("ended-camp", {
      offerId,
      boostRateBps: 500,
      endsAt: new Date(Date.now() + 1_500).toISOString(),
    });
    const user = uniqueUser("ended");
    // The link is minted while the campaign runs; the click comes after it ended, when the
    // redirect may still hold the cached config that lists it.
    const offer = await listedOffer(user, offerId);
    expect(offer.boosts).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 1_600));
    const response = await followLink(offer.trackingUrl);
    const subId = new URL(response.headers.get("location") ?? "").searchParams.get("sub") ?? "";
    await waitForClicks(user);

    // A later campaign is live when the order is placed and reported.
    await createCampaign("later-camp", { offerId, boostRateBps: 300 });
    await sendPostback(NETWORK, postbackBody({ order_id: `ORD-${user}`, sub_id: subId }));
    await eventually(async () => (await balances(user)).pending === 5_000);
    const [txn] = await transactionsOf(user);
    expect(txn).toMatchObject({ boostMinor: 0, boostRequestedMinor: 0 });
    expect((await budget("later-camp")).reservations).toBe(0);

    // A click made during the later campaign gets its boost.
    const next = uniqueUser("later");
    await clickAndBuy(next, offerId);
    await eventually(async () => (await balances(next)).pending === 8_000);
  });

  it("the rate shown at click is honoured after the campaign's rate is lowered", async () => {
    const offerId = await newOffer("honour");
    await createCampaign("honour-camp", { offerId, boostRateBps: 300 });
    const user = uniqueUser("honour");
    const { subId } = await clickThrough(user, offerId);
    await waitForClicks(user);

    await createCampaign("honour-camp", { offerId, boostRateBps: 100 });
    await sendPostback(NETWORK, postbackBody({ order_id: `ORD-${user}`, sub_id: subId }));
    // 5,000 base + 3% (the rate shown) = 8,000, not the lowered 1%.
    await eventually(async () => (await balances(user)).pending === 8_000);

    const later = uniqueUser("honour-later");
    await clickAndBuy(later, offerId);
    await eventually(async () => (await balances(later)).pending === 6_000);
    await expectAuditClean(user);
    await expectAuditClean(later);
  });
});

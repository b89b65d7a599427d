import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import {
  budgetFor,
  partName,
  partOfHolder,
  reserveIn,
  splitShares,
} from "#durable-objects/budget/index";
import type { ConversionEvent, StoredClick } from "#durable-objects/wallet/index";
import { campaignBudgetKey } from "#shared/campaigns/campaign-rule";
import type { BoostSnapshot } from "#shared/money/boost";
import { type BoostedShop, pendingConversion, storeBoostedClick } from "./boosted-orders";
import {
  ADMIN_HEADERS,
  adminPut,
  api,
  balances,
  seedCatalog,
  uniqueUser,
  walletStub,
} from "./helpers";

/**
 * Sub-budgets (docs/scaling.md "Budget parts"): a campaign budget split into k objects,
 * through the admin API, the wallets' boost requests and the real budget objects. The whole
 * budget is spent exactly and never exceeded, a part that runs dry borrows from its siblings,
 * a replay reserves nothing twice, and k = 1 is the one object it always was.
 */
const NETWORK = "parts-net";
const MERCHANT = "parts-shop";
const BASE_RATE_BPS = 500;
const SHOP: BoostedShop = { networkId: NETWORK, merchantId: MERCHANT, baseRateBps: BASE_RATE_BPS };

beforeAll(async () => {
  await seedCatalog({
    networkId: NETWORK,
    merchantId: MERCHANT,
    offerId: "parts-base",
    defaultRateBps: BASE_RATE_BPS,
    categoryRates: {},
  });
});

let offers = 0;
async function newOffer(): Promise<string> {
  const offerId = `parts-offer-${++offers}`;
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

/** A campaign boosting 2% of one fresh offer, its budget split into `budgetParts`. */
async function campaign(id: string, budgetMinor: number, budgetParts?: number) {
  const offerId = await newOffer();
  const response = await adminPut(`/admin/v1/campaigns/${id}`, {
    name: `Campaign ${id}`,
    offerId,
    boostRateBps: 200,
    currency: "INR",
    budgetMinor,
    ...(budgetParts === undefined ? {} : { budgetParts }),
  });
  expect(response.status, await response.clone().text()).toBe(200);
  return { offerId, boosts: [{ campaignId: id, boostRateBps: 200, category: null }] };
}

interface BudgetView {
  budgetMinor: number;
  desiredMinor: number;
  grantedMinor: number;
  remainingMinor: number;
  releasedMinor: number;
  reservations: number;
  partialReservations: number;
  budgetParts: number;
}

async function budgetView(campaignId: string): Promise<BudgetView> {
  const response = await api(`/admin/v1/campaigns/${campaignId}/budget`, {
    headers: ADMIN_HEADERS,
  });
  expect(response.status).toBe(200);
  return (await response.json()) as BudgetView;
}

/** A user (in `partIndex` of `parts` when asked) with one click carrying the boosts. */
async function userWithClick(
  label: string,
  offerId: string,
  boosts: BoostSnapshot[],
  place?: { parts: number; index: number },
) {
  let userId = uniqueUser(label);
  while (place && partOfHolder(userId, place.parts).index !== place.index) {
    userId = uniqueUser(label);
  }
  return storeBoostedClick(SHOP, userId, offerId, boosts);
}

/** A pending conversion of 500.00: base 2,500, boost 2% = 1,000. */
function conversion(
  who: { userId: string; click: StoredClick },
  orderId: string,
  fields: Partial<ConversionEvent> = {},
): Promise<ConversionEvent> {
  return pendingConversion(
    SHOP,
    who,
    orderId,
    { saleAmountMinor: 50_000, commissionMinor: 4_000 },
    fields,
  );
}

/** What the user's one transaction was granted of the boost. */
async function grantOf(userId: string): Promise<number> {
  const [txn] = await walletStub(userId).listTransactions(null, 1);
  return txn?.grantedBoostMinor ?? 0;
}

const partStub = (campaignId: string, parts: number, index: number) =>
  env.BUDGET.get(env.BUDGET.idFromName(partName(campaignBudgetKey(campaignId), { parts, index })));

/** Each part's allotment (its limit) and what it holds out, null for a part never used. */
async function partFigures(campaignId: string, parts: number) {
  return Promise.all(
    Array.from({ length: parts }, async (_, index) => {
      const usage = await partStub(campaignId, parts, index).partUsage();
      return usage && { limit: usage.limit, outstanding: usage.grantedTotal - usage.releasedTotal };
    }),
  );
}

async function expectAuditsClean(campaignId: string, parts: number): Promise<void> {
  expect(await budgetFor(env, campaignBudgetKey(campaignId)).audit()).toEqual({
    ok: true,
    violations: [],
  });
  for (let index = 0; index < parts; index++) {
    expect(await partStub(campaignId, parts, index).audit()).toEqual({ ok: true, violations: [] });
  }
}

describe("a campaign budget split into parts", () => {
  it("k = 4: 36 concurrent conversions from 36 users spend a 10,000 budget exactly, never more", async () => {
    const { offerId, boosts } = await campaign("parts-race", 10_000, 4);
    expect((await budgetView("parts-race")).budgetParts).toBe(4);
    // Uneven on purpose: 30 users in part 0 and 2 in each other part (shares of 2,500), so the
    // budget is spent exactly only if part 0 borrows the 1,500 its siblings leave unspent.
    const place = (i: number) => (i < 30 ? 0 : 1 + ((i - 30) % 3));
    const users = await Promise.all(
      Array.from({ length: 36 }, (_, i) =>
        userWithClick(`pr${i}`, offerId, boosts, { parts: 4, index: place(i) }),
      ),
    );
    await Promise.all(
      users.map(async (who, i) =>
        walletStub(who.userId).applyConversion(await conversion(who, `PARTS-RACE-${i}`)),
      ),
    );
    const grants = await Promise.all(users.map((who) => grantOf(who.userId)));
    for (const [i, who] of users.entries()) {
      expect(grants[i]).toBeGreaterThanOrEqual(0);
      expect(grants[i]).toBeLessThanOrEqual(1_000);
      expect((await balances(who.userId)).pending).toBe(2_500 + (grants[i] ?? 0));
    }
    expect(grants.reduce((a, b) => a + b, 0)).toBe(10_000);
    // The six users of parts 1–3 are all served in full.
    expect(grants.slice(30)).toEqual([1_000, 1_000, 1_000, 1_000, 1_000, 1_000]);
    expect(await budgetView("parts-race")).toMatchObject({
      budgetMinor: 10_000,
      desiredMinor: 36_000,
      grantedMinor: 10_000,
      remainingMinor: 0,
      reservations: 36,
      budgetParts: 4,
    });
    // The reservations are in the parts, not the budget's own object, and the parts' limits
    // never sum above the budget.
    const figures = await partFigures("parts-race", 4);
    const used = figures.filter((f) => f !== null);
    expect(used.length).toBeGreaterThan(1);
    expect(used.reduce((a, f) => a + f.outstanding, 0)).toBe(10_000);
    expect(used.reduce((a, f) => a + f.limit, 0)).toBeLessThanOrEqual(10_000);
    const rootCount = await runInDurableObject(
      budgetFor(env, campaignBudgetKey("parts-race")),
      (_i, state) =>
        state.storage.sql
          .exec<{ n: number }>(
            `SELECT COUNT(*) AS n FROM reservations WHERE holder NOT LIKE 'part:%'`,
          )
          .one().n,
    );
    expect(rootCount).toBe(0);
    await expectAuditsClean("parts-race", 4);
  });

  it("splits the budget into equal whole shares that sum to it exactly", async () => {
    await campaign("parts-split", 10_003, 4);
    const figures = await partFigures("parts-split", 4);
    expect(figures).toEqual([null, null, null, null]);
    // Touch every part once (a yield of nothing reads its share from the root).
    for (let index = 0; index < 4; index++) {
      expect(
        await partStub("parts-split", 4, index).yieldSpare({
          budgetKey: campaignBudgetKey("parts-split"),
          parts: 4,
          index,
          amount: 0,
        }),
      ).toBe(0);
    }
    expect((await partFigures("parts-split", 4)).map((f) => f?.limit)).toEqual(
      splitShares(10_003, 4),
    );
    expect(splitShares(10_003, 4)).toEqual([2_501, 2_501, 2_501, 2_500]);
  });

  it("a part that runs dry borrows its siblings' spare, up to the whole budget and no further", async () => {
    const { offerId, boosts } = await campaign("parts-dry", 4_000, 4);
    // Five users who all land in part 0, whose share is 1,000: one conversion's boost.
    const users = [];
    for (let i = 0; i < 5; i++) {
      users.push(await userWithClick(`dry${i}`, offerId, boosts, { parts: 4, index: 0 }));
    }
    for (const [i, who] of users.entries()) {
      await walletStub(who.userId).applyConversion(await conversion(who, `PARTS-DRY-${i}`));
    }
    const grants = await Promise.all(users.map((who) => grantOf(who.userId)));
    expect(grants).toEqual([1_000, 1_000, 1_000, 1_000, 0]);
    const figures = await partFigures("parts-dry", 4);
    expect(figures[0]).toEqual({ limit: 4_000, outstanding: 4_000 });
    for (const sibling of figures.slice(1)) expect(sibling).toEqual({ limit: 0, outstanding: 0 });
    expect(await budgetView("parts-dry")).toMatchObject({
      grantedMinor: 4_000,
      remainingMinor: 0,
      reservations: 5,
      partialReservations: 1,
    });

    // A cancellation gives its grant back to its part; the next conversion anywhere can use it.
    const first = users[0] as (typeof users)[number];
    await walletStub(first.userId).applyConversion(
      await conversion(first, "PARTS-DRY-0", { status: "cancelled" }),
    );
    const late = await userWithClick("dry-late", offerId, boosts, { parts: 4, index: 3 });
    await walletStub(late.userId).applyConversion(await conversion(late, "PARTS-DRY-LATE"));
    expect(await grantOf(late.userId)).toBe(1_000);
    expect(await budgetView("parts-dry")).toMatchObject({
      grantedMinor: 4_000,
      releasedMinor: 1_000,
      remainingMinor: 0,
    });
    await expectAuditsClean("parts-dry", 4);
  });

  it("a replayed request or conversion reserves nothing twice", async () => {
    const { offerId, boosts } = await campaign("parts-replay", 3_000, 4);
    const who = await userWithClick("replay", offerId, boosts);
    const event = await conversion(who, "PARTS-REPLAY");
    await walletStub(who.userId).applyConversion(event);
    await walletStub(who.userId).applyConversion(event);
    expect(await grantOf(who.userId)).toBe(1_000);

    // The wallet's request, sent again as a retry after a lost answer would send it.
    const request = {
      budgetKey: campaignBudgetKey("parts-replay"),
      unit: "INR",
      holder: who.userId,
      reference: event.txnId,
      desired: 1_000,
      seq: 1,
    };
    const again = await reserveIn(env, 4, request);
    expect(again).toMatchObject({ status: "repeat", granted: 1_000 });
    // A borrow's allotment request replayed: the root answers it the same, lends nothing more.
    const part = partOfHolder(who.userId, 4);
    const root = budgetFor(env, campaignBudgetKey("parts-replay"));
    const held = await root.allot({ budgetKey: request.budgetKey, ...part });
    const replay = await root.allot({
      budgetKey: request.budgetKey,
      ...part,
      desired: held.desired,
      seq: held.seq,
    });
    expect(replay).toMatchObject({ status: "repeat", granted: held.granted });
    expect(await budgetView("parts-replay")).toMatchObject({
      grantedMinor: 1_000,
      remainingMinor: 2_000,
      reservations: 1,
    });
    await expectAuditsClean("parts-replay", 4);
  });

  it("k = 1 is the budget's own object, as before; raising k later keeps old reservations where they are", async () => {
    const { offerId, boosts } = await campaign("parts-one", 3_000);
    const a = await userWithClick("one-a", offerId, boosts);
    await walletStub(a.userId).applyConversion(await conversion(a, "PARTS-ONE-A"));
    expect(await grantOf(a.userId)).toBe(1_000);
    const root = budgetFor(env, campaignBudgetKey("parts-one"));
    expect(await root.usage()).toMatchObject({ parts: 1, outstanding: 1_000, reservations: 1 });
    expect(await partFigures("parts-one", 4)).toEqual([null, null, null, null]);

    // Split later: what remains (2,000) is shared out; A's reservation stays in the root.
    const raised = await adminPut("/admin/v1/campaigns/parts-one", {
      name: "Campaign parts-one",
      offerId,
      boostRateBps: 200,
      currency: "INR",
      budgetMinor: 3_000,
      budgetParts: 4,
    });
    expect(raised.status).toBe(200);
    const b = await userWithClick("one-b", offerId, boosts);
    // The wallets' layout cache may still say 1 for a while; either object serves B.
    await walletStub(b.userId).applyConversion(await conversion(b, "PARTS-ONE-B"));
    expect(await grantOf(b.userId)).toBe(1_000);
    await walletStub(a.userId).applyConversion(
      await conversion(a, "PARTS-ONE-A", { status: "cancelled" }),
    );
    expect(await budgetView("parts-one")).toMatchObject({
      budgetParts: 4,
      grantedMinor: 1_000,
      releasedMinor: 1_000,
      remainingMinor: 2_000,
      reservations: 1,
    });
    // Lowering the limit to what is granted takes the parts' spare back first.
    const lowered = await adminPut("/admin/v1/campaigns/parts-one", {
      name: "Campaign parts-one",
      offerId,
      boostRateBps: 200,
      currency: "INR",
      budgetMinor: 1_000,
    });
    expect(lowered.status).toBe(200);
    expect(await budgetView("parts-one")).toMatchObject({
      budgetMinor: 1_000,
      grantedMinor: 1_000,
      remainingMinor: 0,
      budgetParts: 4,
    });
    await expectAuditsClean("parts-one", 4);
  });

  it("a part whose lowered limit the root never heard of gives the difference back on the next reclaim", async () => {
    const key = "rule:parts-lost:global:lifetime";
    const root = budgetFor(env, key);
    await root.configure({ budgetKey: key, unit: "points", limit: 1_000, parts: 2 });
    const part = { parts: 2, index: 0 };
    const stub = env.BUDGET.get(env.BUDGET.idFromName(partName(key, part)));
    const held = await stub.reservePart({
      budgetKey: key,
      unit: "points",
      holder: "lost-a",
      reference: "a",
      desired: 200,
      seq: 1,
      ...part,
    });
    expect(held).toMatchObject({ status: "granted", granted: 200, limit: 500 });
    // What a yield to a sibling leaves when the root's answer is lost: the part's limit is
    // lowered to what it holds and its request (desired 200) never reached the root, which
    // still lends it 500. Nothing is spare in the part any more.
    await runInDurableObject(stub, (_instance, state) => {
      state.storage.sql.exec(`UPDATE budget SET limit_value = 200`);
      state.storage.sql.exec(`UPDATE part_allotment SET desired = 200, seq = seq + 1`);
    });
    // A reservation the root serves itself needs the other 800: 500 from part 1's share and
    // the 300 part 0 no longer counts on.
    const big = await root.reserve({
      budgetKey: key,
      unit: "points",
      holder: "lost-b",
      reference: "b",
      desired: 800,
      seq: 1,
    });
    expect(big).toMatchObject({ status: "granted", granted: 800 });
    expect(await root.allot({ budgetKey: key, ...part })).toMatchObject({ granted: 200 });
    expect(await root.usage(key)).toMatchObject({ outstanding: 1_000, remaining: 0 });
    expect(await root.audit()).toEqual({ ok: true, violations: [] });
    expect(await stub.audit()).toEqual({ ok: true, violations: [] });
  });

  it("the summed usage visits only the parts that asked the root, and survives one that cannot answer", async () => {
    const key = "rule:parts-usage:global:lifetime";
    const root = budgetFor(env, key);
    await root.configure({ budgetKey: key, unit: "points", limit: 1_000, parts: 4 });
    const part = { parts: 4, index: 0 };
    const stub = env.BUDGET.get(env.BUDGET.idFromName(partName(key, part)));
    await stub.reservePart({
      budgetKey: key,
      unit: "points",
      holder: "usage-a",
      reference: "a",
      desired: 100,
      seq: 1,
      ...part,
    });
    const contacts = await runInDurableObject(root, (_instance, state) =>
      state.storage.sql
        .exec<{ holder: string }>(`SELECT holder FROM part_contacts`)
        .toArray()
        .map((row) => row.holder),
    );
    expect(contacts).toEqual(["part:4:0"]);
    expect(await root.usage(key)).toMatchObject({ outstanding: 100, remaining: 900 });
    expect((await root.usage(key))?.partial).toBeUndefined();

    // The part's storage broken: its usage call throws, as an unreachable object's would.
    await runInDurableObject(stub, (_instance, state) => {
      state.storage.sql.exec(`DROP TABLE reservations`);
    });
    // The root's view of it instead: all 250 it lends counted as granted.
    expect(await root.usage(key)).toMatchObject({
      outstanding: 250,
      remaining: 750,
      partial: true,
    });
    const response = await api(`/admin/v1/budgets/${encodeURIComponent(key)}`, {
      headers: ADMIN_HEADERS,
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ outstanding: 250, partial: true });
  });

  it("lowering the limit below what is held names what was granted apart from what parts could not give back", async () => {
    const { offerId, boosts } = await campaign("parts-lower", 4_000, 4);
    const who = await userWithClick("lower", offerId, boosts, { parts: 4, index: 0 });
    await walletStub(who.userId).applyConversion(await conversion(who, "PARTS-LOWER"));
    expect(await grantOf(who.userId)).toBe(1_000);
    // Part 1 cannot answer the reclaim (its own record broken): its 1,000 stays lent.
    await runInDurableObject(partStub("parts-lower", 4, 1), (_instance, state) => {
      state.storage.sql.exec(`DROP TABLE part_allotment`);
    });
    const response = await adminPut("/admin/v1/campaigns/parts-lower", {
      name: "Campaign parts-lower",
      offerId,
      boostRateBps: 200,
      currency: "INR",
      budgetMinor: 1_500,
    });
    expect(response.status).toBe(409);
    const problem = (await response.json()) as { detail: string };
    expect(problem.detail).toBe(
      "budgetMinor cannot go below what is already granted (1000 INR) or lent to budget " +
        "parts and not given back (1000 INR)",
    );
  });
});

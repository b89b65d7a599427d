import { beforeAll, describe, expect, it } from "vitest";
import type { ConversionEvent } from "#durable-objects/wallet/index";
import { forgetCachedConfig } from "#shared/config/config-store";
import { transactionIdFor } from "#shared/ids";
import { PROGRAM_SETTINGS_KEY } from "#shared/loyalty/live-program-settings";
import { DEFAULT_PROGRAM_SETTINGS } from "#shared/loyalty/program-settings";
import { eventId, sendEvents } from "./events-client";
import { ADMIN_HEADERS, api, balances, uniqueUser, walletStub } from "./helpers";

/**
 * Confirmed cashback is an event of its own: when a network approves an order the wallet
 * records `cashback.confirmed` in the member's inbox and the live rules reward it like any
 * event from the operator's backend; a return after confirmation is a full refund of it, so
 * what it earned is taken back with the cashback.
 */
const NETWORK = "test-net";
const OFFER = "test-shop-offer";
const T0 = Date.now() - 60_000;

const RULES = [
  {
    id: "confirmed-points",
    name: "a point per rupee of confirmed orders at test-shop",
    eventTypes: ["cashback.confirmed"],
    conditions: { all: [{ attr: "event.merchantId", op: "eq", value: "test-shop" }] },
    effects: [{ kind: "points_per_unit", points: 1, perUnitMinor: 100 }],
    priority: 10,
    group: "base",
    active: true,
  },
  {
    id: "first-confirmed-bonus",
    name: "₹10 on the first confirmed order of the month",
    eventTypes: ["cashback.confirmed"],
    conditions: { all: [{ attr: "context.firstOfKindThisMonth", op: "eq", value: true }] },
    effects: [{ kind: "cashback_fixed", amountMinor: 1_000, currency: "INR" }],
    priority: 10,
    group: "base",
    active: true,
  },
];

beforeAll(async () => {
  const draft = await api("/admin/v1/rules/draft", {
    method: "PUT",
    headers: ADMIN_HEADERS,
    body: JSON.stringify({
      timeZone: "UTC",
      groups: [{ name: "base", mode: "stackable" }],
      rules: RULES,
      basedOnVersion: null,
    }),
  });
  expect(draft.status, await draft.clone().text()).toBe(200);
  const published = await api("/admin/v1/rules/publish", {
    method: "POST",
    headers: ADMIN_HEADERS,
    body: JSON.stringify({ note: "conversions as events" }),
  });
  expect(published.status, await published.clone().text()).toBe(201);
});

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

async function order(
  who: { userId: string; clickId: string },
  orderId: string,
  fields: Partial<ConversionEvent>,
) {
  const event: ConversionEvent = {
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
  return walletStub(who.userId).applyConversion(event);
}

describe("confirmed cashback as an event", () => {
  it("a confirmation earns through the rules; a pending order earns nothing yet", async () => {
    const who = await userWithClick("conv-event");
    await order(who, "CE-1", { status: "pending", updatedAtMs: T0 + 1 });
    expect((await walletStub(who.userId).getPointsBalance()).activePoints).toBe(0);

    const approved = await order(who, "CE-1", { status: "approved", updatedAtMs: T0 + 2 });
    const txnId = approved.txn?.txnId ?? "";
    // 5% cashback confirmed, plus the ₹10 first-of-the-month bonus.
    expect(await balances(who.userId)).toMatchObject({ confirmed: 5_000 + 1_000 });
    expect((await walletStub(who.userId).getPointsBalance()).activePoints).toBe(1_000);

    const events = await walletStub(who.userId).getEvents(null, 10);
    const confirmed = events.find((e) => e.type === "cashback.confirmed");
    expect(confirmed).toMatchObject({
      keyName: "wallet",
      status: "processed",
      data: {
        amountMinor: 100_000,
        currency: "INR",
        cashbackMinor: 5_000,
        transactionId: txnId,
        merchantId: "test-shop",
      },
    });
    expect(confirmed?.eventId.startsWith("@cashback:")).toBe(true);

    // The same approval again changes nothing and records no second event.
    await order(who, "CE-1", { status: "approved", updatedAtMs: T0 + 2 });
    const again = await walletStub(who.userId).getEvents(null, 10);
    expect(again.filter((e) => e.type === "cashback.confirmed")).toHaveLength(1);
  });

  it("a return after confirmation takes back what the confirmation earned, with the cashback", async () => {
    const who = await userWithClick("conv-return");
    await order(who, "CR-1", { status: "approved", updatedAtMs: T0 + 1 });
    expect(await balances(who.userId)).toMatchObject({ confirmed: 6_000 });
    await order(who, "CR-1", { status: "cancelled", updatedAtMs: T0 + 2 });
    expect(await balances(who.userId)).toMatchObject({ confirmed: 0 });
    const points = await walletStub(who.userId).getPointsBalance();
    expect(points).toMatchObject({ activePoints: 0, reversedPoints: 1_000 });
    const events = await walletStub(who.userId).getEvents(null, 10);
    expect(events.find((e) => e.type === "refund.completed")).toMatchObject({
      keyName: "wallet",
      status: "processed",
    });
  });

  it("a correction down after confirmation is a partial refund: its share is taken back", async () => {
    const who = await userWithClick("conv-correct");
    await order(who, "CC-1", { status: "approved", updatedAtMs: T0 + 1 });
    expect(await balances(who.userId)).toMatchObject({ confirmed: 6_000 });
    await order(who, "CC-1", { status: "approved", saleAmountMinor: 60_000, updatedAtMs: T0 + 2 });
    // 5% of 60,000 for the order; the bonus and the points lose 40%: 600 and 600 left.
    expect(await balances(who.userId)).toMatchObject({ confirmed: 3_000 + 600 });
    expect((await walletStub(who.userId).getPointsBalance()).activePoints).toBe(600);
    expect(await walletStub(who.userId).audit()).toEqual({ ok: true, violations: [] });
    // The same correction again refunds nothing more.
    await order(who, "CC-1", { status: "approved", saleAmountMinor: 60_000, updatedAtMs: T0 + 2 });
    const refunds = (await walletStub(who.userId).getEvents(null, 10)).filter(
      (e) => e.type === "refund.completed",
    );
    expect(refunds.map((e) => e.data.amountMinor)).toEqual([40_000]);
  });

  it("no sender may send cashback.confirmed, but the simulator evaluates it", async () => {
    const event = {
      id: eventId("fake-confirm"),
      type: "cashback.confirmed",
      userId: uniqueUser("conv-fake"),
      occurredAt: new Date().toISOString(),
      data: {
        amountMinor: 100_000,
        currency: "INR",
        cashbackMinor: 5_000,
        transactionId: "t1",
        merchantId: "test-shop",
      },
    };
    const sent = await sendEvents(event);
    expect(sent.status).toBe(400);
    expect(await sent.text()).toContain("recorded by the wallet itself");

    const simulated = await api("/admin/v1/rules/simulate", {
      method: "POST",
      headers: ADMIN_HEADERS,
      body: JSON.stringify({ against: "live", event }),
    });
    expect(simulated.status, await simulated.clone().text()).toBe(200);
    const body = (await simulated.json()) as {
      applied: Array<{ ruleId: string; pointsAsked?: number }>;
    };
    expect(body.applied).toContainEqual(
      expect.objectContaining({ ruleId: "confirmed-points", pointsAsked: 1_000 }),
    );
  });
});

describe("a confirmation's points under a pending period (BUG-SIM-4)", () => {
  it("are active at once: the confirmation is the source's (docs/loyalty.md)", async () => {
    const settings = structuredClone(DEFAULT_PROGRAM_SETTINGS);
    settings.points.pendingDays = 7;
    const saved = await api("/admin/v1/loyalty/program", {
      method: "PUT",
      headers: ADMIN_HEADERS,
      body: JSON.stringify({ settings, note: "a pending period" }),
    });
    expect(saved.status, await saved.clone().text()).toBe(200);
    forgetCachedConfig([PROGRAM_SETTINGS_KEY]);
    try {
      const who = await userWithClick("conv-pending-days");
      await order(who, "CP-1", { status: "approved", updatedAtMs: T0 + 1 });
      const points = await walletStub(who.userId).getPointsBalance();
      expect(points).toMatchObject({ activePoints: 1_000, pendingPoints: 0 });
      // Spendable now, as active points are.
      const redeemed = await walletStub(who.userId).redeemPointsForVoucher(
        who.userId,
        { key: "cp-1-voucher", points: 500 },
        { poolId: "p", code: "CP-1" },
      );
      expect(redeemed.status).toBe("created");
    } finally {
      await api("/admin/v1/loyalty/program", {
        method: "PUT",
        headers: ADMIN_HEADERS,
        body: JSON.stringify({ settings: DEFAULT_PROGRAM_SETTINGS, note: "back" }),
      });
      forgetCachedConfig([PROGRAM_SETTINGS_KEY]);
    }
  });
});

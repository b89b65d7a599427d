import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { transactionIdFor } from "#shared/ids";
import type { NotificationEventMessage } from "#shared/notify/message";
import { MS_PER_DAY } from "#shared/time/clock";
import { eventually, uniqueUser, walletStub } from "./helpers";
import { notificationRecorder } from "./notify-recorder";
import {
  BANK,
  loginFromNewDevice,
  payoutOf,
  postingsFor,
  redeem,
  redeemTo,
  sandbox,
  userWithDestination,
  waitForPayout,
} from "./payout-helpers";

/**
 * The wallet publishes notification events through its outbox, onto NOTIFY_TRANSACTIONAL, in
 * the transaction of the change they report: each exactly once, however often the change is
 * replayed or redelivered (test/notify-recorder.ts records what the wallets send).
 */
const recorder = notificationRecorder();
beforeAll(() => recorder.install());
afterAll(() => recorder.restore());

const of = recorder.of;
const ids = (userId: string) => of(userId).map((m) => m.id);

/** Waits until `userId` has been sent `count` events, then a moment more for stragglers. */
async function sentFor(userId: string, count: number): Promise<NotificationEventMessage[]> {
  await eventually(async () => of(userId).length >= count);
  await new Promise((r) => setTimeout(r, 300));
  return of(userId);
}

function counts(userId: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const id of ids(userId)) out[id] = (out[id] ?? 0) + 1;
  return out;
}

describe("cashback news", () => {
  it("earned, confirmed and clawed back: once each, replays told nothing", async () => {
    const userId = uniqueUser("notify-cashback");
    const clickId = `clk_${crypto.randomUUID().replaceAll("-", "")}`;
    const clickedAtMs = Date.now() - 120_000;
    const wallet = walletStub(userId);
    await wallet.recordClicks(userId, [
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
    const orderId = `NO-${userId}`;
    const txnId = await transactionIdFor("test-net", orderId);
    const event = (status: "pending" | "approved" | "cancelled", n: number) => ({
      txnId,
      postbackId: `pb_${n}`,
      networkId: "test-net",
      orderId,
      userId,
      offerId: "test-shop-offer",
      clickId,
      clickAtSec: Math.floor(clickedAtMs / 1000),
      status,
      currency: "INR",
      saleAmountMinor: 20_000,
      commissionMinor: 0,
      category: null,
      lineItems: null,
      occurredAtMs: clickedAtMs + 1_000,
      updatedAtMs: clickedAtMs + 1_000 + n,
      receivedAtMs: Date.now(),
    });
    expect((await wallet.applyConversion(event("pending", 1))).outcome).toBe("created");
    expect((await wallet.applyConversion(event("pending", 1))).outcome).toBe("duplicate");
    const [earned] = await sentFor(userId, 1);
    expect(earned).toMatchObject({
      kind: "notification",
      id: `${txnId}:earned`,
      type: "cashback_earned",
      vars: {
        merchantName: "test-shop",
        cashback: { amountMinor: 1_000, currency: "INR" },
        orderId,
      },
    });

    // The return window closes (the schedule, run twice): confirmed, told once.
    const far = Date.now() + 40 * MS_PER_DAY;
    await wallet.runDue(far);
    await wallet.runDue(far);
    await sentFor(userId, 2);
    // Returned after confirmation, and the same postback again.
    await wallet.applyConversion(event("cancelled", 2));
    await wallet.applyConversion(event("cancelled", 2));
    const all = await sentFor(userId, 3);
    expect(counts(userId)).toEqual({
      [`${txnId}:earned`]: 1,
      [`${txnId}:confirmed`]: 1,
      [`${txnId}:clawed_back`]: 1,
    });
    expect(all.find((m) => m.type === "cashback_clawed_back")?.vars).toEqual({
      merchantName: "test-shop",
      cashback: { amountMinor: 1_000, currency: "INR" },
      orderId,
      reason: "the order was returned",
    });
  });
});

describe("payout news", () => {
  it("initiated and paid once each, through duplicated and shuffled processor webhooks", async () => {
    const { user, destinationId } = await userWithDestination("notify-paid", 20_000);
    const before = of(user).length; // the confirmation that set the user up
    const response = await redeem(user, { amountMinor: 10_000, currency: "INR", destinationId });
    const { id } = (await response.json()) as { id: string };
    await waitForPayout(user, id, "paid");
    await sandbox().setFaults({ duplicateWebhooks: true, shuffleWebhooks: true });
    await sandbox().deliverWebhooks({ force: true });
    await sandbox().setFaults({});
    const all = await sentFor(user, before + 2);
    const payoutNews = all.filter((m) => m.type.startsWith("payout_"));
    expect(payoutNews.map((m) => m.id)).toEqual([`${id}:initiated`, `${id}:paid`]);
    expect(payoutNews[1]?.vars).toEqual({
      amount: { amountMinor: 10_000, currency: "INR" },
      destination: expect.stringMatching(/••9012$/),
    });
  });

  it("failed: once, with the reason, the money back", async () => {
    const { user, destinationId } = await userWithDestination("notify-failed", 20_000, {
      ...BANK,
      accountNumber: "987654320000",
    });
    const response = await redeem(user, { amountMinor: 10_000, currency: "INR", destinationId });
    const { id } = (await response.json()) as { id: string };
    await waitForPayout(user, id, "failed");
    await sandbox().setFaults({ duplicateWebhooks: true, shuffleWebhooks: true });
    await sandbox().deliverWebhooks({ force: true });
    await sandbox().setFaults({});
    expect(await postingsFor(user, id)).toEqual([
      `payout:${id}:credit_back`,
      `payout:${id}:reserve`,
    ]);
    await eventually(async () => ids(user).includes(`${id}:failed`));
    const failed = of(user).filter((m) => m.type === "payout_failed");
    expect(failed).toHaveLength(1);
    expect(failed[0]?.vars.reason).toBe("account invalid");
  });

  it("a new device is told once, and the payout it holds is told held, not initiated", async () => {
    const { user, destinationId } = await userWithDestination("notify-held", 20_000);
    await loginFromNewDevice(user); // "old" is the first device (never new); "new" is new
    await walletStub(user).recordLogin(user, "new", Date.now() - 30_000);
    const id = await redeemTo(user, destinationId, 10_000);
    expect((await payoutOf(user, id)).status).toBe("held");
    await eventually(async () => ids(user).some((i) => i.startsWith(`${id}:held`)));
    await new Promise((r) => setTimeout(r, 300));
    const news = of(user);
    expect(news.filter((m) => m.type === "new_device")).toHaveLength(1);
    expect(news.find((m) => m.type === "new_device")?.vars).toEqual({
      deviceLabel: expect.stringMatching(/^a new device \(/),
      signedInAt: expect.any(Number),
    });
    expect(news.filter((m) => m.type === "payout_held").map((m) => m.vars)).toEqual([
      { amount: { amountMinor: 10_000, currency: "INR" }, reason: "a new device was used" },
    ]);
    expect(news.some((m) => m.type === "payout_initiated")).toBe(false);
  });
});

describe("points news", () => {
  it("earned once, and 30, 7 and 1 days before expiry once each, however often the runs repeat", async () => {
    const userId = uniqueUser("notify-points");
    const wallet = walletStub(userId);
    const nowMs = Date.now();
    const input = {
      key: "welcome",
      sourceType: "event",
      sourceId: "signup",
      ruleId: "welcome_bonus",
      ruleVersion: 1,
      points: 250,
      pendingUntilMs: null,
      validity: { period: "60D" },
      nowMs,
    };
    const earned = await wallet.earnPoints(userId, input);
    expect((await wallet.earnPoints(userId, input)).status).toBe("exists");
    const expiresAtMs = "expiresAtMs" in earned ? (earned.expiresAtMs ?? 0) : 0;
    const lotId = "lotId" in earned ? earned.lotId : "";
    for (const days of [30, 7, 1]) {
      await wallet.runDue(expiresAtMs - days * MS_PER_DAY);
      await wallet.runDue(expiresAtMs - days * MS_PER_DAY);
    }
    await wallet.runDue(expiresAtMs - MS_PER_DAY + 1_000);
    const all = await sentFor(userId, 4);
    expect(counts(userId)).toEqual({
      [`${lotId}:earned`]: 1,
      [`${lotId}:expiring:30`]: 1,
      [`${lotId}:expiring:7`]: 1,
      [`${lotId}:expiring:1`]: 1,
    });
    expect(all.find((m) => m.type === "points_earned")?.vars).toEqual({
      points: 250,
      reason: "welcome bonus",
    });
    expect(all.find((m) => m.id === `${lotId}:expiring:1`)?.vars).toEqual({
      points: 250,
      expiresAt: expiresAtMs,
      daysLeft: 1,
    });
  });
});

describe("tier news", () => {
  it("a move between tiers is told once; a spend that moves nothing tells nothing", async () => {
    const userId = uniqueUser("notify-tier");
    const wallet = walletStub(userId);
    const policy = {
      tiers: [
        { name: "Bronze", thresholdMinor: 0 },
        { name: "Silver", thresholdMinor: 10_000 },
        { name: "Gold", thresholdMinor: 50_000 },
      ],
      currency: "INR",
      windowMonths: 12,
      graceDays: 30,
      upgradeImmediately: true,
      timeZone: "UTC",
    };
    const atMs = Date.now() - 60_000;
    const spend = (sourceId: string, amountMinor: number) =>
      wallet.recordQualifyingSpend(userId, {
        sourceType: "event",
        sourceId,
        amountMinor,
        currency: "INR",
        atMs,
        policy,
      });
    await spend("o1", 5_000); // Bronze: where every member starts
    await spend("o2", 6_000); // 11,000: Silver
    await spend("o2", 6_000); // the same purchase again
    await spend("o3", 1_000); // still Silver
    const all = await sentFor(userId, 1);
    expect(all.map((m) => [m.type, m.vars])).toEqual([
      ["tier_changed", { fromTier: "Bronze", toTier: "Silver" }],
    ]);
  });
});

describe("claim news", () => {
  it("a decision is told once; deciding again changes nothing", async () => {
    const userId = uniqueUser("notify-claim");
    const wallet = walletStub(userId);
    const clickId = `clk_${crypto.randomUUID().replaceAll("-", "")}`;
    const clickedAtMs = Date.now() - 3 * MS_PER_DAY;
    await wallet.recordClicks(userId, [
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
    const claimId = `clm_${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`;
    const filed = await wallet.fileClaim(userId, {
      claimId,
      clickId,
      orderId: "CL-1",
      amountMinor: 4_000,
      currency: "INR",
      purchasedAtMs: clickedAtMs + 60_000,
    });
    expect(filed.status).toBe("created");
    const decision = {
      outcome: "rejected" as const,
      reason: "the store has no such order",
      decidedBy: "ops@example.com",
      txnId: "",
      commissionMinor: 0,
    };
    expect((await wallet.decideClaim(claimId, decision)).status).toBe("decided");
    expect((await wallet.decideClaim(claimId, decision)).status).toBe("already");
    const all = await sentFor(userId, 1);
    expect(all.map((m) => [m.id, m.type, m.vars])).toEqual([
      [
        `${claimId}:decided`,
        "claim_decided",
        { orderId: "CL-1", decision: "rejected", reason: "the store has no such order" },
      ],
    ]);
  });
});

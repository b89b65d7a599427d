import { env } from "cloudflare:workers";
import { describe, expect, test } from "vitest";
import { MS_PER_DAY } from "#shared/time/clock";
import type { EarnPointsInput } from "./types";

/**
 * Points through the real wallet object (RPC on the stub, as the api worker calls it): lots,
 * FIFO spends, expiry on the schedule, idempotency under concurrency, rollback and debt, tiers.
 * Time is injected (`nowMs`, `runDue(asOfMs)`), so nothing waits for a real alarm.
 */

const T0 = Date.UTC(2027, 0, 10, 12);
let users = 0;
function wallet() {
  const userId = `points-user-${++users}-${Math.random().toString(36).slice(2, 8)}`;
  return { userId, stub: env.WALLET.get(env.WALLET.idFromName(userId)) };
}

function earn(over: Partial<EarnPointsInput> & { sourceId: string }): EarnPointsInput {
  return {
    key: `earn:${over.sourceId}:${over.ruleId ?? "rule_a"}`,
    sourceType: "event",
    ruleId: "rule_a",
    ruleVersion: 1,
    points: 100,
    pendingUntilMs: null,
    validity: { period: "12M" },
    nowMs: T0,
    ...over,
  };
}

const RATE = { points: 100, amountMinor: 50, currency: "INR" };

describe("points in the wallet object", () => {
  test("expiry across FIFO lots with partial spends takes only what is left", async () => {
    const { userId, stub } = wallet();
    // A earns first but expires later; B expires first: B is spent first.
    await stub.earnPoints(userId, earn({ sourceId: "A", validity: { period: "6M" } }));
    await stub.earnPoints(userId, earn({ sourceId: "B", validity: { period: "2M" } }));
    await stub.earnPoints(userId, earn({ sourceId: "C", validity: { period: "12M" } }));
    const spent = await stub.redeemPointsForCashback(
      userId,
      { key: "r1", points: 150 },
      RATE,
      T0 + 1,
    );
    expect(spent).toMatchObject({
      status: "created",
      amountMinor: 75,
      draws: [
        { lotId: "lot_2", points: 100 },
        { lotId: "lot_1", points: 50 },
      ],
    });

    // B's expiry: nothing left in B, nothing expires.
    const afterB = await stub.runDue(Date.UTC(2027, 2, 11));
    expect(afterB.expiredPoints).toBe(0);
    // A's expiry (10 Jul): its 50 left expire, not the 50 spent.
    const afterA = await stub.runDue(Date.UTC(2027, 6, 11));
    expect(afterA).toMatchObject({ expiredLots: 1, expiredPoints: 50 });
    // Running again changes nothing.
    expect((await stub.runDue(Date.UTC(2027, 6, 12))).expiredPoints).toBe(0);

    expect(await stub.getPointsBalance(Date.UTC(2027, 6, 12))).toEqual({
      activePoints: 100,
      pendingPoints: 0,
      spentPoints: 150,
      expiredPoints: 50,
      reversedPoints: 0,
      debtPoints: 0,
      nextExpiry: { atMs: Date.UTC(2028, 0, 11), points: 100 },
    });
    const lots = await stub.getPointsLots(null, 10);
    expect(lots.map((l) => [l.lotId, l.status, l.spentPoints, l.expiredPoints])).toEqual([
      ["lot_3", "active", 0, 0],
      ["lot_2", "used", 100, 0],
      ["lot_1", "expired", 50, 50],
    ]);
    expect(await stub.audit()).toEqual({ ok: true, violations: [] });
  });

  test("a spent point never also expires", async () => {
    const { userId, stub } = wallet();
    await stub.earnPoints(userId, earn({ sourceId: "S", validity: { period: "30D" } }));
    await stub.redeemPointsForCashback(userId, { key: "all", points: 100 }, RATE, T0 + 1);
    const run = await stub.runDue(T0 + 60 * MS_PER_DAY);
    expect(run.expiredPoints).toBe(0);
    expect(await stub.getPointsBalance(T0 + 60 * MS_PER_DAY)).toMatchObject({
      activePoints: 0,
      spentPoints: 100,
      expiredPoints: 0,
    });
    expect((await stub.audit()).ok).toBe(true);
  });

  test("the same earn 20 times concurrently earns once", async () => {
    const { userId, stub } = wallet();
    const results = await Promise.all(
      Array.from({ length: 20 }, () => stub.earnPoints(userId, earn({ sourceId: "dup" }))),
    );
    expect(results.filter((r) => r.status === "created")).toHaveLength(1);
    expect(results.filter((r) => r.status === "exists")).toHaveLength(19);
    expect((await stub.getPointsBalance(T0)).activePoints).toBe(100);
    // The same source and rule with other points is a conflict, not a second lot.
    expect(await stub.earnPoints(userId, earn({ sourceId: "dup", points: 5 }))).toMatchObject({
      status: "exists_with_different_amount",
    });
    expect((await stub.audit()).ok).toBe(true);
  });

  test("concurrent redemptions never overdraw", async () => {
    const { userId, stub } = wallet();
    await stub.earnPoints(userId, earn({ sourceId: "big", points: 1_000 }));
    const results = await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        stub.redeemPointsForCashback(userId, { key: `c${i}`, points: 100 }, RATE, T0 + 1),
      ),
    );
    expect(results.filter((r) => r.status === "created")).toHaveLength(10);
    expect(results.filter((r) => r.status === "insufficient_points")).toHaveLength(15);
    expect(await stub.getPointsBalance(T0 + 1)).toMatchObject({
      activePoints: 0,
      spentPoints: 1_000,
    });
    expect(await stub.getBalances()).toEqual([
      { bucket: "confirmed", currency: "INR", balanceMinor: 500 },
    ]);
    // The money ledger shows the cashback credits, never the points legs of the same postings.
    const ledger = await stub.listLedger(null, 100);
    expect(ledger.every((e) => e.currency === "INR")).toBe(true);
    expect(ledger).toHaveLength(10);
    expect((await stub.getPointsHistory(null, 100)).length).toBeGreaterThan(10);
    // A retried redemption is the same one.
    expect(
      await stub.redeemPointsForCashback(userId, { key: "c0", points: 100 }, RATE, T0 + 2),
    ).toMatchObject({ status: "exists", amountMinor: 50 });
    expect((await stub.audit()).ok).toBe(true);
  });

  test("pending points cannot be spent; they activate at the period's end or on confirmation", async () => {
    const { userId, stub } = wallet();
    await stub.earnPoints(userId, earn({ sourceId: "p1", pendingUntilMs: T0 + 30 * MS_PER_DAY }));
    await stub.earnPoints(userId, earn({ sourceId: "p2", pendingUntilMs: T0 + 30 * MS_PER_DAY }));
    expect(
      await stub.redeemPointsForCashback(userId, { key: "early", points: 10 }, RATE, T0 + 1),
    ).toEqual({ status: "insufficient_points", availablePoints: 0 });
    expect(await stub.confirmPointsSource(userId, "event", "p1", T0 + 5 * MS_PER_DAY)).toEqual({
      activatedLots: 1,
    });
    expect(await stub.getPointsBalance(T0 + 5 * MS_PER_DAY)).toMatchObject({
      activePoints: 100,
      pendingPoints: 100,
    });
    const run = await stub.runDue(T0 + 31 * MS_PER_DAY);
    expect(run.activatedLots).toBe(1);
    expect((await stub.getPointsBalance(T0 + 31 * MS_PER_DAY)).activePoints).toBe(200);
    expect((await stub.audit()).ok).toBe(true);
  });

  test("rollback of a partial refund: unspent first, spent becomes debt repaid by the next earn; a restore is exact", async () => {
    const { userId, stub } = wallet();
    await stub.earnPoints(userId, earn({ sourceId: "order", points: 200 }));
    await stub.redeemPointsForCashback(userId, { key: "spend", points: 150 }, RATE, T0 + 1);
    // A 75% refund takes back 150: the 50 unspent, and 100 as debt.
    const rolled = await stub.rollbackPoints(
      userId,
      { key: "refund-1", sourceType: "event", sourceId: "order", fraction: { num: 3, den: 4 } },
      T0 + 2,
    );
    expect(rolled).toEqual({ status: "created", takenPoints: 50, debtPoints: 100 });
    // Applied twice is still once.
    expect(
      await stub.rollbackPoints(
        userId,
        { key: "refund-1", sourceType: "event", sourceId: "order", fraction: { num: 3, den: 4 } },
        T0 + 3,
      ),
    ).toMatchObject({ status: "exists" });
    expect(await stub.getPointsBalance(T0 + 3)).toMatchObject({
      activePoints: 0,
      debtPoints: 100,
      reversedPoints: 50,
    });
    // The next earn repays the debt first.
    await stub.earnPoints(userId, earn({ sourceId: "next", points: 130, nowMs: T0 + 4 }));
    expect(await stub.getPointsBalance(T0 + 4)).toMatchObject({ activePoints: 30, debtPoints: 0 });
    // The chargeback is resolved for the member: exactly what was rolled back comes back.
    expect(await stub.restorePoints(userId, "refund-1", T0 + 5)).toEqual({
      status: "created",
      restoredPoints: 150,
      debtCancelledPoints: 0,
    });
    expect(await stub.restorePoints(userId, "refund-1", T0 + 6)).toMatchObject({
      status: "exists",
    });
    expect(await stub.getPointsBalance(T0 + 6)).toMatchObject({
      activePoints: 180,
      spentPoints: 150,
      reversedPoints: 0,
      debtPoints: 0,
    });
    expect((await stub.audit()).ok).toBe(true);
  });

  test("expiry events 30, 7 and 1 days before are published once each", async () => {
    const { userId, stub } = wallet();
    await stub.earnPoints(userId, earn({ sourceId: "n", validity: { period: "60D" } }));
    const expires = (await stub.getPointsLots(null, 1))[0]?.expiresAtMs ?? 0;
    const at = (days: number) => expires - days * MS_PER_DAY;
    expect((await stub.runDue(at(31))).pointsNotices).toBe(0);
    expect((await stub.runDue(at(30))).pointsNotices).toBe(1);
    expect((await stub.runDue(at(29))).pointsNotices).toBe(0);
    expect((await stub.runDue(at(7))).pointsNotices).toBe(1);
    expect((await stub.runDue(at(1))).pointsNotices).toBe(1);
    expect((await stub.runDue(at(0.5))).pointsNotices).toBe(0);
  });

  test("tiers: up at a threshold, a partial refund lowers it after grace", async () => {
    const { userId, stub } = wallet();
    const policy = {
      tiers: [
        { name: "Bronze", thresholdMinor: 0 },
        { name: "Silver", thresholdMinor: 10_000, benefits: { pointsMultiplierBps: 12_500 } },
        { name: "Gold", thresholdMinor: 50_000 },
      ],
      currency: "INR",
      windowMonths: 12,
      graceDays: 30,
      upgradeImmediately: true,
      timeZone: "UTC",
    };
    const purchase = { sourceType: "event", sourceId: "o1", currency: "INR", atMs: T0, policy };
    expect(await stub.getTier(T0)).toBeNull();
    expect(
      await stub.recordQualifyingSpend(userId, { ...purchase, amountMinor: 12_000 }, T0),
    ).toMatchObject({ status: "ok", tier: "Silver", changed: "upgrade" });
    expect(await stub.getTier(T0)).toMatchObject({
      tier: "Silver",
      benefits: { pointsMultiplierBps: 12_500 },
      next: { tier: "Gold", remainingMinor: 38_000, progressBps: 2_400 },
      keptUntilMs: Date.UTC(2028, 0, 10, 12) + 30 * MS_PER_DAY,
    });
    // A partial refund: 12,000 → 6,000 counts; Silver kept for the grace period.
    const refundAt = T0 + 10 * MS_PER_DAY;
    expect(
      await stub.recordQualifyingSpend(userId, { ...purchase, amountMinor: 6_000 }, refundAt),
    ).toMatchObject({ tier: "Silver", graceEndsAtMs: refundAt + 30 * MS_PER_DAY });
    // The nightly review after grace lowers it.
    const run = await stub.runDue(refundAt + 30 * MS_PER_DAY);
    expect(run.tier).toBe("Bronze");
    expect((await stub.getTierHistory(10)).map((h) => [h.fromTier, h.toTier, h.reason])).toEqual([
      ["Silver", "Bronze", "downgrade"],
      [null, "Silver", "first"],
    ]);
  });

  test("vouchers: points for a pool code, each code issued once, retries the same", async () => {
    const { userId, stub } = wallet();
    await stub.earnPoints(userId, earn({ sourceId: "v", points: 300 }));
    const voucher = { poolId: "pool_amazon_100", code: "AMZ-0001" };
    const [a, b] = await Promise.all([
      stub.redeemPointsForVoucher(userId, { key: "v1", points: 100 }, voucher, T0 + 1),
      stub.redeemPointsForVoucher(userId, { key: "v2", points: 100 }, voucher, T0 + 1),
    ]);
    expect([a?.status, b?.status].sort()).toEqual(["created", "voucher_code_taken"]);
    // Either may win the race; the winner's retry gets its code again.
    const winner = a?.status === "created" ? "v1" : "v2";
    expect(
      await stub.redeemPointsForVoucher(userId, { key: winner, points: 100 }, voucher, T0 + 2),
    ).toMatchObject({ status: "exists", voucherCode: "AMZ-0001" });
    expect(await stub.getPointsBalance(T0 + 2)).toMatchObject({
      activePoints: 200,
      spentPoints: 100,
    });
    expect(await stub.getBalances()).toEqual([]);
    expect((await stub.audit()).ok).toBe(true);
  });

  test("a source rewarded by two rules is rolled back across both lots, pending first", async () => {
    const { userId, stub } = wallet();
    await stub.earnPoints(userId, earn({ sourceId: "o", ruleId: "base", points: 100 }));
    await stub.earnPoints(
      userId,
      earn({ sourceId: "o", ruleId: "boost", points: 50, pendingUntilMs: T0 + 10 * MS_PER_DAY }),
    );
    expect(
      await stub.rollbackPoints(
        userId,
        { key: "refund", sourceType: "event", sourceId: "o", fraction: { bps: 6_000 } },
        T0 + 1,
      ),
    ).toEqual({ status: "created", takenPoints: 90, debtPoints: 0 });
    expect(await stub.getPointsBalance(T0 + 1)).toMatchObject({
      pendingPoints: 0,
      activePoints: 60,
      reversedPoints: 90,
    });
    // The emptied pending lot still activates (with nothing in it) and writes no entry.
    expect((await stub.runDue(T0 + 11 * MS_PER_DAY)).activatedLots).toBe(1);
    expect((await stub.audit()).ok).toBe(true);
  });

  test("expiry is bounded per run and picks up the rest at once", async () => {
    const { userId, stub } = wallet();
    for (let i = 0; i < 230; i++) {
      await stub.earnPoints(
        userId,
        earn({ sourceId: `bulk-${i}`, points: 2, validity: { period: "1D" } }),
      );
    }
    const first = await stub.runDue(T0 + 3 * MS_PER_DAY);
    expect(first).toMatchObject({ expiredLots: 200, expiredPoints: 400, more: true });
    const second = await stub.runDue(T0 + 3 * MS_PER_DAY);
    expect(second).toMatchObject({ expiredLots: 30, expiredPoints: 60, more: false });
    expect((await stub.audit()).ok).toBe(true);
  });

  test("bad input is refused and writes nothing", async () => {
    const { userId, stub } = wallet();
    expect(await stub.earnPoints(userId, earn({ sourceId: "x", points: -5 }))).toMatchObject({
      status: "invalid",
    });
    expect(
      await stub.earnPoints(userId, earn({ sourceId: "x", validity: { period: "12 months" } })),
    ).toMatchObject({ status: "invalid" });
    expect(
      await stub.rollbackPoints(
        userId,
        { key: "r", sourceType: "event", sourceId: "nothing", fraction: { bps: 5_000 } },
        T0,
      ),
    ).toMatchObject({ status: "not_found" });
    expect(await stub.getPointsLots(null, 10)).toEqual([]);
  });
});

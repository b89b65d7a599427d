import { env } from "cloudflare:workers";
import type { BatchItem } from "drizzle-orm/batch";
import { drizzle } from "drizzle-orm/d1";
import { describe, expect, it } from "vitest";
import { runPointsBackstop } from "#workers/api/src/features/loyalty/index";
import { eventually, uniqueUser, walletStub } from "./helpers";

/**
 * The loyalty program's cron backstop: every wallet projects when its points next need work
 * (`loyalty_due` in D1, through the ledger events queue); the backstop visits the wallets whose
 * time has passed and runs what is due there — the same run the wallet's own alarm does — so a
 * lost alarm cannot leave points unexpired.
 */
const DAY_MS = 86_400_000;

async function dueRow(userId: string) {
  return env.DB.prepare(`SELECT due_at_ms, seq FROM loyalty_due WHERE user_id = ?`)
    .bind(userId)
    .first<{ due_at_ms: number | null; seq: number }>();
}

describe("points backstop", () => {
  it("finds a wallet by its projected due time, expires its points, and moves it out of range", async () => {
    const userId = uniqueUser("backstop");
    const wallet = walletStub(userId);
    const nowMs = Date.now();
    const earned = await wallet.earnPoints(userId, {
      key: "welcome",
      sourceType: "event",
      sourceId: "signup",
      ruleId: "welcome_bonus",
      ruleVersion: 1,
      points: 300,
      pendingUntilMs: null,
      validity: { period: "10D" },
      nowMs,
    });
    expect(earned.status).toBe("created");
    const row = await eventually(() => dueRow(userId));
    // The earliest work due is the first expiry notice (or the expiry itself), both ahead.
    expect(row.due_at_ms).toBeGreaterThan(nowMs);

    const later = nowMs + 30 * DAY_MS;
    const report = await runPointsBackstop(env, later);
    expect(report.failures).toBe(0);
    expect(report.usersVisited).toBeGreaterThanOrEqual(1);
    expect((await wallet.getPointsBalance(later)).expiredPoints).toBe(300);

    // The wallet published that nothing is due any more: the next run does not visit it.
    await eventually(async () => (await dueRow(userId))?.due_at_ms === null);
    expect((await dueRow(userId))?.seq).toBeGreaterThan(row.seq);
    const again = await runPointsBackstop(env, later);
    expect(again.expiredPoints).toBe(0);
  });

  it("an older due time never overwrites a newer one", async () => {
    const { loyaltyDueProjection } = await import("#workers/api/src/features/loyalty/index");
    const userId = uniqueUser("backstop-order");
    const project = (seq: number, dueAtMs: number | null) => {
      const { db, statements } = loyaltyDueProjection(env, {
        kind: "loyalty_due",
        userId,
        seq,
        dueAtMs,
      });
      return drizzle(db).batch(statements as [BatchItem<"sqlite">]);
    };
    await project(2, null);
    await project(1, 5_000);
    expect(await dueRow(userId)).toEqual({ due_at_ms: null, seq: 2 });
    await project(3, 7_000);
    expect(await dueRow(userId)).toEqual({ due_at_ms: 7_000, seq: 3 });
  });
});

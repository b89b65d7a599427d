import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MS_PER_DAY } from "#shared/time/clock";
import { eventually, walletStub } from "./helpers";

/**
 * Points expiry notices travel the real path: the wallet's schedule queues them in its outbox,
 * the outbox sends them to the notices queue, the consumer hands them to the notifier, and the
 * test runtime's `outbox` channel keeps them in D1 (GET /admin/v1/dev/notifications).
 */
describe("points expiry notices", () => {
  it("30, 7 and 1 days before expiry reach the development outbox once each", async () => {
    const userId = `points-notice-${Math.random().toString(36).slice(2, 10)}`;
    const wallet = walletStub(userId);
    const nowMs = Date.now();
    const earned = await wallet.earnPoints(userId, {
      key: "welcome",
      sourceType: "event",
      sourceId: "signup",
      ruleId: "welcome_bonus",
      ruleVersion: 1,
      points: 250,
      pendingUntilMs: null,
      validity: { period: "60D" },
      nowMs,
    });
    expect(earned.status).toBe("created");
    const expiresAtMs = "expiresAtMs" in earned ? (earned.expiresAtMs ?? 0) : 0;
    for (const days of [30, 7, 1]) await wallet.runDue(expiresAtMs - days * MS_PER_DAY);
    await wallet.runDue(expiresAtMs - MS_PER_DAY + 1_000);

    const rows = await eventually(async () => {
      const found = await env.DB.prepare(
        `SELECT id, kind, body FROM notification_outbox WHERE user_id = ? ORDER BY id`,
      )
        .bind(userId)
        .all<{ id: string; kind: string; body: string }>();
      return found.results.length === 3 ? found.results : null;
    });
    const lotId = "lotId" in earned ? earned.lotId : "";
    expect(rows.map((r) => r.id)).toEqual([
      `points_expiring:${lotId}:1`,
      `points_expiring:${lotId}:30`,
      `points_expiring:${lotId}:7`,
    ]);
    expect(rows.every((r) => r.kind === "points_expiring")).toBe(true);
    expect(JSON.parse(rows[0]?.body ?? "{}")).toEqual({
      lotId,
      points: 250,
      expiresAt: new Date(expiresAtMs).toISOString(),
      daysBefore: 1,
    });
  });
});

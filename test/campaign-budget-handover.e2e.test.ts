import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { budgetFor } from "#durable-objects/budget/index";
import { budgetOf, HAND_OVER_PAGE_MAX } from "#durable-objects/campaign-budget/index";
import { joinBudgetKey } from "#shared/rules/index";

/**
 * Issue 11: a campaign's boost budget moves from its legacy CampaignBudgetDurableObject to the
 * rule budget `rule:campaign.<id>:campaign:<id>:lifetime` in the BudgetDurableObject. Through
 * the real objects: the first touch of the new key takes the legacy budget over with its
 * reservations, so the wallets' next requests (same seq: repeat; newer: adjust) carry on.
 */

const keyOf = (campaignId: string) =>
  joinBudgetKey(`campaign.${campaignId}`, "campaign", campaignId, "lifetime");

const legacyRequest = (
  campaignId: string,
  userId: string,
  txnId: string,
  desiredMinor: number,
  seq = 1,
) => ({ campaignId, userId, txnId, currency: "INR", desiredMinor, seq });

const walletRequest = (
  campaignId: string,
  holder: string,
  reference: string,
  desired: number,
  seq = 1,
) => ({ budgetKey: keyOf(campaignId), unit: "INR", holder, reference, desired, seq });

/** A legacy budget of 1,000 with a full grant, a partial grant and a release. */
async function legacyCampaign(campaignId: string) {
  const legacy = budgetOf(env, campaignId);
  await legacy.configure({ campaignId, currency: "INR", budgetMinor: 1_000 });
  expect(await legacy.reserve(legacyRequest(campaignId, "u1", "t1", 600))).toMatchObject({
    grantedMinor: 600,
  });
  expect(await legacy.reserve(legacyRequest(campaignId, "u2", "t1", 600))).toMatchObject({
    grantedMinor: 400,
  });
  const { desiredMinor: _d, ...release } = legacyRequest(campaignId, "u1", "t1", 0, 2);
  expect(await legacy.release(release)).toMatchObject({ status: "granted", grantedMinor: 0 });
  expect(await legacy.reserve(legacyRequest(campaignId, "u1", "t2", 300))).toMatchObject({
    grantedMinor: 300,
  });
  return legacy;
}

describe("a campaign's legacy budget handed over to its rule budget", () => {
  it("is imported on the first touch: same totals, same grants, audit holds", async () => {
    const legacy = await legacyCampaign("ho-first");
    const legacyTotals = await legacy.totals();
    expect(legacyTotals).toMatchObject({
      budgetMinor: 1_000,
      desiredMinor: 900,
      grantedTotalMinor: 1_300,
      releasedTotalMinor: 600,
      outstandingMinor: 700,
      remainingMinor: 300,
      reservations: 2,
      partialReservations: 1,
    });

    const key = keyOf("ho-first");
    const budget = budgetFor(env, key);
    // The wallet repeats its last request for u2/t1: the same partial grant.
    expect(await budget.reserve(walletRequest("ho-first", "u2", "t1", 600))).toEqual({
      status: "repeat",
      granted: 400,
      desired: 600,
      remaining: 300,
      seq: 1,
      unit: "INR",
      limit: 1_000,
    });
    expect(await budget.usage(key)).toMatchObject({
      ruleId: "campaign.ho-first",
      entity: "campaign",
      entityId: "ho-first",
      period: "lifetime",
      unit: "INR",
      limit: legacyTotals?.budgetMinor,
      limitVersion: 0,
      askedTotal: legacyTotals?.desiredMinor,
      grantedTotal: legacyTotals?.grantedTotalMinor,
      releasedTotal: legacyTotals?.releasedTotalMinor,
      outstanding: legacyTotals?.outstandingMinor,
      remaining: legacyTotals?.remainingMinor,
      reservations: legacyTotals?.reservations,
      partialReservations: legacyTotals?.partialReservations,
      overLimit: 0,
    });
    expect(await budget.audit()).toEqual({ ok: true, violations: [] });

    // The release's seq came along: the reserve it overtook is still stale.
    expect(await budget.reserve(walletRequest("ho-first", "u1", "t1", 600, 1))).toMatchObject({
      status: "stale",
      granted: 0,
      seq: 2,
    });
    // A newer request adjusts: u2/t1 asks 900, gets its 400 plus the 300 that remain.
    expect(await budget.reserve(walletRequest("ho-first", "u2", "t1", 900, 2))).toMatchObject({
      status: "granted",
      granted: 700,
      remaining: 0,
    });
    expect(await budget.audit()).toEqual({ ok: true, violations: [] });
  });

  it("leaves the legacy object moved: it changes nothing and still reads", async () => {
    const legacy = await legacyCampaign("ho-moved");
    const before = await legacy.totals();
    await budgetFor(env, keyOf("ho-moved")).usage(keyOf("ho-moved"));

    expect(await legacy.reserve(legacyRequest("ho-moved", "u9", "t9", 100))).toMatchObject({
      status: "moved",
      grantedMinor: 0,
    });
    expect(await legacy.reserve(legacyRequest("ho-moved", "u2", "t1", 600, 3))).toMatchObject({
      status: "moved",
      grantedMinor: 400,
      seq: 1,
    });
    const { desiredMinor: _d, ...release } = legacyRequest("ho-moved", "u1", "t2", 0, 2);
    expect(await legacy.release(release)).toMatchObject({ status: "moved", grantedMinor: 300 });
    expect(
      await legacy.configure({ campaignId: "ho-moved", currency: "INR", budgetMinor: 5_000 }),
    ).toMatchObject({ status: "moved", totals: { budgetMinor: 1_000 } });
    expect(await legacy.totals()).toEqual(before);
    expect(await legacy.audit()).toEqual({ ok: true, violations: [] });
  });

  it("hands over the same data every time, and is imported only once", async () => {
    const legacy = await legacyCampaign("ho-twice");
    const first = await legacy.handOver();
    expect(first).toMatchObject({
      campaignId: "ho-twice",
      currency: "INR",
      budgetMinor: 1_000,
      grantedTotalMinor: 1_300,
      releasedTotalMinor: 600,
      next: null,
      reservations: [
        { userId: "u1", txnId: "t1", desiredMinor: 0, grantedMinor: 0, seq: 2 },
        { userId: "u1", txnId: "t2", desiredMinor: 300, grantedMinor: 300, seq: 1 },
        { userId: "u2", txnId: "t1", desiredMinor: 600, grantedMinor: 400, seq: 1 },
      ],
    });
    expect(await legacy.handOver()).toEqual(first);

    // Ten wallets touch the new key at once: one import, every answer from it.
    const key = keyOf("ho-twice");
    const budget = budgetFor(env, key);
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => budget.reserve(walletRequest("ho-twice", "u1", "t2", 300))),
    );
    expect(answers.every((a) => a.status === "repeat" && a.granted === 300)).toBe(true);
    expect(await legacy.handOver()).toEqual(first);

    // Changed after the import, then touched again: the row is found, nothing is re-imported.
    await budget.reserve(walletRequest("ho-twice", "u3", "t1", 200));
    await budget.configure({ budgetKey: key, unit: "INR", limit: 2_000 });
    expect(await budget.usage(key)).toMatchObject({
      limit: 2_000,
      grantedTotal: 1_500,
      outstanding: 900,
      askedTotal: 1_100,
    });
    await runInDurableObject(budget, (_instance, state) => {
      const rows = state.storage.sql
        .exec<{ n: number }>(`SELECT COUNT(*) AS n FROM reservations`)
        .one().n;
      expect(rows).toBe(4);
    });
    expect(await budget.audit()).toEqual({ ok: true, violations: [] });
  });

  it("pages the hand-over, and imports every page", async () => {
    const campaignId = "ho-pages";
    const legacy = budgetOf(env, campaignId);
    await legacy.configure({ campaignId, currency: "INR", budgetMinor: 1_000_000 });
    // More reservations than one page holds, written straight into the legacy tables.
    const count = HAND_OVER_PAGE_MAX + 5;
    await runInDurableObject(legacy, (_instance, state) => {
      const sql = state.storage.sql;
      for (let i = 0; i < count; i++) {
        sql.exec(
          `INSERT INTO reservations (user_id, txn_id, desired_minor, granted_minor, seq,
             created_at_ms, updated_at_ms) VALUES (?, ?, 10, 10, 1, 1, 1)`,
          `u${i % 7}`,
          `t${String(i).padStart(5, "0")}`,
        );
      }
      sql.exec(
        `UPDATE budget SET desired_minor = ?, granted_total_minor = ? WHERE id = 1`,
        count * 10,
        count * 10,
      );
    });

    // Small pages: every reservation once, in (userId, txnId) order.
    const seen: string[] = [];
    let page = await legacy.handOver({ limit: 400 });
    seen.push(...(page?.reservations ?? []).map((r) => `${r.userId}/${r.txnId}`));
    while (page?.next) {
      page = await legacy.handOver({ ...page.next, limit: 400 });
      seen.push(...(page?.reservations ?? []).map((r) => `${r.userId}/${r.txnId}`));
    }
    expect(seen).toHaveLength(count);
    expect(new Set(seen).size).toBe(count);
    expect(seen).toEqual([...seen].sort());

    const key = keyOf(campaignId);
    expect(await budgetFor(env, key).usage(key)).toMatchObject({
      askedTotal: count * 10,
      outstanding: count * 10,
      reservations: count,
    });
    expect(await budgetFor(env, key).audit()).toEqual({ ok: true, violations: [] });
  });

  it("imports nothing from a campaign whose legacy budget was never configured", async () => {
    const key = keyOf("ho-none");
    const budget = budgetFor(env, key);
    expect(await budget.reserve(walletRequest("ho-none", "u1", "t1", 100))).toMatchObject({
      status: "not_configured",
    });
    expect(await budgetOf(env, "ho-none").handOver()).toBeNull();
    expect(await budget.configure({ budgetKey: key, unit: "INR", limit: 500 })).toMatchObject({
      status: "configured",
      usage: { limit: 500, outstanding: 0, reservations: 0 },
    });
    expect(await budget.reserve(walletRequest("ho-none", "u1", "t1", 100))).toMatchObject({
      status: "granted",
      granted: 100,
    });
  });

  it("leaves other rules' campaign budgets alone", async () => {
    const legacy = await legacyCampaign("ho-other");
    // Not the campaign's own rule: no hand-over, a rule budget like any other.
    const key = joinBudgetKey("boost.x", "campaign", "ho-other", "lifetime");
    const budget = budgetFor(env, key);
    expect(
      await budget.reserve({ ...walletRequest("ho-other", "u2", "t1", 600), budgetKey: key }),
    ).toMatchObject({ status: "not_configured" });
    expect(await legacy.reserve(legacyRequest("ho-other", "u2", "t1", 600))).toMatchObject({
      status: "repeat",
    });
  });
});

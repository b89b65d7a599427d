import { createMessageBatch } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ORDER_AT_FACT } from "#shared/fraud/return-signals";
import type { Observation } from "#shared/fraud/risk-contract";
import { readUserOrderCounts } from "#shared/fraud/user-order-counts";
import type { LedgerEventMessage, RiskHoldProjection } from "#shared/messages";
import { createApp } from "#workers/api/src/app";
import { refreshReturnRates } from "#workers/api/src/features/fraud/index";
import { recordOrdersAndRead } from "#workers/api/src/features/fraud/return-store";
import { consumeLedgerEvents } from "#workers/api/src/features/ledger/consumer";
import { labelledHoldsPage } from "#workers/api/src/features/risk-labels/store";
import { ADMIN_HEADERS } from "./helpers";
import { homeAndOther, TWO_USER_DBS as TWO, usersOnBothShards } from "./user-dbs";

/**
 * The risk tables behind the D1 router at two user databases (docs/scaling.md "D1 router"):
 * each user's rows land in that user's database, and every reader over users finds them all.
 */
const RUN = Math.random().toString(36).slice(2, 8);

describe("risk orders at two user databases", () => {
  const MERCHANT = `m-${RUN}`;

  function order(
    userId: string,
    i: number,
    kind: "conversion" | "return",
    merchant = MERCHANT,
  ): Observation {
    const nowMs = Date.now();
    return {
      observationId: `obs-${RUN}-${kind}-${i}`,
      userId,
      kind,
      atMs: nowMs - 1_000 + i,
      subjectRef: `txn-${RUN}-${i}`,
      facts: {
        "signal.merchantId": merchant,
        "signal.category": `cat-${RUN}`,
        ...(kind === "return" ? { [ORDER_AT_FACT]: nowMs - 10_000 } : {}),
      },
    };
  }

  async function ordersIn(db: D1Database, userId: string) {
    const row = await db
      .prepare(`SELECT COUNT(*) AS n FROM risk_orders WHERE user_id = ?1`)
      .bind(userId)
      .first<{ n: number }>();
    return row?.n ?? 0;
  }

  it("the risk consumer records each order on its user's database and counts every user's", async () => {
    const users = usersOnBothShards(`zz-rord-${RUN}-`, 4);
    // Two orders each, and the first user returns one of them.
    const observations = users.flatMap((u, i) => [
      order(u, 2 * i, "conversion"),
      order(u, 2 * i + 1, "conversion"),
    ]);
    observations.push(order(users[0] ?? "", 0, "return"));
    const { counts, facts } = await recordOrdersAndRead(TWO, observations, Date.now());
    for (const [i, user] of users.entries()) {
      const { home, other } = homeAndOther(user);
      expect(await ordersIn(home, user)).toBe(2);
      expect(await ordersIn(other, user)).toBe(0);
      expect(counts.get(user)).toMatchObject({ orders: 2, returns: i === 0 ? 1 : 0 });
    }
    expect(facts.get(`obs-${RUN}-return-0`)).toMatchObject({ "signal.merchantId": MERCHANT });
    // The risk object's own read finds each user on its database.
    const read = await readUserOrderCounts(TWO, users, Date.now());
    expect(users.map((u) => read.get(u)?.orders)).toEqual([2, 2, 2, 2]);
    // The global database alone would miss the users on database 1.
    const globalOnly = await readUserOrderCounts(env, users, Date.now());
    expect(users.filter((u) => globalOnly.get(u)?.orders === 2).length).toBeLessThan(4);
  });

  it("the hourly refresh sums every user database's orders into the global rates", async () => {
    const users = usersOnBothShards(`zz-rrate-${RUN}-`, 6);
    const merchant = `m-rate-${RUN}`;
    await recordOrdersAndRead(
      TWO,
      [
        ...users.map((u, i) => order(u, 100 + i, "conversion", merchant)),
        order(users[1] ?? "", 101, "return", merchant),
      ],
      Date.now(),
    );
    await refreshReturnRates(TWO, Date.now());
    const rate = await env.DB.prepare(
      `SELECT orders, returns FROM risk_return_rates WHERE scope = 'merchant' AND key = ?1`,
    )
      .bind(merchant)
      .first<{ orders: number; returns: number }>();
    // Six orders on both databases, one returned: the global database alone holds fewer.
    expect(rate).toEqual({ orders: 6, returns: 1 });
    // The next batch reads the summed rate from the global database.
    const later = order(users[2] ?? "", 200, "return", merchant);
    const { facts } = await recordOrdersAndRead(TWO, [later], Date.now());
    expect(facts.get(later.observationId)).toMatchObject({ "signal.merchantOrders90d": 6 });
  });
});

/** An admin GET through the api app at two user databases. */
async function adminGet<T>(path: string): Promise<T> {
  const response = await createApp().fetch(
    new Request(`https://api.test${path}`, { headers: ADMIN_HEADERS }),
    TWO,
  );
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as T;
}

describe("risk holds at two user databases", () => {
  const REASON = `zz_reason_${RUN}`;
  const RULE = `rule-${RUN}`;
  // Placed within today (UTC), a second apart, so the analytics' default range holds them all.
  const DAY_START_MS = Math.floor(Date.now() / 86_400_000) * 86_400_000;

  function hold(
    userId: string,
    i: number,
    status: "active" | "released" | "upheld",
  ): RiskHoldProjection {
    const ended = status !== "active";
    return {
      kind: "risk_hold",
      userId,
      hold: {
        holdId: `hold-${RUN}-${i}`,
        kind: "payouts",
        subjectRef: null,
        source: "rule",
        ruleId: RULE,
        ruleVersion: 1,
        reasons: [{ code: REASON, score: 40, detail: "two-database test" }],
        status,
        placedAtMs: DAY_START_MS + 1_000 * (i + 1),
        autoReleaseAtMs: null,
        endedAtMs: ended ? DAY_START_MS + 60_000 + 1_000 * i : null,
        endedHow: ended ? "operator" : null,
        decidedBy: ended ? "ops" : null,
        decisionNote: ended ? "checked" : null,
        label: status === "upheld" ? "fraud" : status === "released" ? "not_fraud" : null,
        decisionSignals: null,
        version: 1,
      },
    };
  }

  async function project(bodies: LedgerEventMessage[]) {
    await consumeLedgerEvents(
      createMessageBatch<LedgerEventMessage>(
        "boomerang-ledger-events",
        bodies.map((body, i) => ({ id: `h${i}`, timestamp: new Date(), attempts: 1, body })),
      ),
      TWO,
    );
  }

  // Six users on both databases: holds 0..3 active, 4 released, 5 upheld.
  const users = usersOnBothShards(`zz-rhold-${RUN}-`, 6);
  const statusOf = (i: number) => (i < 4 ? "active" : i === 4 ? "released" : "upheld");

  it("the ledger-events consumer projects each hold on its user's database only", async () => {
    await project(users.map((u, i) => hold(u, i, statusOf(i))));
    for (const [i, user] of users.entries()) {
      const { home, other } = homeAndOther(user);
      const found = (db: D1Database) =>
        db
          .prepare(`SELECT status FROM risk_holds WHERE user_id = ?1 AND hold_id = ?2`)
          .bind(user, `hold-${RUN}-${i}`)
          .first<{ status: string }>();
      expect((await found(home))?.status).toBe(statusOf(i));
      expect(await found(other)).toBeNull();
    }
  });

  it("the review queue (GET /admin/v1/risk/holds) pages both databases in its order", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 10; page++) {
      const query = new URLSearchParams({
        status: "active",
        reason: REASON,
        limit: "3",
        ...(cursor ? { cursor } : {}),
      });
      const body: { holds: Array<{ holdId: string }>; nextCursor: string | null } = await adminGet(
        `/admin/v1/risk/holds?${query}`,
      );
      seen.push(...body.holds.map((h) => h.holdId));
      cursor = body.nextCursor;
      if (cursor === null) break;
    }
    // Active holds oldest placed first.
    expect(seen).toEqual([0, 1, 2, 3].map((i) => `hold-${RUN}-${i}`));
    // Ended ones newest ended first; one user's from its own database.
    const ended: { holds: Array<{ holdId: string }> } = await adminGet(
      `/admin/v1/risk/holds?status=upheld&reason=${REASON}`,
    );
    expect(ended.holds.map((h) => h.holdId)).toEqual([`hold-${RUN}-5`]);
    const mine: { holds: Array<{ holdId: string }> } = await adminGet(
      `/admin/v1/risk/holds?userId=${encodeURIComponent(users[2] ?? "")}&reason=${REASON}`,
    );
    expect(mine.holds.map((h) => h.holdId)).toEqual([`hold-${RUN}-2`]);
  });

  it("the labels export pages labelled holds of both databases in keyset order", async () => {
    const range = { fromMs: DAY_START_MS, toMs: DAY_START_MS + 120_000 };
    const page = await labelledHoldsPage(TWO, range, null, 10);
    const mine = page.filter((r) => r.ruleId === RULE);
    expect(mine.map((r) => [r.holdId, r.label])).toEqual([
      [`hold-${RUN}-4`, "not_fraud"],
      [`hold-${RUN}-5`, "fraud"],
    ]);
    // One row a page: the second page starts after the first, none lost or repeated.
    const first = (await labelledHoldsPage(TWO, range, null, 1))[0];
    expect(first).toBeDefined();
    const next = await labelledHoldsPage(
      TWO,
      range,
      first ? { endedAtMs: first.endedAtMs, userId: first.userId, holdId: first.holdId } : null,
      10,
    );
    expect([first, ...next].map((r) => r?.holdId)).toEqual(page.map((r) => r.holdId));
  });

  it("the hold rates (GET /admin/v1/analytics/risk-holds) add up every user database", async () => {
    interface Counts {
      placed: number;
      heldUsers: number;
      pending: number;
      decided: number;
      falsePositives: number;
      scoredUsers?: number;
    }
    const f: {
      totals: Counts & { scoredUsers: number };
      byReason: Array<Counts & { reason: string }>;
      byRule: Array<Counts & { ruleId: string | null }>;
    } = await adminGet(`/admin/v1/analytics/risk-holds?reason=${REASON}`);
    const expected = { placed: 6, heldUsers: 6, pending: 4, decided: 2, falsePositives: 1 };
    expect(f.totals).toMatchObject(expected);
    // Every held user counts as scored, whichever database holds them.
    expect(f.totals.scoredUsers).toBeGreaterThanOrEqual(6);
    expect(f.byReason).toEqual([expect.objectContaining({ reason: REASON, ...expected })]);
    expect(f.byRule).toEqual([expect.objectContaining({ ruleId: RULE, ...expected })]);
  });
});

import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ORDER_AT_FACT } from "#shared/fraud/return-signals";
import type { Observation } from "#shared/fraud/risk-contract";
import { readUserOrderCounts } from "#shared/fraud/user-order-counts";
import { refreshReturnRates } from "#workers/api/src/features/fraud/index";
import { recordOrdersAndRead } from "#workers/api/src/features/fraud/return-store";
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

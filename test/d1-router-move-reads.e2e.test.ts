import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { forgetOpenMove } from "#shared/db/move-reads";
import { shardOf } from "#shared/queues/shards";
import { createApp } from "#workers/api/src/app";
import { freshProgress } from "#workers/api/src/features/user-db-moves/progress";
import { ADMIN_HEADERS } from "./helpers";
import { TWO_USER_DBS as TWO } from "./user-dbs";

/**
 * Lists over every user database during a move (docs/scaling.md "Re-sharding the user
 * databases"): after the flip to two databases and before the sweep, a moved user's rows are
 * at the old home (database 0) and at the new one (database 1); the transactions search shows
 * each once, and a page that loses the old home's rows is topped up from that database, so a
 * later row there is not skipped.
 */
const RUN = Math.random().toString(36).slice(2, 8);
const T0 = Date.UTC(2026, 0, 1);
const MOVE_ID = `udm_reads_${RUN}`;

/** `count` users whose home at two databases is `index`. */
function usersAt(index: number, count: number, prefix: string): string[] {
  const users: string[] = [];
  for (let i = 0; users.length < count; i++) {
    if (shardOf(`${prefix}-${i}`, 2) === index) users.push(`${prefix}-${i}`);
  }
  return users;
}

async function insertTransaction(
  db: D1Database,
  t: { id: string; network: string; userId: string | null; status: string; atMs: number },
) {
  await db
    .prepare(
      `INSERT INTO transactions (id, network_id, order_id, user_id, status, currency,
         sale_amount_minor, commission_minor, cashback_minor, rate_bps, converted_at_ms, version, updated_at_ms)
       VALUES (?, ?, ?, ?, ?, 'EUR', 1000, 100, 50, 500, ?, 1, ?)`,
    )
    .bind(t.id, t.network, `o_${t.id}`, t.userId, t.status, t.atMs, t.atMs)
    .run();
}

/** A move 1 → 2 flipped (the test's env reads 2) and not swept. */
async function openFlippedMove() {
  await env.DB.prepare(
    `INSERT INTO user_db_moves (id, from_shards, to_shards, progress, rev, created_at_ms, updated_at_ms)
     VALUES (?, 1, 2, ?, 0, ?, ?)`,
  )
    .bind(MOVE_ID, JSON.stringify(freshProgress()), T0, T0)
    .run();
  forgetOpenMove(TWO);
}

/** Every page of the transactions search, `limit` rows a page: the ids in order. */
async function allPages(query: string, limit: number): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 20; page++) {
    const url = `https://api.test/admin/v1/transactions?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`;
    const response = await createApp().fetch(new Request(url, { headers: ADMIN_HEADERS }), TWO);
    expect(response.status, await response.clone().text()).toBe(200);
    const body = (await response.json()) as { items: { id: string }[]; nextCursor: string | null };
    ids.push(...body.items.map((i) => i.id));
    cursor = body.nextCursor;
    if (!cursor) break;
  }
  return ids;
}

describe("lists over every user database while a flipped move is not swept", () => {
  afterEach(async () => {
    await env.DB.prepare(`DELETE FROM user_db_moves WHERE id = ?`).bind(MOVE_ID).run();
    forgetOpenMove(TWO);
  });

  it("counts a moved user's rows once, from the user's new home", async () => {
    const network = `mvr-a-${RUN}`;
    const moved = usersAt(1, 3, `mvr-moved-${RUN}`);
    const [stayed] = usersAt(0, 1, `mvr-stayed-${RUN}`);
    // The copy pass put the moved users' rows at their new home; the sweep has not deleted
    // them from the old one.
    for (const [i, u] of moved.entries()) {
      const t = { id: `tx_${u}`, network, userId: u, status: "pending", atMs: T0 + i };
      await insertTransaction(env.DB, t);
      await insertTransaction(env.USER_DB_1, t);
    }
    await insertTransaction(env.DB, {
      id: `tx_${stayed}`,
      network,
      userId: stayed as string,
      status: "pending",
      atMs: T0 + 10,
    });
    await insertTransaction(env.DB, {
      id: `tx_nouser_${RUN}`,
      network,
      userId: null,
      status: "rejected",
      atMs: T0 + 11,
    });
    await openFlippedMove();

    for (const limit of [50, 2]) {
      const ids = await allPages(`networkId=${network}`, limit);
      expect(ids).toEqual([
        `tx_nouser_${RUN}`,
        `tx_${stayed}`,
        ...moved.map((u) => `tx_${u}`).reverse(),
      ]);
    }
  });

  it("tops up a page that lost the old home's rows, so none of that database's is skipped", async () => {
    const network = `mvr-b-${RUN}`;
    const moved = usersAt(1, 3, `mvr-stale-${RUN}`);
    const [stayed0] = usersAt(0, 1, `mvr-home0-${RUN}`);
    const [stayed1] = usersAt(1, 1, `mvr-home1-${RUN}`);
    // The moved users' newest rows: still pending at the old home, confirmed at the new one
    // (changed after the flip), so a pending search finds them only where they are away.
    for (const [i, u] of moved.entries()) {
      const t = { id: `tx_${u}`, network, userId: u, atMs: T0 + 100 - i };
      await insertTransaction(env.DB, { ...t, status: "pending" });
      await insertTransaction(env.USER_DB_1, { ...t, status: "confirmed" });
    }
    await insertTransaction(env.DB, {
      id: `tx_${stayed0}`,
      network,
      userId: stayed0 as string,
      status: "pending",
      atMs: T0 + 90,
    });
    for (const atMs of [T0 + 50, T0 + 40]) {
      await insertTransaction(env.USER_DB_1, {
        id: `tx_${stayed1}_${atMs}`,
        network,
        userId: stayed1 as string,
        status: "pending",
        atMs,
      });
    }
    await openFlippedMove();

    const ids = await allPages(`networkId=${network}&status=pending`, 2);
    expect(ids).toEqual([`tx_${stayed0}`, `tx_${stayed1}_${T0 + 50}`, `tx_${stayed1}_${T0 + 40}`]);
  });

  it("keeps every database's rows when no move is open", async () => {
    const network = `mvr-c-${RUN}`;
    const [u] = usersAt(1, 1, `mvr-none-${RUN}`);
    // A row away from home with no move open is left as it is (nothing filters it).
    await insertTransaction(env.DB, {
      id: `tx_${u}`,
      network,
      userId: u as string,
      status: "pending",
      atMs: T0,
    });
    forgetOpenMove(TWO);
    expect(await allPages(`networkId=${network}`, 50)).toEqual([`tx_${u}`]);
  });
});

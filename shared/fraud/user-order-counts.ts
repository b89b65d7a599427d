import { type DbRouterEnv, userIdsByDb } from "#shared/db/router";
import { RETURN_WINDOW_MS } from "./return-signals";
import { VELOCITY_WINDOWS, type VelocityWindow } from "./signals";

/**
 * A user's orders as D1 `risk_orders` counts them (docs/fraud.md "Return abuse"): the risk
 * consumer is that table's one writer and records every order and return it is told of, so
 * these counts are complete even for the conversions it never sent to the user's risk object
 * (screen.ts). They give the user's return facts (`signal.userOrders90d`, …) and the
 * conversion velocity (`signal.conversions1h`, …). `risk_orders` is a user table spread over the
 * user databases (shared/db/placement.ts `ROUTED`): a user's orders are all in the user's
 * database, so each read names one database.
 */
export interface UserOrderCounts {
  /** Orders placed over the return window ending at `atMs`, and how many of them came back. */
  orders: number;
  returns: number;
  /** Orders placed in each velocity window ending at `atMs`. */
  recent: Record<VelocityWindow, number>;
  /** When they were counted. */
  atMs: number;
}

const NO_ORDERS = (atMs: number): UserOrderCounts => ({
  orders: 0,
  returns: 0,
  recent: { "1h": 0, "24h": 0, "7d": 0 },
  atMs,
});

/** One row of `userOrderCountReads`. */
export interface UserOrderCountRow {
  user_id: string;
  orders: number;
  returns: number;
  h1: number;
  h24: number;
  d7: number;
}

/** One parameter a user, under D1's 100 a query with the window bounds. */
const USERS_PER_QUERY = 90;

/**
 * The reads of the users' counts at `atMs` on `db`, one per 90 users, for a caller to run in
 * its own D1 batch; none without users. Every user given must live in `db` (group them with
 * `userIdsByDb` first). The ids are bound one by one (not as one JSON list), so SQLite
 * seeks `risk_orders_user_time_idx` per user instead of scanning the window's orders.
 */
export function userOrderCountReads(
  db: D1Database,
  userIds: Iterable<string>,
  atMs: number,
): D1PreparedStatement[] {
  const ids = [...new Set(userIds)];
  const [h1, h24, d7] = VELOCITY_WINDOWS.map((w) => atMs - w.ms);
  const statements: D1PreparedStatement[] = [];
  for (let i = 0; i < ids.length; i += USERS_PER_QUERY) {
    const chunk = ids.slice(i, i + USERS_PER_QUERY);
    statements.push(
      db
        .prepare(
          `SELECT user_id, COUNT(*) AS orders, COUNT(returned_at_ms) AS returns,
             SUM(CASE WHEN ordered_at_ms > ? THEN 1 ELSE 0 END) AS h1,
             SUM(CASE WHEN ordered_at_ms > ? THEN 1 ELSE 0 END) AS h24,
             SUM(CASE WHEN ordered_at_ms > ? THEN 1 ELSE 0 END) AS d7
           FROM risk_orders INDEXED BY risk_orders_user_time_idx
           WHERE user_id IN (${chunk.map(() => "?").join(", ")})
             AND ordered_at_ms > ? AND ordered_at_ms <= ?
           GROUP BY user_id`,
        )
        .bind(h1, h24, d7, ...chunk, atMs - RETURN_WINDOW_MS, atMs),
    );
  }
  return statements;
}

/** Each user's counts from the reads' results; a user without orders counts zero. */
export function userOrderCountsFrom(
  userIds: Iterable<string>,
  atMs: number,
  results: ReadonlyArray<D1Result<UserOrderCountRow>>,
): Map<string, UserOrderCounts> {
  const counts = new Map([...userIds].map((id) => [id, NO_ORDERS(atMs)]));
  for (const result of results) {
    for (const row of result.results) {
      counts.set(row.user_id, {
        orders: row.orders,
        returns: row.returns,
        recent: { "1h": row.h1, "24h": row.h24, "7d": row.d7 },
        atMs,
      });
    }
  }
  return counts;
}

/**
 * Each user's counts at `atMs`: one D1 batch per user database holding some of them. Throws
 * when D1 cannot answer.
 *
 * @example
 * const counts = await readUserOrderCounts(env, ["u1", "u2"], Date.now());
 * counts.get("u1") // { orders: 10, returns: 8, recent: { "1h": 0, "24h": 1, "7d": 3 }, atMs }
 */
export async function readUserOrderCounts(
  env: DbRouterEnv,
  userIds: Iterable<string>,
  atMs: number,
): Promise<Map<string, UserOrderCounts>> {
  const ids = [...new Set(userIds)];
  const results = await Promise.all(
    [...userIdsByDb(env, ids)].map(([db, users]) =>
      db.batch<UserOrderCountRow>(userOrderCountReads(db, users, atMs)),
    ),
  );
  return userOrderCountsFrom(ids, atMs, results.flat());
}

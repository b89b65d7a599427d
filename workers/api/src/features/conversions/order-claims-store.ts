import { and, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { orderClaims } from "#shared/db/schema";

/**
 * The single writer of who owns a (network, order) across all wallets (`order_claims`). A
 * wallet can only see its own user's orders, so two users' sub-IDs on one order id would
 * each be credited in their own wallet; the claim decides first, in D1, before either wallet
 * is called.
 */

export interface OrderClaim {
  networkId: string;
  orderId: string;
  userId: string;
  clickId: string;
  nowMs: number;
}

/**
 * Claims the order for `claim.userId` unless someone claimed it first, and returns the owner's
 * user id. Idempotent: a redelivered message, or the same user's next status update, finds its
 * own claim. An order already claimed costs one read; only the first sight of an order writes
 * (an insert that does nothing on conflict, read back in the same batch, so two consumers
 * racing for one order both read the one winner).
 *
 * @example
 * const owner = await claimOrder(env.DB, { networkId, orderId, userId, clickId, nowMs });
 * if (owner !== userId) // duplicate_order
 */
export async function claimOrder(db: D1Database, claim: OrderClaim): Promise<string> {
  const orm = drizzle(db);
  const owned = orm
    .select({ userId: orderClaims.userId })
    .from(orderClaims)
    .where(and(eq(orderClaims.networkId, claim.networkId), eq(orderClaims.orderId, claim.orderId)))
    .limit(1);
  const existing = (await owned)[0];
  if (existing) return existing.userId;
  const [, rows] = await orm.batch([
    orm
      .insert(orderClaims)
      .values({
        networkId: claim.networkId,
        orderId: claim.orderId,
        userId: claim.userId,
        clickId: claim.clickId,
        claimedAtMs: claim.nowMs,
      })
      .onConflictDoNothing(),
    owned,
  ]);
  const owner = rows[0]?.userId;
  // The insert either wrote this claim or met another one; the read sees one of them.
  if (owner === undefined) throw new Error("order claim vanished after insert");
  return owner;
}

/** A claim's key in `ownersOf`'s map. */
export function orderKey(networkId: string, orderId: string): string {
  return JSON.stringify([networkId, orderId]);
}

/**
 * A whole queue batch's claims as two statements for the caller's one D1 batch (with whatever
 * else that batch writes): insert-or-keep every claim, in list order, so the first claimant of
 * an order wins as `claimOrder` decides one at a time; then one read of every order's owner.
 * Each statement carries the claims as one JSON parameter, so a batch of any size stays two
 * statements and within D1's bound-parameter limit. `ownersOf` reads the second statement's
 * result: owner by `orderKey`. Idempotent like `claimOrder`: a redelivered batch finds its own
 * claims.
 *
 * @example
 * const claimed = claimOrdersStatements(env.DB, claims);
 * const results = await env.DB.batch([...otherWrites, ...claimed.statements]);
 * const owners = claimed.ownersOf(results.at(-1));
 */
export function claimOrdersStatements(
  db: D1Database,
  claims: readonly OrderClaim[],
): {
  statements: D1PreparedStatement[];
  ownersOf(result: D1Result | undefined): Map<string, string>;
} {
  const rows = JSON.stringify(
    claims.map((c) => [c.networkId, c.orderId, c.userId, c.clickId, c.nowMs]),
  );
  const insert = db
    .prepare(
      `INSERT INTO order_claims (network_id, order_id, user_id, click_id, claimed_at_ms)
       SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), json_extract(value, '$[3]'), json_extract(value, '$[4]')
       FROM json_each(?1) WHERE true ORDER BY key
       ON CONFLICT (network_id, order_id) DO NOTHING`,
    )
    .bind(rows);
  const owners = db
    .prepare(
      `SELECT network_id, order_id, user_id FROM order_claims
       WHERE (network_id, order_id) IN (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?1))`,
    )
    .bind(rows);
  return {
    statements: claims.length === 0 ? [] : [insert, owners],
    ownersOf(result) {
      const out = new Map<string, string>();
      for (const row of (result?.results ?? []) as Array<{
        network_id: string;
        order_id: string;
        user_id: string;
      }>) {
        out.set(orderKey(row.network_id, row.order_id), row.user_id);
      }
      return out;
    },
  };
}

/**
 * Who owns each of a network's orders, by order id (orders no one claimed are absent): one
 * read of the global index, whatever the number of orders. Readers of the transactions
 * projection use it to find the user database holding an order's row.
 */
export async function ownersOfOrders(
  db: D1Database,
  networkId: string,
  orderIds: readonly string[],
): Promise<Map<string, string>> {
  if (orderIds.length === 0) return new Map();
  const { results } = await db
    .prepare(
      `SELECT order_id AS orderId, user_id AS userId FROM order_claims
       WHERE network_id = ?1 AND order_id IN (SELECT value FROM json_each(?2))`,
    )
    .bind(networkId, JSON.stringify([...new Set(orderIds)]))
    .all<{ orderId: string; userId: string }>();
  return new Map(results.map((r) => [r.orderId, r.userId]));
}

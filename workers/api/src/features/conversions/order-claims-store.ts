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

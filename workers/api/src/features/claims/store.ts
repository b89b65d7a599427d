import { asc, eq, gte, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { drizzle } from "drizzle-orm/d1";
import { claims } from "#shared/db/schema";
import type { ClaimProjection } from "#shared/messages";

/** The claims projection in D1: the operator's review queue (wallets hold the claims). */

export type ClaimStatus = (typeof claims.$inferSelect)["status"];

/** A wallet's claim, for a projection batch; an older update never overwrites a newer one. */
export function claimProjection(
  db: D1Database,
  userId: string,
  c: ClaimProjection["claim"],
): BatchItem<"sqlite"> {
  const changes = { status: c.status, transactionId: c.txnId, updatedAtMs: c.updatedAtMs };
  return drizzle(db)
    .insert(claims)
    .values({
      id: c.claimId,
      userId,
      clickId: c.clickId,
      offerId: c.offerId,
      networkId: c.networkId,
      orderId: c.orderId,
      amountMinor: c.amountMinor,
      currency: c.currency,
      purchasedAtMs: c.purchasedAtMs,
      createdAtMs: c.createdAtMs,
      ...changes,
    })
    .onConflictDoUpdate({
      target: claims.id,
      set: changes,
      // `excluded` is SQLite's name for the proposed row; the builder has no column helper for it.
      setWhere: gte(sql.raw("excluded.updated_at_ms"), claims.updatedAtMs),
    });
}

/** Claims in one status, oldest first. */
export async function claimsByStatus(db: D1Database, status: ClaimStatus, limit: number) {
  return drizzle(db)
    .select()
    .from(claims)
    .where(eq(claims.status, status))
    .orderBy(asc(claims.createdAtMs))
    .limit(limit);
}

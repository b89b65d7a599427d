import { and, asc, eq, gt, gte, or, type SQL, sql } from "drizzle-orm";
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
  const changes = {
    status: c.status,
    transactionId: c.txnId,
    updatedAtMs: c.updatedAtMs,
    decisionReason: c.decisionReason ?? null,
    decidedBy: c.decidedBy ?? null,
    decidedAtMs: c.decidedAtMs ?? null,
  };
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

export interface ClaimFilter {
  status: ClaimStatus;
  userId?: string;
  /** Created at or after, in ms. */
  fromMs?: number;
  /** Created before, in ms. */
  toMs?: number;
}

/** Claims in one status, oldest first (a queue is worked from its oldest), after `cursor`. */
export async function claimsByStatus(
  db: D1Database,
  filter: ClaimFilter,
  cursor: { createdAtMs: number; claimId: string } | null,
  rows: number,
) {
  const where: SQL[] = [eq(claims.status, filter.status)];
  if (filter.userId) where.push(eq(claims.userId, filter.userId));
  if (filter.fromMs !== undefined) where.push(gte(claims.createdAtMs, filter.fromMs));
  if (filter.toMs !== undefined) where.push(sql`${claims.createdAtMs} < ${filter.toMs}`);
  if (cursor) {
    where.push(
      or(
        gt(claims.createdAtMs, cursor.createdAtMs),
        and(eq(claims.createdAtMs, cursor.createdAtMs), gt(claims.id, cursor.claimId)),
      ) as SQL,
    );
  }
  return drizzle(db)
    .select()
    .from(claims)
    .where(and(...where))
    .orderBy(asc(claims.createdAtMs), asc(claims.id))
    .limit(rows);
}

/** Whose wallet holds a claim (the projection is the directory), or null. */
export async function claimOwnerOf(db: D1Database, claimId: string) {
  const row = await drizzle(db)
    .select({ userId: claims.userId })
    .from(claims)
    .where(eq(claims.id, claimId))
    .limit(1);
  return row[0]?.userId ?? null;
}

import { and, asc, count, eq, gt, gte, or, type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { drizzle } from "drizzle-orm/d1";
import { keysetPartsAtHome } from "#shared/db/move-reads";
import { type DbRouterEnv, eachUserDb, userDb } from "#shared/db/router";
import { claims } from "#shared/db/schema";
import type { ClaimProjection } from "#shared/messages";

/**
 * The claims projection in D1: the operator's review queue (wallets hold the claims). A user
 * table spread over the user databases (shared/db/placement.ts `ROUTED`): this store is the
 * only code that names it, and it reaches D1 only through shared/db/router.ts.
 */

export type ClaimStatus = (typeof claims.$inferSelect)["status"];

/**
 * A wallet's claim, on the user's database, for that database's projection batch; an older
 * update never overwrites a newer one.
 */
export function claimProjection(
  env: DbRouterEnv,
  userId: string,
  c: ClaimProjection["claim"],
): { db: D1Database; statements: BatchItem<"sqlite">[] } {
  const db = userDb(env, userId);
  const changes = {
    status: c.status,
    transactionId: c.txnId,
    updatedAtMs: c.updatedAtMs,
    decisionReason: c.decisionReason ?? null,
    decidedBy: c.decidedBy ?? null,
    decidedAtMs: c.decidedAtMs ?? null,
  };
  const statement = drizzle(db)
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
  return { db, statements: [statement] };
}

type Claim = typeof claims.$inferSelect;

export interface ClaimFilter {
  status: ClaimStatus;
  userId?: string;
  /** Created at or after, in ms. */
  fromMs?: number;
  /** Created before, in ms. */
  toMs?: number;
}

/**
 * Claims in one status, oldest first (a queue is worked from its oldest), after `cursor`.
 * Keyset scatter-gather: each user database (only the user's, when the filter names one) gives
 * its first `rows` after the cursor, and the first `rows` of their merge are the page.
 */
export async function claimsByStatus(
  env: DbRouterEnv,
  filter: ClaimFilter,
  cursor: { createdAtMs: number; claimId: string } | null,
  rows: number,
) {
  const pageOn = (db: D1Database, from: typeof cursor): Promise<Claim[]> => {
    const where: SQL[] = [eq(claims.status, filter.status)];
    if (filter.userId) where.push(eq(claims.userId, filter.userId));
    if (filter.fromMs !== undefined) where.push(gte(claims.createdAtMs, filter.fromMs));
    if (filter.toMs !== undefined) where.push(sql`${claims.createdAtMs} < ${filter.toMs}`);
    if (from) {
      where.push(
        or(
          gt(claims.createdAtMs, from.createdAtMs),
          and(eq(claims.createdAtMs, from.createdAtMs), gt(claims.id, from.claimId)),
        ) as SQL,
      );
    }
    return drizzle(db)
      .select()
      .from(claims)
      .where(and(...where))
      .orderBy(asc(claims.createdAtMs), asc(claims.id))
      .limit(rows);
  };
  const parts = filter.userId
    ? [await pageOn(userDb(env, filter.userId), cursor)]
    : // During a flipped move a moved user's claims are in two databases: each keeps its own.
      await keysetPartsAtHome<Claim>(
        env,
        eachUserDb(env),
        rows,
        (db, last) =>
          pageOn(db, last ? { createdAtMs: last.createdAtMs, claimId: last.id } : cursor),
        (row) => row.userId,
      );
  return parts
    .flat()
    .sort((a, b) => a.createdAtMs - b.createdAtMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, rows);
}

/**
 * Whose wallet holds a claim (the projection is the directory), or null. A claim id does not
 * name its user, so every user database is asked (one primary-key read each): an operator
 * opening or deciding a claim, never a hot path, so no global claim → user index is kept.
 */
export async function claimOwnerOf(env: DbRouterEnv, claimId: string) {
  const found = await Promise.all(
    eachUserDb(env).map((db) =>
      drizzle(db)
        .select({ userId: claims.userId })
        .from(claims)
        .where(eq(claims.id, claimId))
        .limit(1),
    ),
  );
  return found.flat()[0]?.userId ?? null;
}

/** Claims waiting for review, over every user database (the overview's count). */
export async function claimsToReview(env: DbRouterEnv): Promise<number> {
  const counts = await Promise.all(
    eachUserDb(env).map((db) =>
      drizzle(db).select({ n: count() }).from(claims).where(eq(claims.status, "review")),
    ),
  );
  return counts.flat().reduce((total, row) => total + row.n, 0);
}

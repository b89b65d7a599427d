import { asc, gt, isNotNull, lte, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { drizzle } from "drizzle-orm/d1";
import { partsAtHome } from "#shared/db/move-reads";
import { type DbRouterEnv, eachUserDb, userDb } from "#shared/db/router";
import { loyaltyDue } from "#shared/db/schema";
import type { LoyaltyDueProjection } from "#shared/messages";

/**
 * The `loyalty_due` projection: when each wallet's loyalty program next has work due. A user
 * table spread over the user databases (shared/db/placement.ts `ROUTED`): this store is the
 * only code that names it, and it reaches D1 only through shared/db/router.ts.
 */

/**
 * A wallet's next due time, on the user's database; an older `seq` never overwrites a newer
 * one. The caller runs it in that database's batch.
 */
export function loyaltyDueProjection(
  env: DbRouterEnv,
  body: LoyaltyDueProjection,
): { db: D1Database; statements: BatchItem<"sqlite">[] } {
  const db = userDb(env, body.userId);
  const statement = drizzle(db)
    .insert(loyaltyDue)
    .values({ userId: body.userId, dueAtMs: body.dueAtMs, seq: body.seq })
    .onConflictDoUpdate({
      target: loyaltyDue.userId,
      set: { dueAtMs: body.dueAtMs, seq: body.seq },
      setWhere: gt(sql.raw("excluded.seq"), loyaltyDue.seq),
    });
  return { db, statements: [statement] };
}

/**
 * Users whose loyalty work is due by `asOfMs`, most overdue first (the partial index), over
 * every user database: each gives its `rows` most overdue, and the first `rows` of their merge
 * (by due time, then user id) are the most overdue of all.
 */
export async function usersWithLoyaltyDue(
  env: DbRouterEnv,
  asOfMs: number,
  rows: number,
): Promise<string[]> {
  const parts = await Promise.all(
    eachUserDb(env).map((db) =>
      drizzle(db)
        .select({ userId: loyaltyDue.userId, dueAtMs: loyaltyDue.dueAtMs })
        .from(loyaltyDue)
        .where(sql`${isNotNull(loyaltyDue.dueAtMs)} AND ${lte(loyaltyDue.dueAtMs, asOfMs)}`)
        .orderBy(asc(loyaltyDue.dueAtMs), asc(loyaltyDue.userId))
        .limit(rows),
    ),
  );
  // During a flipped move the old home's due row is stale (the wallet writes the new home's):
  // each database keeps its own users. A run's queue may then be shorter; the next run goes on.
  return (await partsAtHome(env, parts, (r) => r.userId))
    .flat()
    .sort(
      (a, b) =>
        (a.dueAtMs ?? 0) - (b.dueAtMs ?? 0) ||
        (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0),
    )
    .slice(0, rows)
    .map((r) => r.userId);
}

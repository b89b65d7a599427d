import { asc, gt, isNotNull, lte, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { drizzle } from "drizzle-orm/d1";
import { loyaltyDue } from "#shared/db/schema";
import type { LoyaltyDueProjection } from "#shared/messages";

/** The `loyalty_due` projection: when each wallet's loyalty program next has work due. */

/** A wallet's next due time; an older `seq` never overwrites a newer one. */
export function loyaltyDueProjection(
  db: D1Database,
  body: LoyaltyDueProjection,
): BatchItem<"sqlite"> {
  return drizzle(db)
    .insert(loyaltyDue)
    .values({ userId: body.userId, dueAtMs: body.dueAtMs, seq: body.seq })
    .onConflictDoUpdate({
      target: loyaltyDue.userId,
      set: { dueAtMs: body.dueAtMs, seq: body.seq },
      setWhere: gt(sql.raw("excluded.seq"), loyaltyDue.seq),
    });
}

/** Users whose loyalty work is due by `asOfMs`, most overdue first (the partial index). */
export async function usersWithLoyaltyDue(
  db: D1Database,
  asOfMs: number,
  rows: number,
): Promise<string[]> {
  const found = await drizzle(db)
    .select({ userId: loyaltyDue.userId })
    .from(loyaltyDue)
    .where(sql`${isNotNull(loyaltyDue.dueAtMs)} AND ${lte(loyaltyDue.dueAtMs, asOfMs)}`)
    .orderBy(asc(loyaltyDue.dueAtMs), asc(loyaltyDue.userId))
    .limit(rows);
  return found.map((r) => r.userId);
}

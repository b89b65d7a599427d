import { and, eq } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { drizzle } from "drizzle-orm/d1";
import { referralIdentifiers, referralReferrerBans, referralRiskLists } from "#shared/db/schema";
import type { RiskIdentifiersMessage } from "#shared/messages";
import type { RiskListName } from "#shared/referrals/risk-lists";

/**
 * D1 for referral review (docs/referrals.md "Fraud holds"): referrer bans, the operator's risk lists, and the fraud identifiers
 * the LEDGER_EVENTS consumer writes (the one writer of `referral_identifiers`); the review
 * queue's reads of the referrals projection are in queue-store.ts.
 */

/** One row per identifier, idempotent: a redelivered message writes nothing new. */
export function riskIdentifierStatements(
  db: D1Database,
  message: RiskIdentifiersMessage,
): BatchItem<"sqlite">[] {
  if (message.identifiers.length === 0) return [];
  return [
    drizzle(db)
      .insert(referralIdentifiers)
      .values(
        message.identifiers.map((i) => ({
          kind: i.kind,
          hash: i.hash,
          userId: message.userId,
          seenAtMs: message.seenAtMs,
        })),
      )
      .onConflictDoNothing(),
  ];
}

export type BanRow = typeof referralReferrerBans.$inferSelect;

export async function findBan(db: D1Database, userId: string): Promise<BanRow | null> {
  const row = await drizzle(db)
    .select()
    .from(referralReferrerBans)
    .where(eq(referralReferrerBans.userId, userId))
    .limit(1);
  return row[0] ?? null;
}

/** Bans the referrer; a ban already in place keeps its first reason and time. */
export async function insertBan(db: D1Database, ban: BanRow): Promise<void> {
  await drizzle(db).insert(referralReferrerBans).values(ban).onConflictDoNothing();
}

export async function deleteBan(db: D1Database, userId: string): Promise<void> {
  await drizzle(db).delete(referralReferrerBans).where(eq(referralReferrerBans.userId, userId));
}

export type RiskListRow = typeof referralRiskLists.$inferSelect;

export async function findRiskList(
  db: D1Database,
  list: RiskListName,
): Promise<RiskListRow | null> {
  const row = await drizzle(db)
    .select()
    .from(referralRiskLists)
    .where(eq(referralRiskLists.list, list))
    .limit(1);
  return row[0] ?? null;
}

/**
 * Saves the list as version `current + 1`; false when another save changed it first (the
 * version is the optimistic-concurrency check: the insert or the guarded update finds no row).
 */
export async function saveRiskList(
  db: D1Database,
  row: RiskListRow,
  currentVersion: number,
): Promise<boolean> {
  if (currentVersion === 0) {
    const inserted = await drizzle(db)
      .insert(referralRiskLists)
      .values(row)
      .onConflictDoNothing()
      .returning({ list: referralRiskLists.list });
    return inserted.length === 1;
  }
  const updated = await drizzle(db)
    .update(referralRiskLists)
    .set({
      entries: row.entries,
      version: row.version,
      updatedAtMs: row.updatedAtMs,
      updatedBy: row.updatedBy,
    })
    .where(and(eq(referralRiskLists.list, row.list), eq(referralRiskLists.version, currentVersion)))
    .returning({ list: referralRiskLists.list });
  return updated.length === 1;
}

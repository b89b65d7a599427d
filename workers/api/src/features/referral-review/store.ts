import { and, asc, eq, gt, inArray, or } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { drizzle } from "drizzle-orm/d1";
import {
  referralIdentifiers,
  referralReferrerBans,
  referralRiskLists,
  referrals,
} from "#shared/db/schema";
import type { RiskIdentifiersMessage } from "#shared/messages";
import type { RiskListName } from "#shared/referrals/risk-lists";

/**
 * D1 for referral review (docs/referrals.md "Fraud holds"): the review queue read from the
 * referrals projection, referrer bans, the operator's risk lists, and the fraud identifiers
 * the LEDGER_EVENTS consumer writes (the one writer of `referral_identifiers`).
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

export type ReferralRow = typeof referrals.$inferSelect;

/** Oldest signup first, keyset on (attributed at, referral id). */
export async function listReferrals(
  db: D1Database,
  filter: { state?: string; referrerId?: string },
  after: { attributedAtMs: number; referralId: string } | null,
  rows: number,
): Promise<ReferralRow[]> {
  const conditions = [
    filter.state === undefined ? undefined : eq(referrals.state, filter.state),
    filter.referrerId === undefined ? undefined : eq(referrals.referrerId, filter.referrerId),
    after === null
      ? undefined
      : or(
          gt(referrals.attributedAtMs, after.attributedAtMs),
          and(
            eq(referrals.attributedAtMs, after.attributedAtMs),
            gt(referrals.referralId, after.referralId),
          ),
        ),
  ];
  return drizzle(db)
    .select()
    .from(referrals)
    .where(and(...conditions))
    .orderBy(asc(referrals.attributedAtMs), asc(referrals.referralId))
    .limit(rows);
}

/** States a ban rejects: everything not yet rewarded and not final. */
export const BANNABLE_STATES = ["signed_up", "qualified", "held"] as const;

/** The referrer's referrals a ban rejects (from the projection), at most `rows`. */
export async function unrewardedReferralsOf(
  db: D1Database,
  referrerId: string,
  rows: number,
): Promise<Array<{ referralId: string; refereeId: string }>> {
  return drizzle(db)
    .select({ referralId: referrals.referralId, refereeId: referrals.refereeId })
    .from(referrals)
    .where(
      and(eq(referrals.referrerId, referrerId), inArray(referrals.state, [...BANNABLE_STATES])),
    )
    .orderBy(asc(referrals.attributedAtMs), asc(referrals.referralId))
    .limit(rows);
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

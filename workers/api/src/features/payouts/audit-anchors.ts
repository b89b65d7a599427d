import { and, asc, eq, gt, inArray, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { drizzle } from "drizzle-orm/d1";
import { walletChainAnchors } from "#shared/db/schema";

/**
 * Ledger chain anchors (docs/ledger.md "Tamper evidence"): each wallet's chain head as the
 * daily audit verified it, in D1 (the next audit starts there) and in R2 (one NDJSON object per
 * audit batch, the copy an operator cannot edit in place).
 */

export interface ChainAnchor {
  userId: string;
  headSeq: number;
  headHash: string;
  status: "ok" | "broken" | "sealing";
  firstBadSeq: number | null;
  runId: string;
  verifiedAtMs: number;
}

/** D1 binds at most 100 parameters per statement. */
const IDS_PER_QUERY = 90;

/** The last anchors of these wallets, by user id (a wallet never anchored is absent). */
export async function anchorsOf(
  db: D1Database,
  userIds: string[],
): Promise<Map<string, ChainAnchor>> {
  const anchors = new Map<string, ChainAnchor>();
  const ids = [...new Set(userIds)];
  for (let i = 0; i < ids.length; i += IDS_PER_QUERY) {
    const rows = await drizzle(db)
      .select()
      .from(walletChainAnchors)
      .where(inArray(walletChainAnchors.userId, ids.slice(i, i + IDS_PER_QUERY)));
    for (const row of rows) anchors.set(row.userId, row);
  }
  return anchors;
}

/**
 * The wallets whose last anchor has this status, by user id after `afterUserId` (the status
 * index's order), at most `limit`: e.g. every wallet whose chain the audit found broken.
 */
export async function anchorsWithStatus(
  db: D1Database,
  status: ChainAnchor["status"],
  afterUserId: string,
  limit: number,
): Promise<ChainAnchor[]> {
  return drizzle(db)
    .select()
    .from(walletChainAnchors)
    .where(and(eq(walletChainAnchors.status, status), gt(walletChainAnchors.userId, afterUserId)))
    .orderBy(asc(walletChainAnchors.userId))
    .limit(limit);
}

/** Where the audit starts: the anchored head (seq 0, or none: genesis). */
export function verifyFrom(anchor: ChainAnchor | undefined): { seq: number; hash: string } | null {
  if (!anchor || anchor.headSeq === 0) return null;
  return { seq: anchor.headSeq, hash: anchor.headHash };
}

/** Days per full re-verification cycle when LEDGER_FULL_VERIFY_DAYS is unset. */
export const DEFAULT_FULL_VERIFY_DAYS = 7;

/** LEDGER_FULL_VERIFY_DAYS: a whole number of days ≥ 1; anything else is the default. */
export function fullVerifyDays(value: string | undefined): number {
  const days = Number(value);
  return Number.isSafeInteger(days) && days >= 1 ? days : DEFAULT_FULL_VERIFY_DAYS;
}

/**
 * Whether today's audit re-verifies this wallet's chain from its first entry rather than from
 * its last anchor: each wallet has one day (its slot, from a hash of its id) in every cycle of
 * `days` consecutive UTC days, so with one audit run a day every wallet is fully re-verified
 * within `days` days, a 1/`days` slice of them each day. A day with no run delays that slice by
 * one cycle.
 */
export function fullVerifyDue(userId: string, nowMs: number, days: number): boolean {
  if (days <= 1) return true;
  // FNV-1a over the id's UTF-16 units: stable, and even enough for a day slot.
  let hash = 0x811c9dc5;
  for (let i = 0; i < userId.length; i++) {
    hash ^= userId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  const day = Math.floor(nowMs / 86_400_000);
  return hash % days === day % days;
}

/** Upsert of a wallet's anchor; an older run's (a late redelivery) never moves it back. */
export function anchorStatement(db: D1Database, anchor: ChainAnchor): BatchItem<"sqlite"> {
  return drizzle(db)
    .insert(walletChainAnchors)
    .values(anchor)
    .onConflictDoUpdate({
      target: walletChainAnchors.userId,
      set: {
        headSeq: sql`excluded.head_seq`,
        headHash: sql`excluded.head_hash`,
        status: sql`excluded.status`,
        firstBadSeq: sql`excluded.first_bad_seq`,
        runId: sql`excluded.run_id`,
        verifiedAtMs: sql`excluded.verified_at_ms`,
      },
      setWhere: sql`excluded.verified_at_ms >= ${walletChainAnchors.verifiedAtMs}`,
    });
}

/**
 * The batch's anchors as one R2 object, `ledger-anchors/YYYY-MM-DD/<run>/<first>-<last>.ndjson`
 * (first and last user id of the batch, sorted: a redelivered batch writes the same key).
 */
export async function writeAnchorObject(
  bucket: R2Bucket,
  anchors: ChainAnchor[],
  nowMs: number,
): Promise<string | null> {
  if (anchors.length === 0) return null;
  const sorted = [...anchors].sort((a, b) =>
    a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0,
  );
  const first = sorted[0] as ChainAnchor;
  const last = sorted.at(-1) as ChainAnchor;
  const day = new Date(nowMs).toISOString().slice(0, 10);
  const key = `ledger-anchors/${day}/${first.runId}/${first.userId}-${last.userId}.ndjson`;
  const body = `${sorted.map((a) => JSON.stringify(a)).join("\n")}\n`;
  await bucket.put(key, body, { httpMetadata: { contentType: "application/x-ndjson" } });
  return key;
}

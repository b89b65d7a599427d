import { and, asc, eq, gt, inArray, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { drizzle } from "drizzle-orm/d1";
import { type DbRouterEnv, eachUserDb, userDb, userIdsByDb } from "#shared/db/router";
import { walletChainAnchors } from "#shared/db/schema";
import { shardOf } from "#shared/queues/shards";

/**
 * Ledger chain anchors (docs/ledger.md "Tamper evidence"): each wallet's chain head as the
 * daily audit verified it, in D1 (the next audit starts there) and in R2 (one NDJSON object per
 * audit batch, the copy an operator cannot edit in place).
 *
 * `wallet_chain_anchors` is a user table spread over the user databases (shared/db/placement.ts
 * `ROUTED`): this store is the only code that names it, and it reaches D1 only through
 * shared/db/router.ts.
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
  env: DbRouterEnv,
  userIds: string[],
): Promise<Map<string, ChainAnchor>> {
  const anchors = new Map<string, ChainAnchor>();
  for (const [db, ids] of userIdsByDb(env, userIds)) {
    for (let i = 0; i < ids.length; i += IDS_PER_QUERY) {
      const rows = await drizzle(db)
        .select()
        .from(walletChainAnchors)
        .where(inArray(walletChainAnchors.userId, ids.slice(i, i + IDS_PER_QUERY)));
      for (const row of rows) anchors.set(row.userId, row);
    }
  }
  return anchors;
}

/**
 * The wallets whose last anchor has this status, by user id after `afterUserId` (the status
 * index's order), at most `limit`: e.g. every wallet whose chain the audit found broken.
 * Keyset scatter-gather: each user database gives its first `limit` after the key, and the
 * first `limit` of their merge is the page (a wallet's anchor lives in one database).
 */
export async function anchorsWithStatus(
  env: DbRouterEnv,
  status: ChainAnchor["status"],
  afterUserId: string,
  limit: number,
): Promise<ChainAnchor[]> {
  const parts = await Promise.all(
    eachUserDb(env).map((db) =>
      drizzle(db)
        .select()
        .from(walletChainAnchors)
        .where(
          and(eq(walletChainAnchors.status, status), gt(walletChainAnchors.userId, afterUserId)),
        )
        .orderBy(asc(walletChainAnchors.userId))
        .limit(limit),
    ),
  );
  return parts
    .flat()
    .sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0))
    .slice(0, limit);
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
  // The same stable FNV-1a hash that picks a user's queue shard picks their day slot.
  const day = Math.floor(nowMs / 86_400_000);
  return shardOf(userId, days) === day % days;
}

/**
 * Upsert of a wallet's anchor, on the user's database; an older run's (a late redelivery)
 * never moves it back. The caller runs it in that database's batch.
 */
export function anchorStatement(
  env: DbRouterEnv,
  anchor: ChainAnchor,
): { db: D1Database; statement: BatchItem<"sqlite"> } {
  const db = userDb(env, anchor.userId);
  const statement = drizzle(db)
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
  return { db, statement };
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

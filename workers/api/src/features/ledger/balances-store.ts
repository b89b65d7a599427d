import { asc, count, gt, ne, sql, sum } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { drizzle } from "drizzle-orm/d1";
import { keysetPartsAtHome } from "#shared/db/move-reads";
import { type DbRouterEnv, eachUserDb, userDb } from "#shared/db/router";
import { walletBalances } from "#shared/db/schema";
import type { BalancesProjection } from "#shared/messages";

/**
 * The `wallet_balances` projection: each wallet's buckets at a ledger sequence. A user table
 * spread over the user databases (shared/db/placement.ts `ROUTED`): this store is the only
 * code that names it, and it reaches D1 only through shared/db/router.ts.
 */

/** SQLite's name for the row an upsert proposes; the builder has no column helper for it. */
const excluded = (column: string) => sql.raw(`excluded.${column}`);

/**
 * A balances message's upserts, on the user's database: one per bucket, an older sequence
 * never overwriting a newer one. The caller runs them in that database's batch.
 */
export function balanceProjections(
  env: DbRouterEnv,
  body: Pick<BalancesProjection, "userId" | "ledgerSeq" | "atMs" | "balances">,
): { db: D1Database; statements: BatchItem<"sqlite">[] } {
  const db = userDb(env, body.userId);
  const orm = drizzle(db);
  const values = { ledgerSeq: body.ledgerSeq, updatedAtMs: body.atMs };
  const statements = body.balances.map((balance) =>
    orm
      .insert(walletBalances)
      .values({
        userId: body.userId,
        bucket: balance.bucket,
        currency: balance.currency,
        balanceMinor: balance.balanceMinor,
        ...values,
      })
      .onConflictDoUpdate({
        target: [walletBalances.userId, walletBalances.bucket, walletBalances.currency],
        set: { balanceMinor: balance.balanceMinor, ...values },
        setWhere: gt(excluded("ledger_seq"), walletBalances.ledgerSeq),
      }),
  );
  return { db, statements };
}

/**
 * What wallets hold now, per currency and bucket: non-zero balances only. Summed over every
 * user database (each answers its own totals; a few rows each).
 */
export async function walletLiabilities(
  env: DbRouterEnv,
): Promise<Array<{ currency: string; bucket: string; totalMinor: number; wallets: number }>> {
  const parts = await Promise.all(
    eachUserDb(env).map((db) =>
      drizzle(db)
        .select({
          currency: walletBalances.currency,
          bucket: walletBalances.bucket,
          totalMinor: sum(walletBalances.balanceMinor).mapWith(Number),
          wallets: count(),
        })
        .from(walletBalances)
        .where(ne(walletBalances.balanceMinor, 0))
        .groupBy(walletBalances.currency, walletBalances.bucket),
    ),
  );
  const totals = new Map<
    string,
    { currency: string; bucket: string; totalMinor: number; wallets: number }
  >();
  for (const row of parts.flat()) {
    const key = `${row.currency}\u0000${row.bucket}`;
    const total = totals.get(key);
    if (total) {
      total.totalMinor += row.totalMinor;
      total.wallets += row.wallets;
    } else totals.set(key, { ...row });
  }
  return [...totals.values()].sort(
    (a, b) => compare(a.currency, b.currency) || compare(a.bucket, b.bucket),
  );
}

/** Binary order, as SQLite's default collation sorts text. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Users with a balance projection after `afterUserId`, by id: one page of the audit fan-out.
 * Keyset scatter-gather: each user database gives its first `limit` ids after the key, and
 * the first `limit` of their merge is the page (a user's rows live in one database).
 */
export async function usersWithBalancesAfter(
  env: DbRouterEnv,
  afterUserId: string,
  limit: number,
): Promise<string[]> {
  // During a flipped move a moved user's balances are in two databases: each keeps its own.
  const parts = await keysetPartsAtHome<{ userId: string }>(
    env,
    eachUserDb(env),
    limit,
    (db, last) =>
      drizzle(db)
        .selectDistinct({ userId: walletBalances.userId })
        .from(walletBalances)
        .where(gt(walletBalances.userId, last?.userId ?? afterUserId))
        .orderBy(asc(walletBalances.userId))
        .limit(limit),
    (row) => row.userId,
  );
  return parts
    .flat()
    .map((r) => r.userId)
    .sort(compare)
    .slice(0, limit);
}

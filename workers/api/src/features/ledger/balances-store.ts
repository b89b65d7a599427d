import { asc, count, gt, ne, sql, sum } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { drizzle } from "drizzle-orm/d1";
import { walletBalances } from "#shared/db/schema";
import type { BalancesProjection } from "#shared/messages";

/** The `wallet_balances` projection: each wallet's buckets at a ledger sequence. */

/** SQLite's name for the row an upsert proposes; the builder has no column helper for it. */
const excluded = (column: string) => sql.raw(`excluded.${column}`);

/** One bucket balance at a ledger sequence; an older sequence never overwrites a newer one. */
export function balanceProjection(
  db: D1Database,
  body: Pick<BalancesProjection, "userId" | "ledgerSeq" | "atMs">,
  balance: BalancesProjection["balances"][number],
): BatchItem<"sqlite"> {
  const values = {
    balanceMinor: balance.balanceMinor,
    ledgerSeq: body.ledgerSeq,
    updatedAtMs: body.atMs,
  };
  return drizzle(db)
    .insert(walletBalances)
    .values({ userId: body.userId, bucket: balance.bucket, currency: balance.currency, ...values })
    .onConflictDoUpdate({
      target: [walletBalances.userId, walletBalances.bucket, walletBalances.currency],
      set: values,
      setWhere: gt(excluded("ledger_seq"), walletBalances.ledgerSeq),
    });
}

/** What wallets hold now, per currency and bucket: non-zero balances only. */
export async function walletLiabilities(db: D1Database) {
  return drizzle(db)
    .select({
      currency: walletBalances.currency,
      bucket: walletBalances.bucket,
      totalMinor: sum(walletBalances.balanceMinor).mapWith(Number),
      wallets: count(),
    })
    .from(walletBalances)
    .where(ne(walletBalances.balanceMinor, 0))
    .groupBy(walletBalances.currency, walletBalances.bucket)
    .orderBy(asc(walletBalances.currency), asc(walletBalances.bucket));
}

/** Users with a balance projection after `afterUserId`, by id: one page of the audit fan-out. */
export async function usersWithBalancesAfter(
  db: D1Database,
  afterUserId: string,
  limit: number,
): Promise<string[]> {
  const rows = await drizzle(db)
    .selectDistinct({ userId: walletBalances.userId })
    .from(walletBalances)
    .where(gt(walletBalances.userId, afterUserId))
    .orderBy(asc(walletBalances.userId))
    .limit(limit);
  return rows.map((r) => r.userId);
}

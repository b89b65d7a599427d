import { and, asc, desc, eq, gte, lt, or } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { keysetPartsAtHome } from "#shared/db/move-reads";
import { type DbRouterEnv, eachUserDb, userDb } from "#shared/db/router";
import {
  receivedPostbacks,
  reconciliationItems,
  reconciliationRuns,
  transactions,
} from "#shared/db/schema";

/**
 * The operator's searches over D1: the transactions projection and the received postbacks,
 * newest first and keyset-paged, each filter served by an index (shared/db/schema.ts), plus
 * what moved one transaction (its postbacks and report rows).
 */

export type TransactionStatus = "pending" | "confirmed" | "cancelled" | "rejected";

export interface TransactionFilter {
  orderId?: string | undefined;
  networkId?: string | undefined;
  userId?: string | undefined;
  status?: TransactionStatus | undefined;
  /** Purchase time, inclusive. */
  fromMs?: number | undefined;
  /** Purchase time, exclusive. */
  toMs?: number | undefined;
}

/** Where a page ends: the last row's time and id (rows with equal times are ordered by id). */
export interface Position {
  atMs: number;
  id: string;
}

/**
 * Transactions matching every filter given, newest purchase first, after `after`. Transactions
 * are spread over the user databases (docs/scaling.md "D1 router"): a `userId` filter reads
 * that user's database only; otherwise every user database gives its first `rows` after the
 * cursor in the list's order and the first `rows` of their merge is the page (a row lives in
 * one database, so nothing is lost or repeated; rows without a user are in user database 0).
 *
 * @example
 * await searchTransactions(env, { orderId: "A-1" }, null, 51);
 */
export async function searchTransactions(
  env: DbRouterEnv,
  filter: TransactionFilter,
  after: Position | null,
  rows: number,
) {
  const pages =
    filter.userId === undefined
      ? // During a flipped move a moved user's rows are in two databases: each keeps its own.
        await keysetPartsAtHome<TransactionRow>(
          env,
          eachUserDb(env),
          rows,
          (db, last) =>
            searchTransactionsOn(
              db,
              filter,
              last ? { atMs: last.convertedAtMs, id: last.id } : after,
              rows,
            ),
          (row) => row.userId,
        )
      : [await searchTransactionsOn(userDb(env, filter.userId), filter, after, rows)];
  return pages
    .flat()
    .sort((a, b) => b.convertedAtMs - a.convertedAtMs || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
    .slice(0, rows);
}

function searchTransactionsOn(
  db: D1Database,
  filter: TransactionFilter,
  after: Position | null,
  rows: number,
) {
  const t = transactions;
  return drizzle(db)
    .select()
    .from(t)
    .where(
      and(
        filter.orderId === undefined ? undefined : eq(t.orderId, filter.orderId),
        filter.networkId === undefined ? undefined : eq(t.networkId, filter.networkId),
        filter.userId === undefined ? undefined : eq(t.userId, filter.userId),
        filter.status === undefined ? undefined : eq(t.status, filter.status),
        filter.fromMs === undefined ? undefined : gte(t.convertedAtMs, filter.fromMs),
        filter.toMs === undefined ? undefined : lt(t.convertedAtMs, filter.toMs),
        after === null
          ? undefined
          : or(
              lt(t.convertedAtMs, after.atMs),
              and(eq(t.convertedAtMs, after.atMs), lt(t.id, after.id)),
            ),
      ),
    )
    .orderBy(desc(t.convertedAtMs), desc(t.id))
    .limit(rows);
}

export type TransactionRow = typeof transactions.$inferSelect;

/**
 * One transaction by id: its id does not name its user, so every user database is asked (one
 * primary-key read each; an operator's page). A row with a user wins over one recorded
 * without a user under the same id (see transactions-store.ts `transactionsByIds`).
 */
export async function findTransaction(
  env: DbRouterEnv,
  id: string,
): Promise<TransactionRow | null> {
  const found = await Promise.all(
    eachUserDb(env).map(
      async (db) =>
        (await drizzle(db).select().from(transactions).where(eq(transactions.id, id)).limit(1))[0],
    ),
  );
  const rows = found.filter((r): r is TransactionRow => r !== undefined);
  return rows.find((r) => r.userId !== null) ?? rows[0] ?? null;
}

export interface PostbackFilter {
  networkId?: string | undefined;
  verdict?: "accepted" | "rejected" | undefined;
  orderId?: string | undefined;
  fromMs?: number | undefined;
  toMs?: number | undefined;
}

const postbackColumns = {
  id: receivedPostbacks.id,
  networkId: receivedPostbacks.networkId,
  receivedAtMs: receivedPostbacks.receivedAtMs,
  verdict: receivedPostbacks.verdict,
  rejectReason: receivedPostbacks.rejectReason,
  orderId: receivedPostbacks.orderId,
};

/** Received postbacks matching every filter given, newest first, after `after`. */
export async function searchPostbacks(
  db: D1Database,
  filter: PostbackFilter,
  after: Position | null,
  rows: number,
) {
  const p = receivedPostbacks;
  return drizzle(db)
    .select(postbackColumns)
    .from(p)
    .where(
      and(
        filter.networkId === undefined ? undefined : eq(p.networkId, filter.networkId),
        filter.verdict === undefined ? undefined : eq(p.verdict, filter.verdict),
        filter.orderId === undefined ? undefined : eq(p.orderId, filter.orderId),
        filter.fromMs === undefined ? undefined : gte(p.receivedAtMs, filter.fromMs),
        filter.toMs === undefined ? undefined : lt(p.receivedAtMs, filter.toMs),
        after === null
          ? undefined
          : or(
              lt(p.receivedAtMs, after.atMs),
              and(eq(p.receivedAtMs, after.atMs), lt(p.id, after.id)),
            ),
      ),
    )
    .orderBy(desc(p.receivedAtMs), desc(p.id))
    .limit(rows);
}

/** Every postback received for one order, oldest first (`rows` bounds a noisy network). */
export async function postbacksOfOrder(
  db: D1Database,
  networkId: string,
  orderId: string,
  rows: number,
) {
  return drizzle(db)
    .select(postbackColumns)
    .from(receivedPostbacks)
    .where(and(eq(receivedPostbacks.orderId, orderId), eq(receivedPostbacks.networkId, networkId)))
    .orderBy(asc(receivedPostbacks.receivedAtMs), asc(receivedPostbacks.id))
    .limit(rows);
}

/** The report rows (reconciliation items) that touched one transaction, with their run's time. */
export async function reportRowsOfTransaction(db: D1Database, transactionId: string, rows: number) {
  return drizzle(db)
    .select({
      runId: reconciliationItems.runId,
      outcome: reconciliationItems.outcome,
      detail: reconciliationItems.detail,
      startedAtMs: reconciliationRuns.startedAtMs,
      finishedAtMs: reconciliationRuns.finishedAtMs,
    })
    .from(reconciliationItems)
    .innerJoin(reconciliationRuns, eq(reconciliationRuns.id, reconciliationItems.runId))
    .where(eq(reconciliationItems.transactionId, transactionId))
    .orderBy(asc(reconciliationRuns.startedAtMs))
    .limit(rows);
}

import {
  and,
  asc,
  eq,
  gt,
  gte,
  inArray,
  isNotNull,
  isNull,
  lt,
  lte,
  ne,
  or,
  sql,
} from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { drizzle } from "drizzle-orm/d1";
import { type DbRouterEnv, eachUserDb, globalDb, userDb } from "#shared/db/router";
import { transactions } from "#shared/db/schema";
import type { TransactionProjection } from "#shared/messages";

/**
 * The `transactions` projection in D1: every order a wallet judged, plus the ones no
 * wallet could be named for. Wallets are the source of truth; these rows
 * follow them through the ledger-events queue and never move backwards.
 *
 * Routed (docs/scaling.md "D1 router"): a user's rows live in `userDb(env, userId)`; a row
 * recorded without a user (an untrusted sub-ID) has no user database and lives in the global
 * one, which is also user database 0, so every scatter-gather read below sees it.
 */

/** Ids per `IN (...)` query: D1 allows 100 bound parameters per statement. */
const IN_CHUNK = 90;

/** SQLite's name for the row an upsert proposes; the builder has no column helper for it. */
const excluded = (column: string) => sql.raw(`excluded.${column}`);

/**
 * A wallet's transaction, for a projection batch, on its user's database: written when newer
 * than the stored row (by version), or over a row recorded without a user (at one user
 * database, where both share a table).
 */
export function transactionProjection(
  env: DbRouterEnv,
  userId: string,
  t: TransactionProjection["txn"],
): { db: D1Database; statements: BatchItem<"sqlite">[] } {
  const db = userDb(env, userId);
  const values = {
    userId,
    offerId: t.offerId,
    clickId: t.clickId,
    status: t.status,
    rejectReason: t.rejectReason,
    currency: t.currency,
    saleAmountMinor: t.saleAmountMinor,
    commissionMinor: t.commissionMinor,
    cashbackMinor: t.cashbackMinor,
    rateBps: t.rateBps,
    clickedAtMs: t.clickedAtMs,
    convertedAtMs: t.convertedAtMs,
    expectedConfirmAtMs: t.expectedConfirmAtMs,
    confirmedAtMs: t.confirmedAtMs,
    version: t.version,
    updatedAtMs: t.updatedAtMs,
    boostMinor: t.boostMinor ?? 0,
    campaignIds: t.campaignIds && t.campaignIds.length > 0 ? t.campaignIds : null,
  };
  const upsert = drizzle(db)
    .insert(transactions)
    .values({ id: t.id, networkId: t.networkId, orderId: t.orderId, ...values })
    .onConflictDoUpdate({
      target: transactions.id,
      set: values,
      setWhere: or(gt(excluded("version"), transactions.version), isNull(transactions.userId)),
    });
  return { db, statements: [upsert] };
}

/**
 * For the global batch of a ledger batch's projections: the rows of their orders recorded
 * without a user (an untrusted sub-ID seen before the wallet held the order) go, now that the
 * user's database holds the order. Only a projection whose user is on another database can
 * leave one (on the global database the upsert above takes that row over, as before the table
 * was spread), and only rows that exist are deleted: one read on the global database for the
 * batch, by primary key, and a DELETE per row found (rare: an order first seen without a
 * usable sub-ID), instead of a DELETE per projection in the global batch. Read after the user
 * databases' batches commit: every projected order is claimed by then (`order_claims` is
 * written before any wallet is called), and intake never leaves a row without a user for a
 * claimed order (`withoutUserStatements`), so no such row can appear after the read.
 */
export async function unattributedRowsReplaced(
  env: DbRouterEnv,
  projected: ReadonlyArray<{ userId: string; txnId: string }>,
): Promise<BatchItem<"sqlite">[]> {
  const global = globalDb(env);
  const ids = [
    ...new Set(projected.filter((p) => userDb(env, p.userId) !== global).map((p) => p.txnId)),
  ];
  if (ids.length === 0) return [];
  const orm = drizzle(global);
  const found = await orm
    .select({ id: transactions.id })
    .from(transactions)
    .where(
      and(
        isNull(transactions.userId),
        sql`${transactions.id} IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`,
      ),
    );
  return found.map((row) =>
    orm.delete(transactions).where(and(eq(transactions.id, row.id), isNull(transactions.userId))),
  );
}

/**
 * A conversion no wallet judges: no wallet can be named for it (bad or missing sub-ID), or the
 * order already belongs to another user (`duplicate_order`, which names the claimant for
 * review). Recorded rejected, in D1 only; a row that exists is left alone. A claimant's row is
 * on the claimant's database; a row without a user on the global one.
 */
export function untrustedTransaction(
  env: DbRouterEnv,
  row: {
    txnId: string;
    networkId: string;
    orderId: string;
    reason: string;
    currency: string;
    saleAmountMinor: number;
    commissionMinor: number;
    occurredAtMs: number;
    nowMs: number;
    /** The claimant a duplicate order names; absent when no user can be trusted. */
    claimant?: { userId: string; offerId: string; clickId: string; clickedAtMs: number };
  },
): { db: D1Database; statements: BatchItem<"sqlite">[] } {
  if (!row.claimant) return { db: globalDb(env), statements: withoutUserStatements(env, row) };
  const db = userDb(env, row.claimant.userId);
  const insert = drizzle(db)
    .insert(transactions)
    .values({
      id: row.txnId,
      networkId: row.networkId,
      orderId: row.orderId,
      userId: row.claimant.userId,
      offerId: row.claimant.offerId,
      clickId: row.claimant.clickId,
      status: "rejected",
      rejectReason: row.reason,
      currency: row.currency,
      saleAmountMinor: row.saleAmountMinor,
      commissionMinor: row.commissionMinor,
      cashbackMinor: 0,
      rateBps: 0,
      clickedAtMs: row.claimant.clickedAtMs,
      convertedAtMs: row.occurredAtMs,
      expectedConfirmAtMs: null,
      confirmedAtMs: null,
      version: 0,
      updatedAtMs: row.nowMs,
    })
    .onConflictDoNothing({ target: transactions.id });
  return { db, statements: [insert] };
}

/**
 * The row of a conversion no user can be trusted with, on the global database, kept only while
 * its order is unclaimed: an owned order's row lives on its owner's database, and a status
 * update read there before the owner's row was projected must not leave a row without a user
 * beside it. The insert and the removal run in one batch (both tables are global), so the
 * claim check and the row agree.
 */
function withoutUserStatements(
  env: DbRouterEnv,
  row: Omit<Parameters<typeof untrustedTransaction>[1], "claimant">,
): BatchItem<"sqlite">[] {
  const orm = drizzle(globalDb(env));
  return [
    orm
      .insert(transactions)
      .values({
        id: row.txnId,
        networkId: row.networkId,
        orderId: row.orderId,
        userId: null,
        offerId: null,
        clickId: null,
        status: "rejected",
        rejectReason: row.reason,
        currency: row.currency,
        saleAmountMinor: row.saleAmountMinor,
        commissionMinor: row.commissionMinor,
        cashbackMinor: 0,
        rateBps: 0,
        clickedAtMs: null,
        convertedAtMs: row.occurredAtMs,
        expectedConfirmAtMs: null,
        confirmedAtMs: null,
        version: 0,
        updatedAtMs: row.nowMs,
      })
      .onConflictDoNothing({ target: transactions.id }),
    orm
      .delete(transactions)
      .where(
        and(
          eq(transactions.id, row.txnId),
          isNull(transactions.userId),
          sql`EXISTS (SELECT 1 FROM order_claims WHERE network_id = ${row.networkId} AND order_id = ${row.orderId})`,
        ),
      ),
  ];
}

/**
 * How an already attributed order was attributed, read on its owner's database (the owner
 * comes from the global `order_claims` index); null when no wallet holds it yet.
 */
export async function attributionOfOrder(env: DbRouterEnv, ownerId: string, txnId: string) {
  const row = (
    await drizzle(userDb(env, ownerId))
      .select({
        userId: transactions.userId,
        offerId: transactions.offerId,
        clickId: transactions.clickId,
        clickedAtMs: transactions.clickedAtMs,
      })
      .from(transactions)
      .where(
        and(
          eq(transactions.id, txnId),
          eq(transactions.userId, ownerId),
          isNotNull(transactions.offerId),
          isNotNull(transactions.clickId),
        ),
      )
      .limit(1)
  )[0];
  if (!row?.userId || !row.offerId || !row.clickId) return null;
  return {
    userId: row.userId,
    offerId: row.offerId,
    clickId: row.clickId,
    clickedAtMs: row.clickedAtMs,
  };
}

export interface ProjectedTransaction {
  id: string;
  status: string;
  /** Null for a transaction recorded without a trustworthy user (bad or missing sub-ID). */
  userId: string | null;
  rejectReason: string | null;
  saleAmountMinor: number;
  commissionMinor: number;
}

/**
 * The projected rows of these transaction ids. `ownerOf` names an id's user (from the global
 * `order_claims` index), whose database holds its row; the global database is read for every
 * id, for rows recorded without a user (and, as user database 0, its own users' rows). Where a
 * row without a user remains beside its user's row (recorded in the moment before the wallet's
 * row was projected), the user's row is the one returned.
 */
export async function transactionsByIds(
  env: DbRouterEnv,
  ids: readonly string[],
  ownerOf: (txnId: string) => string | undefined,
): Promise<Map<string, ProjectedTransaction>> {
  const global = globalDb(env);
  const perDb = new Map<D1Database, string[]>([[global, [...ids]]]);
  for (const id of ids) {
    const owner = ownerOf(id);
    if (owner === undefined) continue;
    const db = userDb(env, owner);
    if (db !== global) perDb.set(db, [...(perDb.get(db) ?? []), id]);
  }
  const found = new Map<string, ProjectedTransaction>();
  const read = await Promise.all([...perDb].map(([db, list]) => transactionsByIdsOn(db, list)));
  for (const row of read.flat()) {
    if (found.get(row.id)?.userId == null) found.set(row.id, row);
  }
  return found;
}

async function transactionsByIdsOn(
  db: D1Database,
  ids: readonly string[],
): Promise<ProjectedTransaction[]> {
  const orm = drizzle(db);
  const found: ProjectedTransaction[] = [];
  for (let i = 0; i < ids.length; i += IN_CHUNK) {
    const rows = await orm
      .select({
        id: transactions.id,
        status: transactions.status,
        userId: transactions.userId,
        rejectReason: transactions.rejectReason,
        saleAmountMinor: transactions.saleAmountMinor,
        commissionMinor: transactions.commissionMinor,
      })
      .from(transactions)
      .where(inArray(transactions.id, ids.slice(i, i + IN_CHUNK)));
    found.push(...rows);
  }
  return found;
}

/**
 * A network's transactions converted in [fromMs, toMs), rejected ones left out, oldest first,
 * at most `limit`: each user database's first `limit` in (converted time, id) order, merged
 * (a row lives in one database; an id met twice is kept once).
 */
export async function networkTransactionsIn(
  env: DbRouterEnv,
  networkId: string,
  window: { fromMs: number; toMs: number },
  limit: number,
): Promise<Array<{ id: string; orderId: string; status: string }>> {
  const pages = await Promise.all(
    eachUserDb(env).map((db) =>
      drizzle(db)
        .select({
          id: transactions.id,
          orderId: transactions.orderId,
          status: transactions.status,
          convertedAtMs: transactions.convertedAtMs,
        })
        .from(transactions)
        .where(
          and(
            eq(transactions.networkId, networkId),
            gte(transactions.convertedAtMs, window.fromMs),
            lt(transactions.convertedAtMs, window.toMs),
            ne(transactions.status, "rejected"),
          ),
        )
        .orderBy(asc(transactions.convertedAtMs), asc(transactions.id))
        .limit(limit),
    ),
  );
  const merged = pages
    .flat()
    .sort((a, b) => a.convertedAtMs - b.convertedAtMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const seen = new Set<string>();
  const out: Array<{ id: string; orderId: string; status: string }> = [];
  for (const { id, orderId, status } of merged) {
    if (seen.has(id)) continue;
    seen.add(id);
    out.push({ id, orderId, status });
    if (out.length === limit) break;
  }
  return out;
}

/** A position in the due order: (expected_confirm_at_ms, transaction id). */
export interface DueKey {
  dueMs: number;
  id: string;
}

/**
 * One page of pending rows due by `asOfMs`, after `after` (exclusive) and up to `upTo`
 * (inclusive), in due order, over every user database: each gives its first `pageRows` in
 * that order (an indexed range on (status, expected_confirm_at_ms)) and the first `pageRows`
 * of their merge is the page (a row lives in one database: nothing lost or repeated).
 */
export async function duePage(
  env: DbRouterEnv,
  asOfMs: number,
  bounds: { after: DueKey | null; upTo: DueKey | null },
  pageRows: number,
): Promise<Array<{ id: string; userId: string; dueMs: number }>> {
  const pages = await Promise.all(
    eachUserDb(env).map((db) => duePageOf(db, asOfMs, bounds, pageRows)),
  );
  return pages
    .flat()
    .sort((a, b) => a.dueMs - b.dueMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, pageRows);
}

async function duePageOf(
  db: D1Database,
  asOfMs: number,
  bounds: { after: DueKey | null; upTo: DueKey | null },
  pageRows: number,
): Promise<Array<{ id: string; userId: string; dueMs: number }>> {
  const due = transactions.expectedConfirmAtMs;
  const { after, upTo } = bounds;
  const rows = await drizzle(db)
    .select({ id: transactions.id, userId: transactions.userId, dueMs: due })
    .from(transactions)
    .where(
      and(
        eq(transactions.status, "pending"),
        isNotNull(transactions.userId),
        lte(due, asOfMs),
        after ? gte(due, after.dueMs) : undefined,
        after ? or(gt(due, after.dueMs), gt(transactions.id, after.id)) : undefined,
        upTo ? lte(due, upTo.dueMs) : undefined,
        upTo ? or(lt(due, upTo.dueMs), lte(transactions.id, upTo.id)) : undefined,
      ),
    )
    .orderBy(asc(due), asc(transactions.id))
    .limit(pageRows);
  // The filters above guarantee both; the types cannot see through them.
  return rows.map((r) => ({ id: r.id, userId: r.userId as string, dueMs: r.dueMs as number }));
}

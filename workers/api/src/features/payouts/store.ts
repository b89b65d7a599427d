import {
  and,
  asc,
  count,
  desc,
  eq,
  gt,
  gte,
  inArray,
  isNotNull,
  isNull,
  lt,
  or,
  sql,
} from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { drizzle } from "drizzle-orm/d1";
import { sumBy } from "#shared/db/merge";
import { keysetPartsAtHome } from "#shared/db/move-reads";
import { type DbRouterEnv, eachUserDb, globalDb, userDb, userIdsByDb } from "#shared/db/router";
import { payoutOwners, payouts } from "#shared/db/schema";
import type { PayoutProjection } from "#shared/messages";
import type { PayoutStatus } from "#shared/payouts/types";
import { rowValueBefore } from "../../db/keyset";

/**
 * The payouts tables in D1: the directory (`payout_owners`, payout id → user id, so a webhook
 * or an operator action finds the wallet that holds a payout; global) and the projection of
 * each payout's state (`payouts`) for the console, the finance summary and reconciliation.
 * `payouts` is spread over the user databases (shared/db/placement.ts `ROUTED`): a payout's
 * row lives in its user's database, reached only through shared/db/router.ts.
 */

/** Ids per `IN (...)` query: D1 allows 100 bound parameters. */
const IN_CHUNK = 90;

export type PayoutRow = typeof payouts.$inferSelect;

/**
 * The amount total of a group. A projection row can lack its amount until the wallet's first
 * message lands, so SUM can be NULL; the builder has no COALESCE.
 */
const totalAmountMinor = () =>
  sql<number>`COALESCE(SUM(${payouts.amountMinor}), 0)`.mapWith(Number);

/**
 * The payout's row in the global payout → user index (`payout_owners`): written whenever a
 * payout's row may be written next, by the ledger-events consumer (every payout message, from
 * the one that creates the payout, held for review or not) and by the dispatch. It commits
 * before the row it points to (or in the same batch), so a payout row never exists without
 * it; a row alone (the batch after it failed) is only an owner nobody asks for yet. A
 * payout's user never changes, so a repeated insert keeps the first row.
 */
export function payoutOwnerStatement(
  env: DbRouterEnv,
  payoutId: string,
  userId: string,
  nowMs: number,
): BatchItem<"sqlite"> {
  return drizzle(globalDb(env))
    .insert(payoutOwners)
    .values({ payoutId, userId, recordedAtMs: nowMs })
    .onConflictDoNothing({ target: payoutOwners.payoutId });
}

/**
 * Written before the processor can know the payout, so every webhook for it finds the wallet:
 * the global index row (usually already written when the payout was projected), then the
 * payout's first projection row on its user's database (one batch when that is the global
 * database). The index commits first: a failure between the two retries the dispatch, and
 * both inserts keep the first row.
 */
export async function recordPayoutOwner(
  env: DbRouterEnv,
  payoutId: string,
  userId: string,
  nowMs: number,
): Promise<void> {
  const owner = payoutOwnerStatement(env, payoutId, userId, nowMs);
  const home = userDb(env, userId);
  const first = drizzle(home)
    .insert(payouts)
    .values({ id: payoutId, userId, status: "queued", updatedAtMs: nowMs, version: 0 })
    .onConflictDoNothing({ target: payouts.id });
  if (home === globalDb(env)) {
    await drizzle(globalDb(env)).batch([owner, first]);
    return;
  }
  await owner;
  await first;
}

/**
 * The user whose wallet holds the payout; null when no database knows it. The index first:
 * every payout projected by this build has its index row, written before its row. A payout
 * the index does not know (projected by an older build while migration 0060's backfill had
 * already run, or before the index at more than one database) is found in the projection by
 * one primary-key read per user database (an operator's action or a webhook, never a hot
 * path), and its index row is written then, so the next lookup is one read.
 *
 * @example
 * const userId = await payoutOwnerOf(env, event.payoutId);
 */
export async function payoutOwnerOf(env: DbRouterEnv, payoutId: string): Promise<string | null> {
  const [indexed] = await drizzle(globalDb(env))
    .select({ userId: payoutOwners.userId })
    .from(payoutOwners)
    .where(eq(payoutOwners.payoutId, payoutId))
    .limit(1);
  if (indexed) return indexed.userId;
  const projected = await Promise.all(
    eachUserDb(env).map((db) =>
      drizzle(db)
        .select({ userId: payouts.userId })
        .from(payouts)
        .where(eq(payouts.id, payoutId))
        .limit(1),
    ),
  );
  const userId = projected.flat()[0]?.userId ?? null;
  if (userId) await payoutOwnerStatement(env, payoutId, userId, Date.now());
  return userId;
}

/**
 * A wallet's payout, on the user's database, for that database's projection batch; an older
 * version never overwrites a newer one.
 */
export function payoutProjection(
  env: DbRouterEnv,
  userId: string,
  p: PayoutProjection["payout"],
): { db: D1Database; statements: BatchItem<"sqlite">[] } {
  const db = userDb(env, userId);
  const values = {
    status: p.status,
    destinationType: p.destinationType,
    destinationMasked: p.destinationMasked,
    currency: p.currency,
    amountMinor: p.amountMinor,
    holdReason: p.holdReason,
    failureCode: p.failureCode,
    attempts: p.attempts,
    processorId: p.processorId,
    processorRef: p.processorRef,
    createdAtMs: p.createdAtMs,
    updatedAtMs: p.updatedAtMs,
    paidAtMs: p.paidAtMs,
    version: p.version,
    attention: p.attention ?? null,
  };
  const statement = drizzle(db)
    .insert(payouts)
    .values({ id: p.id, userId, ...values })
    .onConflictDoUpdate({
      target: payouts.id,
      set: values,
      // `excluded` is SQLite's name for the proposed row; the builder has no column helper for it.
      setWhere: gt(sql.raw("excluded.version"), payouts.version),
    });
  return { db, statements: [statement] };
}

export interface AdminPayoutFilter {
  status?: PayoutStatus | undefined;
  userId?: string | undefined;
  currency?: string | undefined;
  /** true: only flagged for attention; false: only not flagged. */
  attention?: boolean | undefined;
  fromMs?: number | undefined;
  toMs?: number | undefined;
}

/** The `where` of the admin listing: each filter given becomes one condition. */
export function adminPayoutConditions(
  filter: AdminPayoutFilter,
  after: { createdAtMs: number; payoutId: string } | null,
) {
  return and(
    isNotNull(payouts.createdAtMs),
    filter.status === undefined ? undefined : eq(payouts.status, filter.status),
    filter.userId === undefined ? undefined : eq(payouts.userId, filter.userId),
    filter.currency === undefined ? undefined : eq(payouts.currency, filter.currency),
    filter.attention === true ? isNotNull(payouts.attention) : undefined,
    filter.attention === false ? isNull(payouts.attention) : undefined,
    filter.fromMs === undefined ? undefined : gte(payouts.createdAtMs, filter.fromMs),
    filter.toMs === undefined ? undefined : lt(payouts.createdAtMs, filter.toMs),
    after
      ? rowValueBefore([payouts.createdAtMs, payouts.id], [after.createdAtMs, after.payoutId])
      : undefined,
  );
}

/**
 * Projected payouts, newest first (one page, `rows` includes the look-ahead row). Keyset
 * scatter-gather: each user database (only the user's, when the filter names one) gives its
 * first `rows` after the cursor in (created, id) descending order, and the first `rows` of
 * their merge are the page; a payout lives in one database, so none is lost or repeated.
 */
export async function listAdminPayouts(
  env: DbRouterEnv,
  filter: AdminPayoutFilter,
  after: { createdAtMs: number; payoutId: string } | null,
  rows: number,
): Promise<PayoutRow[]> {
  const pageOn = (db: D1Database, from: typeof after): Promise<PayoutRow[]> =>
    drizzle(db)
      .select()
      .from(payouts)
      .where(adminPayoutConditions(filter, from))
      .orderBy(desc(payouts.createdAtMs), desc(payouts.id))
      .limit(rows);
  const parts = filter.userId
    ? [await pageOn(userDb(env, filter.userId), after)]
    : // During a flipped move a moved user's payouts are in two databases: each keeps its own.
      await keysetPartsAtHome<PayoutRow>(
        env,
        eachUserDb(env),
        rows,
        (db, last) =>
          pageOn(db, last ? { createdAtMs: last.createdAtMs ?? 0, payoutId: last.id } : after),
        (row) => row.userId,
      );
  return parts
    .flat()
    .sort((a, b) => (b.createdAtMs ?? 0) - (a.createdAtMs ?? 0) || compareNullsFirst(b.id, a.id))
    .slice(0, rows);
}

/**
 * Payouts that reached `paid` in [fromMs, toMs), per UTC day and currency, over every user
 * database (a payout lives in its user's: the databases' groups add up).
 */
export async function paidPerDay(env: DbRouterEnv, fromMs: number, toMs: number) {
  const parts = await Promise.all(eachUserDb(env).map((db) => paidPerDayOf(db, fromMs, toMs)));
  return sumBy(parts.flat(), (r) => [r.day, r.currency], ["totalMinor", "payouts"]).sort(
    (a, b) => compareNullsFirst(a.day, b.day) || compareNullsFirst(a.currency, b.currency),
  );
}

function paidPerDayOf(db: D1Database, fromMs: number, toMs: number) {
  // strftime has no builder function; the day is computed in SQL so grouping happens there.
  const day = sql<string>`strftime('%Y-%m-%d', ${payouts.paidAtMs} / 1000, 'unixepoch')`;
  return drizzle(db)
    .select({
      day: day.as("day"),
      currency: payouts.currency,
      totalMinor: totalAmountMinor(),
      payouts: count(),
    })
    .from(payouts)
    .where(
      and(gte(payouts.paidAtMs, fromMs), lt(payouts.paidAtMs, toMs), eq(payouts.status, "paid")),
    )
    .groupBy(day, payouts.currency);
}

/** Payouts in the given statuses now, per status and currency, over every user database. */
export async function totalsByStatus(env: DbRouterEnv, statuses: readonly string[]) {
  const parts = await Promise.all(eachUserDb(env).map((db) => totalsByStatusOf(db, statuses)));
  return sumBy(parts.flat(), (r) => [r.status, r.currency], ["totalMinor", "payouts"]).sort(
    (a, b) => compareNullsFirst(a.status, b.status) || compareNullsFirst(a.currency, b.currency),
  );
}

function totalsByStatusOf(db: D1Database, statuses: readonly string[]) {
  return drizzle(db)
    .select({
      status: payouts.status,
      currency: payouts.currency,
      totalMinor: totalAmountMinor(),
      payouts: count(),
    })
    .from(payouts)
    .where(inArray(payouts.status, [...statuses]))
    .groupBy(payouts.status, payouts.currency);
}

/** Pure: SQLite's ascending order of text (NULL first, then by code unit as BINARY). */
function compareNullsFirst(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : 1;
}

/** The columns reconciliation compares. */
const RECON_COLUMNS = {
  id: payouts.id,
  status: payouts.status,
  currency: payouts.currency,
  amountMinor: payouts.amountMinor,
  processorRef: payouts.processorRef,
  updatedAtMs: payouts.updatedAtMs,
};
export type ReconPayout = Pick<
  PayoutRow,
  "id" | "status" | "currency" | "amountMinor" | "processorRef" | "updatedAtMs"
>;

/**
 * Every payout created or updated in [fromMs, toMs), over every user database: each database
 * is read in keyset pages of `pageRows` on its updated index. A payout is created before it
 * is last updated, so `updated >= fromMs` covers both.
 */
export async function payoutsChangedIn(
  env: DbRouterEnv,
  window: { fromMs: number; toMs: number },
  pageRows: number,
): Promise<ReconPayout[]> {
  const perDb = await Promise.all(
    eachUserDb(env).map(async (db) => {
      const rows: ReconPayout[] = [];
      let after = { updatedAtMs: window.fromMs - 1, id: "" };
      for (;;) {
        const page = await payoutsChangedInPage(db, window, after, pageRows);
        rows.push(...page);
        const last = page.at(-1);
        if (!last || page.length < pageRows) return rows;
        after = { updatedAtMs: last.updatedAtMs, id: last.id };
      }
    }),
  );
  return perDb.flat();
}

function payoutsChangedInPage(
  db: D1Database,
  window: { fromMs: number; toMs: number },
  after: { updatedAtMs: number; id: string },
  rows: number,
): Promise<ReconPayout[]> {
  return drizzle(db)
    .select(RECON_COLUMNS)
    .from(payouts)
    .where(
      and(
        gte(payouts.updatedAtMs, window.fromMs),
        or(
          lt(payouts.updatedAtMs, window.toMs),
          and(gte(payouts.createdAtMs, window.fromMs), lt(payouts.createdAtMs, window.toMs)),
        ),
        or(
          gt(payouts.updatedAtMs, after.updatedAtMs),
          and(eq(payouts.updatedAtMs, after.updatedAtMs), gt(payouts.id, after.id)),
        ),
      ),
    )
    .orderBy(asc(payouts.updatedAtMs), asc(payouts.id))
    .limit(rows);
}

/**
 * Our rows of the payouts a processor's report names. The global index (`payout_owners`) gives
 * each id's user, and each user database is asked for its users' payouts only; ids the index
 * does not know (a payout unknown to us, or one an older build projected without its index
 * row, `payoutOwnerOf`) are asked of every user database.
 */
export async function payoutsByIds(
  env: DbRouterEnv,
  ids: readonly string[],
): Promise<ReconPayout[]> {
  const owners = new Map<string, string>();
  const global = drizzle(globalDb(env));
  for (let i = 0; i < ids.length; i += IN_CHUNK) {
    const found = await global
      .select({ payoutId: payoutOwners.payoutId, userId: payoutOwners.userId })
      .from(payoutOwners)
      .where(inArray(payoutOwners.payoutId, ids.slice(i, i + IN_CHUNK)));
    for (const row of found) owners.set(row.payoutId, row.userId);
  }
  const idsByDb = new Map<D1Database, string[]>();
  for (const [db, userIds] of userIdsByDb(env, [...owners.values()])) {
    const users = new Set(userIds);
    idsByDb.set(
      db,
      [...owners].filter(([, userId]) => users.has(userId)).map(([payoutId]) => payoutId),
    );
  }
  const unindexed = ids.filter((id) => !owners.has(id));
  if (unindexed.length > 0) {
    for (const db of eachUserDb(env)) idsByDb.set(db, [...(idsByDb.get(db) ?? []), ...unindexed]);
  }
  const perDb = await Promise.all(
    [...idsByDb].map(([db, dbIds]) => payoutRowsByIds(db, [...new Set(dbIds)])),
  );
  return perDb.flat();
}

async function payoutRowsByIds(db: D1Database, ids: readonly string[]): Promise<ReconPayout[]> {
  const orm = drizzle(db);
  const rows: ReconPayout[] = [];
  for (let i = 0; i < ids.length; i += IN_CHUNK) {
    rows.push(
      ...(await orm
        .select(RECON_COLUMNS)
        .from(payouts)
        .where(inArray(payouts.id, ids.slice(i, i + IN_CHUNK)))),
    );
  }
  return rows;
}

/**
 * Payouts in these statuses unchanged since before `beforeMs`, oldest first, over every user
 * database: each gives its oldest `limit`, and the oldest `limit` of their merge are kept.
 */
export async function payoutsStillSince(
  env: DbRouterEnv,
  statuses: readonly string[],
  beforeMs: number,
  limit: number,
) {
  const parts = await Promise.all(
    eachUserDb(env).map((db) => payoutsStillSinceOf(db, statuses, beforeMs, limit)),
  );
  return parts
    .flat()
    .sort((a, b) => a.updatedAtMs - b.updatedAtMs || compareNullsFirst(a.id, b.id))
    .slice(0, limit);
}

function payoutsStillSinceOf(
  db: D1Database,
  statuses: readonly string[],
  beforeMs: number,
  limit: number,
) {
  return (
    drizzle(db)
      .select({
        id: payouts.id,
        status: payouts.status,
        attempts: payouts.attempts,
        updatedAtMs: payouts.updatedAtMs,
      })
      .from(payouts)
      .where(and(inArray(payouts.status, [...statuses]), lt(payouts.updatedAtMs, beforeMs)))
      // The id breaks ties as the merge does, so every database's cut agrees with it.
      .orderBy(asc(payouts.updatedAtMs), asc(payouts.id))
      .limit(limit)
  );
}

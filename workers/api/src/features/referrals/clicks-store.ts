import { and, count, gte, inArray, lt, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { sumBy } from "#shared/db/merge";
import { type DbRouterEnv, eachUserDb, userDb, userIdsByDb } from "#shared/db/router";
import { referralClicks } from "#shared/db/schema";
import type { ReferralClickRow } from "./click-rows";

/**
 * D1 `referral_clicks`, a user table spread over the user databases (shared/db/placement.ts
 * `ROUTED`, docs/scaling.md "D1 router"): a click lives in its **referrer's** database (it is
 * a click on the referrer's link, before any referee exists; the CLICKS queue is keyed by
 * referrer too). Every writer and console reader goes through this file; the wallet's
 * fingerprint match has its own (durable-objects/wallet/referrals/fingerprint-clicks.ts).
 */

/** Rows per D1 batch: a queue batch is at most 100 messages, so one batch takes them all. */
export const MAX_CLICK_ROWS_PER_BATCH = 100;

/**
 * Inserts referral clicks on their referrers' databases, each `ON CONFLICT DO NOTHING` (a
 * redelivered click is already there and changes nothing): one D1 batch (one transaction, one
 * round trip) per database per MAX_CLICK_ROWS_PER_BATCH rows, the databases in parallel. A
 * failure retries the whole queue batch, which the conflict clause makes safe.
 *
 * @example
 * await insertReferralClicks(env, rows);
 */
export async function insertReferralClicks(
  env: DbRouterEnv,
  rows: readonly ReferralClickRow[],
): Promise<void> {
  const perDb = new Map<D1Database, ReferralClickRow[]>();
  for (const row of rows) {
    const db = userDb(env, row.referrerId);
    perDb.set(db, [...(perDb.get(db) ?? []), row]);
  }
  await Promise.all(
    [...perDb].map(async ([db, dbRows]) => {
      const orm = drizzle(db);
      for (let i = 0; i < dbRows.length; i += MAX_CLICK_ROWS_PER_BATCH) {
        const [first, ...rest] = dbRows
          .slice(i, i + MAX_CLICK_ROWS_PER_BATCH)
          .map((row) => orm.insert(referralClicks).values(row).onConflictDoNothing());
        if (first) await orm.batch([first, ...rest]);
      }
    }),
  );
}

/**
 * Deletes up to `rows` clicks before `cutoffMs` on one user database, oldest first; how many
 * went. The retention cron (clicks-retention.ts) calls it per database within its budget.
 */
export async function deleteClicksBefore(
  db: D1Database,
  cutoffMs: number,
  rows: number,
): Promise<number> {
  const orm = drizzle(db);
  const oldest = orm
    .select({ clickId: referralClicks.clickId })
    .from(referralClicks)
    .where(lt(referralClicks.clickedAtMs, cutoffMs))
    .orderBy(referralClicks.clickedAtMs)
    .limit(rows);
  const result = await orm
    .delete(referralClicks)
    .where(inArray(referralClicks.clickId, oldest))
    .run();
  return result.meta.changes ?? 0;
}

/** Link clicks in [fromMs, toMs), all referrers' or one's. */
export interface ClickRange {
  fromMs: number;
  toMs: number;
  referrerId: string | null;
}

const inRange = (q: ClickRange) =>
  and(
    gte(referralClicks.clickedAtMs, q.fromMs),
    lt(referralClicks.clickedAtMs, q.toMs),
    q.referrerId === null ? undefined : sql`${referralClicks.referrerId} = ${q.referrerId}`,
  );

/** The databases a range reads: one referrer's own, else every user database. */
const databasesOf = (env: DbRouterEnv, q: ClickRange) =>
  q.referrerId === null ? eachUserDb(env) : [userDb(env, q.referrerId)];

/** How many link clicks in the range: each database's count, added. */
export async function countClicks(env: DbRouterEnv, q: ClickRange): Promise<number> {
  const counts = await Promise.all(
    databasesOf(env, q).map((db) =>
      drizzle(db).select({ n: count() }).from(referralClicks).where(inRange(q)),
    ),
  );
  return counts.reduce((sum, rows) => sum + Number(rows[0]?.n ?? 0), 0);
}

/** The link clicks in the range of each of `referrerIds`, one query per database. */
export async function clicksOfReferrers(
  env: DbRouterEnv,
  q: Omit<ClickRange, "referrerId">,
  referrerIds: readonly string[],
): Promise<Array<{ referrerId: string; clicks: number }>> {
  const groups = await Promise.all(
    [...userIdsByDb(env, referrerIds)].map(([db, ids]) =>
      drizzle(db)
        .select({ referrerId: referralClicks.referrerId, clicks: count() })
        .from(referralClicks)
        .where(and(inRange({ ...q, referrerId: null }), inArray(referralClicks.referrerId, ids)))
        .groupBy(referralClicks.referrerId),
    ),
  );
  return groups.flat();
}

/** Click ids per statement, bound as one JSON list (~45 bytes each, far below 2 MB a value). */
const CLICK_IDS_PER_QUERY = 5_000;

/**
 * When each of these clicks happened, by click id (a click already pruned is missing): each
 * click is read on its referrer's database, one query per database per 5,000 clicks.
 */
export async function clickTimes(
  env: DbRouterEnv,
  clicks: ReadonlyArray<{ clickId: string; referrerId: string }>,
): Promise<Map<string, number>> {
  const perDb = new Map<D1Database, string[]>();
  for (const c of clicks) {
    const db = userDb(env, c.referrerId);
    perDb.set(db, [...(perDb.get(db) ?? []), c.clickId]);
  }
  const reads: Array<Promise<Array<{ clickId: string; clickedAtMs: number }>>> = [];
  for (const [db, ids] of perDb) {
    for (let i = 0; i < ids.length; i += CLICK_IDS_PER_QUERY) {
      const chunk = JSON.stringify(ids.slice(i, i + CLICK_IDS_PER_QUERY));
      reads.push(
        drizzle(db)
          .select({ clickId: referralClicks.clickId, clickedAtMs: referralClicks.clickedAtMs })
          .from(referralClicks)
          .where(sql`${referralClicks.clickId} IN (SELECT value FROM json_each(${chunk}))`),
      );
    }
  }
  const rows = (await Promise.all(reads)).flat();
  return new Map(rows.map((r) => [r.clickId, r.clickedAtMs]));
}

/** One group of the analytics referral funnel's clicks: how many, and by how many sharers. */
export type ClickStageRow = {
  day?: string;
  program_id?: string;
  clicks: number;
  sharers: number;
};

const DAY = `strftime('%Y-%m-%d', clicked_at_ms / 1000, 'unixepoch')`;

/**
 * The analytics funnel's click stage (features/analytics/referral-funnel.ts) in [fromMs, toMs)
 * of one program or all, grouped by nothing, day or program: each database's clicks and
 * distinct sharers, added. A referrer's clicks all live in their database, so the distinct
 * sharers of two databases never overlap and their counts add up.
 */
export async function clickStages(
  env: DbRouterEnv,
  range: { fromMs: number; toMs: number },
  programId: string | null,
  group: "" | "day" | "program_id",
): Promise<ClickStageRow[]> {
  const key = group === "day" ? `${DAY} AS day, ` : group === "program_id" ? "program_id, " : "";
  const by = group === "" ? "" : `GROUP BY ${group}`;
  const perDb = await Promise.all(
    eachUserDb(env).map(async (db) => {
      const { results } = await db
        .prepare(
          `SELECT ${key}COUNT(*) AS clicks, COUNT(DISTINCT referrer_id) AS sharers
           FROM referral_clicks WHERE clicked_at_ms >= ?1 AND clicked_at_ms < ?2
             AND (?3 IS NULL OR program_id = ?3) ${by}`,
        )
        .bind(range.fromMs, range.toMs, programId)
        .all<ClickStageRow>();
      return results;
    }),
  );
  return sumBy(perDb.flat(), (r) => [r.day ?? r.program_id ?? ""], ["clicks", "sharers"]);
}

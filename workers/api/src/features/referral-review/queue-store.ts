import { and, asc, eq, gt, inArray, or, type SQL } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { keysetPartsAtHome } from "#shared/db/move-reads";
import { type DbRouterEnv, eachUserDb, globalDb, userIdsByDb } from "#shared/db/router";
import { referralReferrers, referrals } from "#shared/db/schema";

/**
 * The operator's reads of the referrals projection (docs/referrals.md "Fraud holds"). A
 * referral lives in its referee's user database (shared/db/placement.ts, docs/scaling.md "D1
 * router"), so a list over referrals is keyset scatter-gather: every user database gives its
 * first `rows` after the cursor in the list's order, and the first `rows` of their merge are
 * the page (a referral is in exactly one database, so nothing is lost or repeated). A list of
 * one referrer's referrals pages the global referrer index (`referral_referrers`) instead and
 * reads the rows on the databases of the referees it names.
 */

export type ReferralRow = typeof referrals.$inferSelect;

type Key = { attributedAtMs: number; referralId: string };

/** Pure: (attributed at, referral id) ascending, the lists' order. */
const byAttribution = (a: Key, b: Key) =>
  a.attributedAtMs - b.attributedAtMs ||
  (a.referralId < b.referralId ? -1 : a.referralId > b.referralId ? 1 : 0);

/** Index rows read per page of a referrer's walk. */
const INDEX_PAGE = 200;
/**
 * Index rows a referrer's walk reads before it hands the rest to every user database: a
 * referrer with many referrals outside the filter (a ban's sweep of one with thousands already
 * rewarded) would otherwise cost one index page and a read per database holding referees for
 * every 200 of them; past this, one query per database on `referrals_referrer_idx` is cheaper.
 */
const INDEX_SCAN_BUDGET = 2_000;
/** Ids per `IN (...)`: D1 allows 100 bound parameters a statement. */
const IN_CHUNK = 90;

/** Oldest signup first, keyset on (attributed at, referral id). */
export async function listReferrals(
  env: DbRouterEnv,
  filter: { state?: string; referrerId?: string },
  after: Key | null,
  rows: number,
): Promise<ReferralRow[]> {
  const state = filter.state === undefined ? undefined : eq(referrals.state, filter.state);
  if (filter.referrerId !== undefined) {
    return referrerReferrals(env, filter.referrerId, state, after, rows);
  }
  return everyDbPage(env, state, after, rows);
}

/** Every user database's first `rows` matching `where` after `after`, merged. */
async function everyDbPage(
  env: DbRouterEnv,
  where: SQL | undefined,
  after: Key | null,
  rows: number,
): Promise<ReferralRow[]> {
  // During a flipped move a referee's referral is in two databases: each keeps its own.
  const perDb = await keysetPartsAtHome<ReferralRow>(
    env,
    eachUserDb(env),
    rows,
    (db, last) =>
      drizzle(db)
        .select()
        .from(referrals)
        .where(and(where, afterKey(last ?? after)))
        .orderBy(asc(referrals.attributedAtMs), asc(referrals.referralId))
        .limit(rows),
    (row) => row.refereeId,
  );
  return perDb.flat().sort(byAttribution).slice(0, rows);
}

function afterKey(after: Key | null) {
  return after === null
    ? undefined
    : or(
        gt(referrals.attributedAtMs, after.attributedAtMs),
        and(
          eq(referrals.attributedAtMs, after.attributedAtMs),
          gt(referrals.referralId, after.referralId),
        ),
      );
}

/**
 * The referrer's first `rows` referrals matching `where` after `after`, oldest first: pages of
 * the global index in the same order (its `referral_referrers_referrer_idx`), each page's rows
 * read on their referees' databases (one query per database holding any; an index row whose
 * referral is not written yet is skipped). After `INDEX_SCAN_BUDGET` index rows without
 * enough matches, the rest comes from every user database after the last index row read.
 */
async function referrerReferrals(
  env: DbRouterEnv,
  referrerId: string,
  where: SQL | undefined,
  after: Key | null,
  rows: number,
): Promise<ReferralRow[]> {
  const found: ReferralRow[] = [];
  let cursor = after;
  for (let scanned = 0; scanned < INDEX_SCAN_BUDGET; ) {
    const page = await drizzle(globalDb(env))
      .select({
        referralId: referralReferrers.referralId,
        refereeId: referralReferrers.refereeId,
        attributedAtMs: referralReferrers.attributedAtMs,
      })
      .from(referralReferrers)
      .where(
        and(
          eq(referralReferrers.referrerId, referrerId),
          cursor === null
            ? undefined
            : or(
                gt(referralReferrers.attributedAtMs, cursor.attributedAtMs),
                and(
                  eq(referralReferrers.attributedAtMs, cursor.attributedAtMs),
                  gt(referralReferrers.referralId, cursor.referralId),
                ),
              ),
        ),
      )
      .orderBy(asc(referralReferrers.attributedAtMs), asc(referralReferrers.referralId))
      .limit(INDEX_PAGE);
    scanned += page.length;
    const byId = await rowsOfIndexPage(env, page, where);
    for (const entry of page) {
      const row = byId.get(entry.referralId);
      if (row) found.push(row);
      if (found.length === rows) return found;
    }
    if (page.length < INDEX_PAGE) return found;
    cursor = page[page.length - 1] ?? cursor;
  }
  return [
    ...found,
    ...(await everyDbPage(
      env,
      and(eq(referrals.referrerId, referrerId), where),
      cursor,
      rows - found.length,
    )),
  ];
}

/** The referral rows an index page names that match `where`, by referral id. */
async function rowsOfIndexPage(
  env: DbRouterEnv,
  page: ReadonlyArray<{ referralId: string; refereeId: string }>,
  where: SQL | undefined,
): Promise<Map<string, ReferralRow>> {
  const idsOfReferee = new Map<string, string[]>();
  for (const p of page)
    idsOfReferee.set(p.refereeId, [...(idsOfReferee.get(p.refereeId) ?? []), p.referralId]);
  const reads: Promise<ReferralRow[]>[] = [];
  for (const [db, referees] of userIdsByDb(env, [...idsOfReferee.keys()])) {
    const ids = referees.flatMap((r) => idsOfReferee.get(r) ?? []);
    for (let i = 0; i < ids.length; i += IN_CHUNK) {
      reads.push(
        drizzle(db)
          .select()
          .from(referrals)
          .where(and(inArray(referrals.referralId, ids.slice(i, i + IN_CHUNK)), where)),
      );
    }
  }
  return new Map((await Promise.all(reads)).flat().map((r) => [r.referralId, r]));
}

/** States a ban rejects: everything not yet rewarded and not final. */
export const BANNABLE_STATES = ["signed_up", "qualified", "held"] as const;

/**
 * The referrer's referrals a ban rejects (from the projection), oldest first, at most `rows`:
 * a walk of the referrer index, as the review queue filtered by referrer.
 */
export async function unrewardedReferralsOf(
  env: DbRouterEnv,
  referrerId: string,
  rows: number,
): Promise<Array<{ referralId: string; refereeId: string }>> {
  const found = await referrerReferrals(
    env,
    referrerId,
    inArray(referrals.state, [...BANNABLE_STATES]),
    null,
    rows,
  );
  return found.map(({ referralId, refereeId }) => ({ referralId, refereeId }));
}

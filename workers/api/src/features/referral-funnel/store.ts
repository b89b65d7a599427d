import { and, asc, eq, gt, gte, inArray, isNotNull, lt, type SQL, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { sumBy } from "#shared/db/merge";
import { type DbRouterEnv, eachUserDb } from "#shared/db/router";
import { referrals } from "#shared/db/schema";
import { clicksOfReferrers, clickTimes, countClicks } from "../referrals/index";

/**
 * The referral funnel's figures: link clicks from `referral_clicks` (the CLICKS consumer's
 * rows, spread over the user databases by referrer: read through their store,
 * features/referrals/clicks-store.ts), and the referrals that signed up in the range from the
 * `referrals` projection (in the referees' user databases: each database's counts, added),
 * counted by stage per campaign (the rule that qualified them) and per referrer (the busiest), with the time from the referral's link click to its qualifying
 * event. Each query is on an index (referral_clicks_clicked_at_idx / _referrer_idx,
 * referrals_attributed_idx / _rule_idx / _referrer_idx). The times join a referral to its
 * click across databases, so they read one row per qualified referral with a click in the
 * range (in pages of 5,000) and one click time each, not one row per group.
 */

/** Referrers listed per funnel: the ones with the most signups in the range. */
export const MAX_FUNNEL_REFERRERS = 50;
/** Campaigns listed per funnel (rules that qualified referrals signed up in the range). */
const MAX_FUNNEL_CAMPAIGNS = 200;

export interface FunnelQuery {
  fromMs: number;
  toMs: number;
  ruleId: string | null;
  referrerId: string | null;
}

/** Stage counts of a group of referrals (all, one campaign, one referrer). */
export interface StageRow {
  signups: number;
  qualified: number;
  rewarded: number;
  held: number;
  rejected: number;
  reversed: number;
}

/** Click → qualification durations of a group: how many, the median and the 90th percentile. */
export interface TimeRow {
  grp: string | null;
  referrals: number;
  medianMs: number | null;
  p90Ms: number | null;
}

/** The states a referral reaches only by qualifying (a rejection may come before or after). */
const QUALIFIED_STATES = ["qualified", "rewarded", "held", "reversed"];

// Each column aliased: D1 returns rows as objects, and unnamed expressions that read alike
// (the same SUM with another state bound) would share a name and collapse into one.
const stateCount = (state: string) =>
  sql<number>`COALESCE(SUM(CASE WHEN ${referrals.state} = ${state} THEN 1 ELSE 0 END), 0)`
    .mapWith(Number)
    .as(state);

const stageColumns = {
  signups: sql<number>`COUNT(*)`.mapWith(Number).as("signups"),
  qualified: sql<number>`COALESCE(SUM(CASE WHEN ${referrals.qualifiedAtMs} IS NOT NULL
    OR ${inArray(referrals.state, QUALIFIED_STATES)} THEN 1 ELSE 0 END), 0)`
    .mapWith(Number)
    .as("qualified"),
  rewarded: stateCount("rewarded"),
  held: stateCount("held"),
  rejected: stateCount("rejected"),
  reversed: stateCount("reversed"),
};

function cohortWhere(q: FunnelQuery): SQL | undefined {
  return and(
    gte(referrals.attributedAtMs, q.fromMs),
    lt(referrals.attributedAtMs, q.toMs),
    q.ruleId === null ? undefined : eq(referrals.ruleId, q.ruleId),
    q.referrerId === null ? undefined : eq(referrals.referrerId, q.referrerId),
  );
}

/** A qualified referral with a link click, for the click → qualification times. */
interface TimedReferral {
  referralId: string;
  ruleId: string | null;
  referrerId: string;
  clickId: string;
  qualifiedAtMs: number;
}

/** Referrals read per page for the times (keyset on referral id). */
const TIMED_PAGE = 5_000;

/**
 * The qualified referrals signed up in the range that came through a link click. Their
 * clicks live in the referrers' databases (`referral_clicks` is spread over the user
 * databases), so the click → qualification join is made here rather than in SQL.
 */
async function timedReferrals(db: D1Database, q: FunnelQuery): Promise<TimedReferral[]> {
  const orm = drizzle(db);
  const out: TimedReferral[] = [];
  let after = "";
  for (;;) {
    const page = await orm
      .select({
        referralId: referrals.referralId,
        ruleId: referrals.ruleId,
        referrerId: referrals.referrerId,
        clickId: referrals.clickId,
        qualifiedAtMs: referrals.qualifiedAtMs,
      })
      .from(referrals)
      .where(
        and(
          cohortWhere(q),
          isNotNull(referrals.qualifiedAtMs),
          isNotNull(referrals.clickId),
          gt(referrals.referralId, after),
        ),
      )
      .orderBy(asc(referrals.referralId))
      .limit(TIMED_PAGE);
    for (const r of page) {
      // Both are non-null by the query's conditions.
      if (r.clickId !== null && r.qualifiedAtMs !== null) {
        out.push({ ...r, clickId: r.clickId, qualifiedAtMs: r.qualifiedAtMs });
      }
    }
    const last = page.at(-1);
    if (!last || page.length < TIMED_PAGE) return out;
    after = last.referralId;
  }
}

/**
 * Pure: median and 90th percentile of click → qualification per group, nearest rank (the
 * value at rank ⌈p·n⌉ of the n durations in order; a qualification before its click counts
 * 0). `groupOf` names each referral's group; null leaves it out.
 *
 * @example
 * timesOf([{ ms: 5 }, { ms: 1 }, { ms: 9 }], () => null)
 * // [{ grp: null, referrals: 3, medianMs: 5, p90Ms: 9 }]
 */
export function timesOf<T extends { ms: number }>(
  rows: readonly T[],
  groupOf: (row: T) => string | null | undefined,
): TimeRow[] {
  const groups = new Map<string | null, number[]>();
  for (const row of rows) {
    const grp = groupOf(row);
    if (grp === undefined) continue;
    groups.set(grp, [...(groups.get(grp) ?? []), Math.max(0, row.ms)]);
  }
  return [...groups].map(([grp, durations]) => {
    const sorted = durations.sort((a, b) => a - b);
    const n = sorted.length;
    return {
      grp,
      referrals: n,
      medianMs: sorted[Math.ceil(n / 2) - 1] ?? null,
      p90Ms: sorted[Math.ceil((9 * n) / 10) - 1] ?? null,
    };
  });
}

/** Pure: nulls first, then strings in order (SQLite's ascending order). */
const nullsFirst = (a: string | null, b: string | null) =>
  a === b ? 0 : a === null ? -1 : b === null ? 1 : a < b ? -1 : 1;

const STAGE_FIELDS = ["signups", "qualified", "rewarded", "held", "rejected", "reversed"] as const;

/**
 * Pure: groups of several databases merged by `keyOf` (their stage counts added), most signups
 * first, then by key, at most `max`: the cut is made after the merge, so it is exact.
 */
function topGroups<T extends StageRow>(
  rows: readonly T[],
  keyOf: (row: T) => string | null,
  max: number,
): T[] {
  return sumBy(rows, (r) => [keyOf(r)], [...STAGE_FIELDS])
    .sort((a, b) => Number(b.signups) - Number(a.signups) || nullsFirst(keyOf(a), keyOf(b)))
    .slice(0, max);
}

/** One user database's stages of the cohort: all, every campaign, every referrer. */
function stagesOf(db: D1Database, q: FunnelQuery) {
  const orm = drizzle(db);
  return orm.batch([
    orm.select(stageColumns).from(referrals).where(cohortWhere(q)),
    // Every group, not the first MAX_FUNNEL_*: the cut is made after the databases' merge.
    orm
      .select({ ruleId: referrals.ruleId, ...stageColumns })
      .from(referrals)
      .where(cohortWhere(q))
      .groupBy(referrals.ruleId),
    orm
      .select({ referrerId: referrals.referrerId, ...stageColumns })
      .from(referrals)
      .where(cohortWhere(q))
      .groupBy(referrals.referrerId),
  ]);
}

/**
 * Every figure of the funnel: the referrals' stages from every user database (a referral lives
 * in its referee's), added, and the link clicks from the referrers' databases
 * (features/referrals/clicks-store.ts), read at the same time; the busiest referrers' clicks
 * and the click times once those are known.
 *
 * @example
 * const rows = await funnelFigures(env, { fromMs, toMs, ruleId: null, referrerId: null });
 */
export async function funnelFigures(env: DbRouterEnv, q: FunnelQuery) {
  const dbs = eachUserDb(env);
  const [perDb, timedPerDb, clicks] = await Promise.all([
    Promise.all(dbs.map((db) => stagesOf(db, q))),
    Promise.all(dbs.map((db) => timedReferrals(db, q))),
    countClicks(env, q),
  ]);
  const all = sumBy(
    perDb.flatMap(([a]) => a),
    () => [],
    [...STAGE_FIELDS],
  );
  const byRule = topGroups(
    perDb.flatMap(([, r]) => r),
    (r) => r.ruleId,
    MAX_FUNNEL_CAMPAIGNS,
  );
  const byReferrer = topGroups(
    perDb.flatMap(([, , r]) => r),
    (r) => r.referrerId,
    MAX_FUNNEL_REFERRERS,
  );
  const timed = timedPerDb.flat();
  const top = new Set(byReferrer.map((r) => r.referrerId));
  const [referrerClicks, clickedAt] = await Promise.all([
    clicksOfReferrers(env, q, [...top]),
    clickTimes(env, timed),
  ]);
  const durations = timed.flatMap((r) => {
    const clickedAtMs = clickedAt.get(r.clickId);
    return clickedAtMs === undefined ? [] : [{ ...r, ms: r.qualifiedAtMs - clickedAtMs }];
  });
  return {
    clicks,
    all: all[0] ?? null,
    byRule,
    byReferrer,
    referrerClicks,
    timesAll: timesOf(durations, () => null)[0] ?? null,
    timesByRule: timesOf(durations, (r) => r.ruleId),
    timesByReferrer: timesOf(durations, (r) => (top.has(r.referrerId) ? r.referrerId : undefined)),
  };
}

export type FunnelRows = Awaited<ReturnType<typeof funnelFigures>>;

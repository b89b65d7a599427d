import { and, count, desc, eq, gte, inArray, lt, type SQL, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { SQLiteSyncDialect } from "drizzle-orm/sqlite-core";
import { referralClicks, referrals } from "#shared/db/schema";

/**
 * The referral funnel's figures, read from D1 in two batches sent together: link clicks from
 * `referral_clicks` (the CLICKS consumer's rows), and the referrals that signed up in the range
 * from the `referrals` projection, counted by stage per campaign (the rule that qualified
 * them) and per referrer (the busiest), with the time from the referral's link click to its
 * qualifying event. Each query is on an index (referral_clicks_clicked_at_idx / _referrer_idx,
 * referrals_attributed_idx / _rule_idx / _referrer_idx) and bounded in the rows it returns.
 */

const dialect = new SQLiteSyncDialect();

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

function clicksWhere(q: FunnelQuery): SQL | undefined {
  return and(
    gte(referralClicks.clickedAtMs, q.fromMs),
    lt(referralClicks.clickedAtMs, q.toMs),
    q.referrerId === null ? undefined : eq(referralClicks.referrerId, q.referrerId),
  );
}

/**
 * Median and 90th percentile of click → qualification per group, nearest rank (the value at
 * rank ⌈p·n⌉ of the n durations in order), computed in SQL with window functions so that only
 * one row per group comes back. `groupBy` is the grouping column (null: one group of all).
 */
function timesQuery(q: FunnelQuery, groupBy: SQL, onlyTopReferrers: boolean): SQL {
  const top = onlyTopReferrers ? sql`AND r.referrer_id IN (${topReferrersSubquery(q)})` : sql``;
  return sql`WITH d AS (
      SELECT ${groupBy} AS k, MAX(0, r.qualified_at_ms - c.clicked_at_ms) AS ms
      FROM referrals r JOIN referral_clicks c ON c.click_id = r.click_id
      WHERE r.attributed_at_ms >= ${q.fromMs} AND r.attributed_at_ms < ${q.toMs}
        AND r.qualified_at_ms IS NOT NULL
        ${q.ruleId === null ? sql`` : sql`AND r.rule_id = ${q.ruleId}`}
        ${q.referrerId === null ? sql`` : sql`AND r.referrer_id = ${q.referrerId}`}
        ${top}
    ), ranked AS (
      SELECT k, ms, ROW_NUMBER() OVER (PARTITION BY k ORDER BY ms) AS rn,
        COUNT(*) OVER (PARTITION BY k) AS n
      FROM d
    )
    SELECT k AS grp, MAX(n) AS referrals,
      MIN(CASE WHEN rn >= (n + 1) / 2 THEN ms END) AS medianMs,
      MIN(CASE WHEN rn >= (9 * n + 9) / 10 THEN ms END) AS p90Ms
    FROM ranked GROUP BY k`;
}

function topReferrersSubquery(q: FunnelQuery): SQL {
  return sql`SELECT referrer_id FROM referrals
    WHERE attributed_at_ms >= ${q.fromMs} AND attributed_at_ms < ${q.toMs}
      ${q.ruleId === null ? sql`` : sql`AND rule_id = ${q.ruleId}`}
      ${q.referrerId === null ? sql`` : sql`AND referrer_id = ${q.referrerId}`}
    GROUP BY referrer_id ORDER BY COUNT(*) DESC, referrer_id LIMIT ${MAX_FUNNEL_REFERRERS}`;
}

/**
 * Every figure of the funnel, in one D1 batch.
 *
 * @example
 * const rows = await funnelFigures(env.DB, { fromMs, toMs, ruleId: null, referrerId: null });
 */
export async function funnelFigures(db: D1Database, q: FunnelQuery) {
  const orm = drizzle(db);
  // Window functions need raw SQL, and drizzle's D1 batch cannot bind a raw query's
  // parameters: the times go in a D1 batch of their own, sent at the same time.
  const raw = (query: SQL) => {
    const built = dialect.sqlToQuery(query);
    return db.prepare(built.sql).bind(...built.params);
  };
  const [[clicks, all, byRule, byReferrer, referrerClicks], times] = await Promise.all([
    orm.batch([
      orm.select({ clicks: count() }).from(referralClicks).where(clicksWhere(q)),
      orm.select(stageColumns).from(referrals).where(cohortWhere(q)),
      orm
        .select({ ruleId: referrals.ruleId, ...stageColumns })
        .from(referrals)
        .where(cohortWhere(q))
        .groupBy(referrals.ruleId)
        .orderBy(desc(count()), referrals.ruleId)
        .limit(MAX_FUNNEL_CAMPAIGNS),
      orm
        .select({ referrerId: referrals.referrerId, ...stageColumns })
        .from(referrals)
        .where(cohortWhere(q))
        .groupBy(referrals.referrerId)
        .orderBy(desc(count()), referrals.referrerId)
        .limit(MAX_FUNNEL_REFERRERS),
      orm
        .select({ referrerId: referralClicks.referrerId, clicks: count() })
        .from(referralClicks)
        .where(
          and(clicksWhere(q), sql`${referralClicks.referrerId} IN (${topReferrersSubquery(q)})`),
        )
        .groupBy(referralClicks.referrerId),
    ]),
    db.batch<TimeRow>([
      raw(timesQuery(q, sql`NULL`, false)),
      raw(timesQuery(q, sql`r.rule_id`, false)),
      raw(timesQuery(q, sql`r.referrer_id`, true)),
    ]),
  ]);
  const [timesAll, timesByRule, timesByReferrer] = times.map((t) => t.results);
  return {
    clicks: clicks[0]?.clicks ?? 0,
    all: all[0] ?? null,
    byRule,
    byReferrer,
    referrerClicks,
    timesAll: timesAll?.[0] ?? null,
    timesByRule: timesByRule ?? [],
    timesByReferrer: timesByReferrer ?? [],
  };
}

export type FunnelRows = Awaited<ReturnType<typeof funnelFigures>>;

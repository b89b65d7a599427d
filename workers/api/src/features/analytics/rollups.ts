import { signupWeek } from "#shared/analytics/buckets";
import { type DbRouterEnv, eachUserDb, globalDb, userIdsByDb } from "#shared/db/router";
import { MS_PER_DAY, utcDay } from "#shared/time/clock";
import { signupPages } from "../users/store";
import { allGroups, conversionGroupsOf, groupChunks } from "./conversion-groups";

/**
 * The analytics rollups (docs/analytics.md "Rollups"): each UTC day's funnel, margin and
 * latency rows, and each signup week's cohort rows, recomputed whole from D1's projections
 * (click_rollups, transactions, offers, users, payouts) and swapped in one D1 batch (one
 * transaction). Recomputing instead of adding makes a redelivered or reordered batch harmless:
 * running it twice writes the same rows. Called off the hot path only, by the crons: the
 * ten-minute one for the days and weeks projection batches marked dirty (dirty.ts), the hourly
 * and daily ones for recent days as a repair.
 */

/** Days (or weeks) recomputed per D1 batch: bounds each statement's IN list. */
export const DAYS_PER_REFRESH = 31;

const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
const dayStartMs = (day: string) => Date.parse(`${day}T00:00:00Z`);

/** Pure: the distinct, valid days, sorted, in chunks of at most `size`. */
export function dayChunks(days: Iterable<string>, size = DAYS_PER_REFRESH): string[][] {
  const sorted = [...new Set(days)].filter((d) => DAY_PATTERN.test(d)).sort();
  const chunks: string[][] = [];
  for (let i = 0; i < sorted.length; i += size) chunks.push(sorted.slice(i, i + size));
  return chunks;
}

/** Pure: the UTC days from `fromMs`'s day to `toMs`'s day, both included. */
export function daysBetween(fromMs: number, toMs: number): string[] {
  const days: string[] = [];
  for (let t = Math.floor(fromMs / MS_PER_DAY) * MS_PER_DAY; t <= toMs; t += MS_PER_DAY) {
    days.push(utcDay(t));
  }
  return days;
}

/** The conversions' groups of one JSON chunk (conversion-groups.ts), named. */
const FUNNEL_GROUPS = `
  conv AS (
    SELECT value ->> 0 AS day, value ->> 1 AS offer, value ->> 2 AS network,
      value ->> 3 AS currency, value ->> 4 AS conversions, value ->> 5 AS confirmed,
      value ->> 6 AS paid, value ->> 7 AS commission, value ->> 8 AS cashback,
      value ->> 9 AS paid_cashback
    FROM json_each(?2)
  )`;

/** Adds a later chunk's (or database's) share to a row an earlier statement wrote. */
const ADD_MONEY = `merchant_id = max(merchant_id, excluded.merchant_id),
  clicks = clicks + excluded.clicks, conversions = conversions + excluded.conversions,
  confirmed = confirmed + excluded.confirmed, paid = paid + excluded.paid,
  commission_minor = commission_minor + excluded.commission_minor,
  cashback_minor = cashback_minor + excluded.cashback_minor,
  paid_cashback_minor = paid_cashback_minor + excluded.paid_cashback_minor`;

/**
 * The funnel of the days in ?1: the click rollups (when ?3 is 1: the first statement of a
 * refresh) and the conversions' groups in ?2 joined with the catalog; a later statement's
 * groups add to the rows already written.
 */
const FUNNEL_SQL = `
WITH days AS (SELECT value AS day FROM json_each(?1)), ${FUNNEL_GROUPS},
  parts AS (
    SELECT r.day, r.offer_id, COALESCE(o.merchant_id, '') AS merchant,
      COALESCE(m.network_id, '') AS network, COALESCE(o.currency, '') AS currency,
      r.clicks - r.bot_clicks AS clicks, 0 AS conversions, 0 AS confirmed, 0 AS paid,
      0 AS commission, 0 AS cashback, 0 AS paid_cashback
    FROM click_rollups r
    LEFT JOIN offers o ON o.id = r.offer_id
    LEFT JOIN merchants m ON m.id = o.merchant_id
    WHERE r.day IN (SELECT day FROM days) AND ?3 = 1
    UNION ALL
    SELECT conv.day, conv.offer, COALESCE(o.merchant_id, ''), conv.network, conv.currency, 0,
      conv.conversions, conv.confirmed, conv.paid, conv.commission, conv.cashback,
      conv.paid_cashback
    FROM conv LEFT JOIN offers o ON o.id = conv.offer
  )
INSERT INTO analytics_funnel_daily (day, offer_id, merchant_id, network_id, currency, clicks,
  conversions, confirmed, paid, commission_minor, cashback_minor, paid_cashback_minor,
  updated_at_ms)
SELECT day, offer_id, MAX(merchant), network, currency, SUM(clicks), SUM(conversions),
  SUM(confirmed), SUM(paid), SUM(commission), SUM(cashback), SUM(paid_cashback), ?4
FROM parts WHERE true GROUP BY day, network, offer_id, currency
ON CONFLICT (day, network_id, offer_id, currency) DO UPDATE SET ${ADD_MONEY}`;

/**
 * The funnel per campaign (docs/analytics.md "Campaigns"): the clicks that carried a
 * campaign's boost (`click_campaign_rollups`) and the conversions whose click carried it
 * (`transactions.campaign_ids`, grouped per campaign on the user databases), with the same
 * counts and money as FUNNEL_SQL.
 */
const CAMPAIGN_FUNNEL_SQL = `
WITH days AS (SELECT value AS day FROM json_each(?1)),
  conv AS (
    SELECT value ->> 0 AS day, value ->> 1 AS campaign, value ->> 2 AS offer,
      value ->> 3 AS network, value ->> 4 AS currency, value ->> 5 AS conversions,
      value ->> 6 AS confirmed, value ->> 7 AS paid, value ->> 8 AS commission,
      value ->> 9 AS cashback, value ->> 10 AS paid_cashback
    FROM json_each(?2)
  ),
  parts AS (
    SELECT r.day, r.campaign_id, r.offer_id, COALESCE(o.merchant_id, '') AS merchant,
      COALESCE(m.network_id, '') AS network, COALESCE(o.currency, '') AS currency,
      r.clicks - r.bot_clicks AS clicks, 0 AS conversions, 0 AS confirmed, 0 AS paid,
      0 AS commission, 0 AS cashback, 0 AS paid_cashback
    FROM click_campaign_rollups r
    LEFT JOIN offers o ON o.id = r.offer_id
    LEFT JOIN merchants m ON m.id = o.merchant_id
    WHERE r.day IN (SELECT day FROM days) AND ?3 = 1
    UNION ALL
    SELECT conv.day, conv.campaign, conv.offer, COALESCE(o.merchant_id, ''), conv.network,
      conv.currency, 0, conv.conversions, conv.confirmed, conv.paid, conv.commission,
      conv.cashback, conv.paid_cashback
    FROM conv LEFT JOIN offers o ON o.id = conv.offer
  )
INSERT INTO analytics_campaign_funnel_daily (day, campaign_id, offer_id, merchant_id, network_id,
  currency, clicks, conversions, confirmed, paid, commission_minor, cashback_minor,
  paid_cashback_minor, updated_at_ms)
SELECT day, campaign_id, offer_id, MAX(merchant), network, currency, SUM(clicks),
  SUM(conversions), SUM(confirmed), SUM(paid), SUM(commission), SUM(cashback), SUM(paid_cashback),
  ?4
FROM parts WHERE true GROUP BY day, campaign_id, network, offer_id, currency
ON CONFLICT (day, campaign_id, network_id, offer_id, currency) DO UPDATE SET ${ADD_MONEY}`;

/** The latency buckets: the conversions' groups in ?1 joined with the catalog, added up. */
const LATENCY_SQL = `
WITH conv AS (
    SELECT value ->> 0 AS day, value ->> 1 AS offer, value ->> 2 AS network,
      value ->> 3 AS measure, value ->> 4 AS bucket, value ->> 5 AS n
    FROM json_each(?1)
  )
INSERT INTO analytics_latency_daily (day, offer_id, merchant_id, network_id, measure, bucket,
  count)
SELECT conv.day, conv.offer, MAX(COALESCE(o.merchant_id, '')), conv.network, conv.measure,
  conv.bucket, SUM(conv.n)
FROM conv LEFT JOIN offers o ON o.id = conv.offer
WHERE true GROUP BY conv.day, conv.network, conv.offer, conv.measure, conv.bucket
ON CONFLICT (day, network_id, offer_id, measure, bucket) DO UPDATE SET
  merchant_id = max(merchant_id, excluded.merchant_id), count = count + excluded.count`;

/**
 * One page of a signup cohort's members (`[[id, week], …]` in ?1) against the transactions
 * of the members' own database: per week, the members and those with a conversion (currency ''),
 * and per week and currency, the converting members and their confirmed cashback. Pages hold
 * disjoint members, so the pages' rows add up to the cohort's.
 */
const COHORT_PAGE_SQL = `
WITH cohort AS (
  SELECT json_extract(value, '$[0]') AS id, json_extract(value, '$[1]') AS week
  FROM json_each(?1)
)
SELECT cohort.week AS week, '' AS currency, COUNT(*) AS users, SUM(EXISTS (
    SELECT 1 FROM transactions t WHERE t.user_id = cohort.id AND t.status <> 'rejected'
  )) AS converting, 0 AS cashback
FROM cohort GROUP BY cohort.week
UNION ALL
SELECT cohort.week, t.currency, 0, COUNT(DISTINCT cohort.id),
  SUM(CASE WHEN t.status = 'confirmed' THEN t.cashback_minor + t.boost_minor ELSE 0 END)
FROM cohort
JOIN transactions t ON t.user_id = cohort.id AND t.status <> 'rejected'
GROUP BY cohort.week, t.currency`;

const COHORT_INSERT_SQL = `
INSERT INTO analytics_cohorts_weekly (week, currency, users, converting_users, cashback_minor,
  updated_at_ms)
SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'),
  json_extract(value, '$[3]'), json_extract(value, '$[4]'), ?2
FROM json_each(?1)`;

interface CohortRow {
  week: string;
  currency: string;
  users: number;
  converting: number;
  cashback: number;
}

/**
 * The cohort rows of `weeks`: the members are read from the users' store page by page, each
 * page from one user database, and aggregated against the transactions of the same database
 * (a user's transactions live with the user, shared/db/router.ts); the pages' sums are the
 * rows. A currency row carries its week's size, as the totals row does.
 */
async function cohortRows(
  env: DbRouterEnv,
  weeks: readonly string[],
  fromMs: number,
  toMs: number,
): Promise<CohortRow[]> {
  const wanted = new Set(weeks);
  const rows = new Map<string, CohortRow>();
  for await (const page of signupPages(env, fromMs, toMs)) {
    const members = page
      .map((u) => [u.id, signupWeek(u.createdAtMs)] as const)
      .filter(([, week]) => wanted.has(week));
    if (members.length === 0) continue;
    // A page comes from one database; grouping keeps that true whatever the pages hold.
    const home = new Map(members.map((m) => [m[0], m]));
    const parts = await Promise.all(
      [...userIdsByDb(env, [...home.keys()])].map(async ([db, ids]) => {
        const page = JSON.stringify(ids.map((id) => home.get(id)));
        return (await db.prepare(COHORT_PAGE_SQL).bind(page).all<CohortRow>()).results;
      }),
    );
    for (const r of parts.flat()) {
      const key = `${r.week}|${r.currency}`;
      const row = rows.get(key) ?? { ...r, users: 0, converting: 0, cashback: 0 };
      row.users += r.users;
      row.converting += r.converting;
      row.cashback += r.cashback;
      rows.set(key, row);
    }
  }
  const sizes = new Map(
    [...rows.values()].filter((r) => r.currency === "").map((r) => [r.week, r.users]),
  );
  return [...rows.values()].map((r) =>
    r.currency === "" ? r : { ...r, users: sizes.get(r.week) ?? 0 },
  );
}

/**
 * Where the rollups read and write: the global database (catalog, click rollups, the rollup
 * tables) and every user database (transactions, payouts). A database alone is the
 * one-database layout, where it is both.
 */
export type RollupTarget = D1Database | DbRouterEnv;

/** The router's view of `target`: a bare database is the one-database layout (`DB` alone). */
function routerEnvOf(target: RollupTarget): DbRouterEnv {
  return "prepare" in target ? { DB: target } : target;
}

export function rollupDbs(target: RollupTarget) {
  const env = routerEnvOf(target);
  return { global: globalDb(env), users: eachUserDb(env) };
}

/**
 * Recomputes the funnel and latency rows of `days` (YYYY-MM-DD, UTC): every user database's
 * conversion groups gathered first, then one global batch deletes the days' rows and writes
 * them anew (clicks and catalog joined there).
 */
export async function refreshDays(
  target: RollupTarget,
  days: Iterable<string>,
  nowMs: number,
  options: { groupsPerStatement?: number } = {},
) {
  const { global: db, users } = rollupDbs(target);
  const chunksOf = (groups: string[]) => groupChunks(groups, options.groupsPerStatement);
  let refreshed = 0;
  for (const chunk of dayChunks(days)) {
    const json = JSON.stringify(chunk);
    const fromMs = dayStartMs(chunk[0] as string);
    const toMs = dayStartMs(chunk[chunk.length - 1] as string) + MS_PER_DAY;
    const groups = allGroups(
      await Promise.all(users.map((userDb) => conversionGroupsOf(userDb, json, fromMs, toMs))),
    );
    await db.batch([
      db
        .prepare(
          "DELETE FROM analytics_funnel_daily WHERE day IN (SELECT value FROM json_each(?1))",
        )
        .bind(json),
      db
        .prepare(
          "DELETE FROM analytics_latency_daily WHERE day IN (SELECT value FROM json_each(?1))",
        )
        .bind(json),
      db
        .prepare(
          "DELETE FROM analytics_campaign_funnel_daily WHERE day IN (SELECT value FROM json_each(?1))",
        )
        .bind(json),
      ...chunksOf(groups.funnel).map((g, i) =>
        db.prepare(FUNNEL_SQL).bind(json, g, i === 0 ? 1 : 0, nowMs),
      ),
      ...chunksOf(groups.campaign).map((g, i) =>
        db.prepare(CAMPAIGN_FUNNEL_SQL).bind(json, g, i === 0 ? 1 : 0, nowMs),
      ),
      ...chunksOf(groups.latency).map((g) => db.prepare(LATENCY_SQL).bind(g)),
    ]);
    refreshed += chunk.length;
  }
  return refreshed;
}

/**
 * Recomputes the cohort rows of signup `weeks` (their Mondays, YYYY-MM-DD): members from the
 * users' databases page by page, each aggregated against its own database's transactions,
 * written on the global database.
 */
export async function refreshWeeks(target: RollupTarget, weeks: Iterable<string>, nowMs: number) {
  const env = routerEnvOf(target);
  const db = globalDb(env);
  let refreshed = 0;
  for (const chunk of dayChunks(weeks)) {
    const json = JSON.stringify(chunk);
    const fromMs = dayStartMs(chunk[0] as string);
    const toMs = dayStartMs(chunk[chunk.length - 1] as string) + 7 * MS_PER_DAY;
    const rows = await cohortRows(env, chunk, fromMs, toMs);
    await db.batch([
      db
        .prepare(
          "DELETE FROM analytics_cohorts_weekly WHERE week IN (SELECT value FROM json_each(?1))",
        )
        .bind(json),
      db
        .prepare(COHORT_INSERT_SQL)
        .bind(
          JSON.stringify(rows.map((r) => [r.week, r.currency, r.users, r.converting, r.cashback])),
          nowMs,
        ),
    ]);
    refreshed += chunk.length;
  }
  return refreshed;
}

/** The crons' repair: the last `days` days and the signup weeks of the last `weeks` weeks. */
export async function refreshRecent(
  target: RollupTarget,
  nowMs: number,
  span: { days: number; weeks: number },
) {
  const days = daysBetween(nowMs - (span.days - 1) * MS_PER_DAY, nowMs);
  const weekMondays = new Set<string>();
  for (let i = 0; i < span.weeks; i++) {
    weekMondays.add(signupWeek(nowMs - i * 7 * MS_PER_DAY));
  }
  return {
    days: await refreshDays(target, days, nowMs),
    weeks: await refreshWeeks(target, weekMondays, nowMs),
  };
}

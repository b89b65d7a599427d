import { bucketCaseSql, signupWeek } from "#shared/analytics/buckets";
import { type DbRouterEnv, globalDb } from "#shared/db/router";
import { MS_PER_DAY, utcDay } from "#shared/time/clock";
import { signupPages } from "../users/store";

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

const DAY_OF = (col: string) => `strftime('%Y-%m-%d', (${col}) / 1000, 'unixepoch')`;

/**
 * Conversions of the chosen days (not `rejected`: a duplicate or untrusted order is no
 * conversion), with the running total of each user's confirmed cashback per currency, oldest
 * confirmation first, and what their paid payouts in that currency add up to: a confirmed
 * conversion counts as paid once the payouts cover its running total.
 */
const CONVERSIONS_CTE = `
  days AS (SELECT value AS day FROM json_each(?1)),
  txn AS (
    SELECT t.*, ${DAY_OF("t.converted_at_ms")} AS day FROM transactions t
    WHERE t.converted_at_ms >= ?2 AND t.converted_at_ms < ?3 AND t.status <> 'rejected'
      AND ${DAY_OF("t.converted_at_ms")} IN (SELECT day FROM days)
  ),
  running AS (
    SELECT c.id, SUM(c.cashback_minor + c.boost_minor) OVER (
      PARTITION BY c.user_id, c.currency ORDER BY c.confirmed_at_ms, c.id
    ) AS total
    FROM transactions c
    WHERE c.status = 'confirmed'
      AND c.user_id IN (SELECT user_id FROM txn WHERE status = 'confirmed')
  ),
  paid_totals AS (
    SELECT user_id, currency, SUM(amount_minor) AS paid FROM payouts
    WHERE status = 'paid' AND currency IS NOT NULL
      AND user_id IN (SELECT user_id FROM txn WHERE status = 'confirmed')
    GROUP BY user_id, currency
  ),
  conv AS (
    SELECT txn.*, COALESCE(o.merchant_id, '') AS merchant,
      CASE WHEN txn.status = 'confirmed' AND running.total <= COALESCE(paid_totals.paid, 0)
        THEN 1 ELSE 0 END AS is_paid
    FROM txn
    LEFT JOIN offers o ON o.id = txn.offer_id
    LEFT JOIN running ON running.id = txn.id
    LEFT JOIN paid_totals ON paid_totals.user_id = txn.user_id
      AND paid_totals.currency = txn.currency
  )`;

const FUNNEL_SQL = `
WITH ${CONVERSIONS_CTE},
  parts AS (
    SELECT r.day, r.offer_id, COALESCE(o.merchant_id, '') AS merchant,
      COALESCE(m.network_id, '') AS network, COALESCE(o.currency, '') AS currency,
      r.clicks - r.bot_clicks AS clicks, 0 AS conversions, 0 AS confirmed, 0 AS paid,
      0 AS commission, 0 AS cashback, 0 AS paid_cashback
    FROM click_rollups r
    LEFT JOIN offers o ON o.id = r.offer_id
    LEFT JOIN merchants m ON m.id = o.merchant_id
    WHERE r.day IN (SELECT day FROM days)
    UNION ALL
    SELECT day, COALESCE(offer_id, ''), merchant, network_id, currency, 0, 1,
      status = 'confirmed', is_paid,
      CASE WHEN status = 'confirmed' THEN commission_minor ELSE 0 END,
      CASE WHEN status = 'confirmed' THEN cashback_minor + boost_minor ELSE 0 END,
      CASE WHEN is_paid = 1 THEN cashback_minor + boost_minor ELSE 0 END
    FROM conv
  )
INSERT INTO analytics_funnel_daily (day, offer_id, merchant_id, network_id, currency, clicks,
  conversions, confirmed, paid, commission_minor, cashback_minor, paid_cashback_minor,
  updated_at_ms)
SELECT day, offer_id, MAX(merchant), network, currency, SUM(clicks), SUM(conversions),
  SUM(confirmed), SUM(paid), SUM(commission), SUM(cashback), SUM(paid_cashback), ?4
FROM parts GROUP BY day, network, offer_id, currency`;

/**
 * The funnel per campaign (docs/analytics.md "Campaigns"): the clicks that carried a
 * campaign's boost (`click_campaign_rollups`) and the conversions whose click carried it
 * (`transactions.campaign_ids`), with the same counts and money as FUNNEL_SQL.
 */
const CAMPAIGN_FUNNEL_SQL = `
WITH ${CONVERSIONS_CTE},
  parts AS (
    SELECT r.day, r.campaign_id, r.offer_id, COALESCE(o.merchant_id, '') AS merchant,
      COALESCE(m.network_id, '') AS network, COALESCE(o.currency, '') AS currency,
      r.clicks - r.bot_clicks AS clicks, 0 AS conversions, 0 AS confirmed, 0 AS paid,
      0 AS commission, 0 AS cashback, 0 AS paid_cashback
    FROM click_campaign_rollups r
    LEFT JOIN offers o ON o.id = r.offer_id
    LEFT JOIN merchants m ON m.id = o.merchant_id
    WHERE r.day IN (SELECT day FROM days)
    UNION ALL
    SELECT conv.day, c.value, COALESCE(conv.offer_id, ''), conv.merchant, conv.network_id,
      conv.currency, 0, 1, conv.status = 'confirmed', conv.is_paid,
      CASE WHEN conv.status = 'confirmed' THEN conv.commission_minor ELSE 0 END,
      CASE WHEN conv.status = 'confirmed' THEN conv.cashback_minor + conv.boost_minor ELSE 0 END,
      CASE WHEN conv.is_paid = 1 THEN conv.cashback_minor + conv.boost_minor ELSE 0 END
    FROM conv, json_each(conv.campaign_ids) c
    WHERE conv.campaign_ids IS NOT NULL
  )
INSERT INTO analytics_campaign_funnel_daily (day, campaign_id, offer_id, merchant_id, network_id,
  currency, clicks, conversions, confirmed, paid, commission_minor, cashback_minor,
  paid_cashback_minor, updated_at_ms)
SELECT day, campaign_id, offer_id, MAX(merchant), network, currency, SUM(clicks),
  SUM(conversions), SUM(confirmed), SUM(paid), SUM(commission), SUM(cashback), SUM(paid_cashback),
  ?4
FROM parts GROUP BY day, campaign_id, network, offer_id, currency`;

const LATENCY_SQL = `
WITH ${CONVERSIONS_CTE},
  parts AS (
    SELECT day, COALESCE(offer_id, '') AS offer, merchant, network_id, 'conversion' AS measure,
      ${bucketCaseSql("conversion", "converted_at_ms - clicked_at_ms")} AS bucket
    FROM conv WHERE clicked_at_ms IS NOT NULL
    UNION ALL
    SELECT day, COALESCE(offer_id, ''), merchant, network_id, 'confirmation',
      ${bucketCaseSql("confirmation", "confirmed_at_ms - converted_at_ms")}
    FROM conv WHERE status = 'confirmed' AND confirmed_at_ms IS NOT NULL
  )
INSERT INTO analytics_latency_daily (day, offer_id, merchant_id, network_id, measure, bucket,
  count)
SELECT day, offer, MAX(merchant), network_id, measure, bucket, COUNT(*)
FROM parts GROUP BY day, network_id, offer, measure, bucket`;

/**
 * One page of a signup cohort's members (`[[id, week], …]` in ?1) against the transactions
 * in the global database: per week, the members and those with a conversion (currency ''),
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
 * The cohort rows of `weeks`, in two steps: users live in the user databases
 * (shared/db/router.ts) and transactions in the global one, so the members are read from the
 * users' store page by page and each page is aggregated against the transactions; the pages'
 * sums are the rows. A currency row carries its week's size, as the totals row does.
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
    const { results } = await globalDb(env)
      .prepare(COHORT_PAGE_SQL)
      .bind(JSON.stringify(members))
      .all<CohortRow>();
    for (const r of results) {
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

/** Recomputes the funnel and latency rows of `days` (YYYY-MM-DD, UTC). */
export async function refreshDays(db: D1Database, days: Iterable<string>, nowMs: number) {
  let refreshed = 0;
  for (const chunk of dayChunks(days)) {
    const json = JSON.stringify(chunk);
    const fromMs = dayStartMs(chunk[0] as string);
    const toMs = dayStartMs(chunk[chunk.length - 1] as string) + MS_PER_DAY;
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
      db.prepare(FUNNEL_SQL).bind(json, fromMs, toMs, nowMs),
      db.prepare(CAMPAIGN_FUNNEL_SQL).bind(json, fromMs, toMs, nowMs),
      db.prepare(LATENCY_SQL).bind(json, fromMs, toMs),
    ]);
    refreshed += chunk.length;
  }
  return refreshed;
}

/** Recomputes the cohort rows of signup `weeks` (their Mondays, YYYY-MM-DD). */
export async function refreshWeeks(env: DbRouterEnv, weeks: Iterable<string>, nowMs: number) {
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
  env: DbRouterEnv,
  nowMs: number,
  span: { days: number; weeks: number },
) {
  const days = daysBetween(nowMs - (span.days - 1) * MS_PER_DAY, nowMs);
  const weekMondays = new Set<string>();
  for (let i = 0; i < span.weeks; i++) {
    weekMondays.add(signupWeek(nowMs - i * 7 * MS_PER_DAY));
  }
  return {
    days: await refreshDays(globalDb(env), days, nowMs),
    weeks: await refreshWeeks(env, weekMondays, nowMs),
  };
}

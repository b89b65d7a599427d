import { bucketLabels, type LatencyMeasure } from "#shared/analytics/buckets";
import type { AnalyticsQuery } from "./schemas";

/** Offers (with their counts) one funnel or margin answer lists at most. */
export const MAX_OFFER_ROWS = 500;

interface Period {
  from: string;
  to: string;
}

/**
 * The rollup table the funnel and margin read: the per-campaign one when a campaign is asked
 * for (docs/analytics.md "Campaigns"), else the whole funnel.
 */
const funnelTable = (q: AnalyticsQuery) =>
  q.campaignId ? "analytics_campaign_funnel_daily" : "analytics_funnel_daily";

/** WHERE clause and bindings for the rollup tables' filters (days both included). */
function where(period: Period, q: AnalyticsQuery, table: "funnel" | "latency") {
  const clauses = ["day >= ?", "day <= ?"];
  const binds: unknown[] = [period.from, period.to];
  const filters: Array<[string, string | undefined]> = [
    ["offer_id", q.offerId],
    ["merchant_id", q.merchantId],
    ["network_id", q.networkId],
    ["currency", table === "funnel" ? q.currency : undefined],
    ["campaign_id", table === "funnel" ? q.campaignId : undefined],
  ];
  for (const [column, value] of filters) {
    if (!value) continue;
    clauses.push(`${column} = ?`);
    binds.push(value);
  }
  return { sql: clauses.join(" AND "), binds };
}

const COUNTS = `COALESCE(SUM(clicks), 0) AS clicks, COALESCE(SUM(conversions), 0) AS conversions,
  COALESCE(SUM(confirmed), 0) AS confirmed, COALESCE(SUM(paid), 0) AS paid`;

export interface Counts {
  clicks: number;
  conversions: number;
  confirmed: number;
  paid: number;
}

export async function funnelFigures(
  db: D1Database,
  range: Period & { previous: Period },
  q: AnalyticsQuery,
) {
  const cur = where(range, q, "funnel");
  const prev = where(range.previous, q, "funnel");
  const table = funnelTable(q);
  const [totals, previousTotals, perDay, byOffer, byCampaign] = await db.batch([
    db.prepare(`SELECT ${COUNTS} FROM ${table} WHERE ${cur.sql}`).bind(...cur.binds),
    db.prepare(`SELECT ${COUNTS} FROM ${table} WHERE ${prev.sql}`).bind(...prev.binds),
    db
      .prepare(`SELECT day, ${COUNTS} FROM ${table} WHERE ${cur.sql} GROUP BY day ORDER BY day`)
      .bind(...cur.binds),
    db
      .prepare(
        `SELECT offer_id AS offerId, MAX(merchant_id) AS merchantId, network_id AS networkId, ${COUNTS}
         FROM ${table} WHERE ${cur.sql} GROUP BY network_id, offer_id
         ORDER BY clicks DESC, conversions DESC, network_id, offer_id LIMIT ${MAX_OFFER_ROWS}`,
      )
      .bind(...cur.binds),
    db
      .prepare(
        `SELECT campaign_id AS campaignId, ${COUNTS} FROM analytics_campaign_funnel_daily
         WHERE ${cur.sql} GROUP BY campaign_id
         ORDER BY clicks DESC, conversions DESC, campaign_id LIMIT ${MAX_OFFER_ROWS}`,
      )
      .bind(...cur.binds),
  ]);
  return {
    totals: (totals?.results[0] ?? { clicks: 0, conversions: 0, confirmed: 0, paid: 0 }) as Counts,
    previousTotals: (previousTotals?.results[0] ?? {
      clicks: 0,
      conversions: 0,
      confirmed: 0,
      paid: 0,
    }) as Counts,
    perDay: (perDay?.results ?? []) as Array<Counts & { day: string }>,
    byOffer: (byOffer?.results ?? []) as Array<
      Counts & { offerId: string; merchantId: string; networkId: string }
    >,
    byCampaign: (byCampaign?.results ?? []) as Array<Counts & { campaignId: string }>,
  };
}

const MONEY = `COALESCE(SUM(confirmed), 0) AS confirmed,
  COALESCE(SUM(commission_minor), 0) AS commissionMinor,
  COALESCE(SUM(cashback_minor), 0) AS cashbackMinor,
  COALESCE(SUM(commission_minor - cashback_minor), 0) AS marginMinor,
  COALESCE(SUM(paid_cashback_minor), 0) AS paidCashbackMinor`;

export interface MoneyRow {
  currency: string;
  confirmed: number;
  commissionMinor: number;
  cashbackMinor: number;
  marginMinor: number;
  paidCashbackMinor: number;
}

export async function marginFigures(
  db: D1Database,
  range: Period & { previous: Period },
  q: AnalyticsQuery,
) {
  const cur = where(range, q, "funnel");
  const prev = where(range.previous, q, "funnel");
  const table = funnelTable(q);
  const byNetworkSql = (w: { sql: string }) =>
    `SELECT network_id AS networkId, currency, ${MONEY} FROM ${table}
     WHERE ${w.sql} AND currency <> '' GROUP BY network_id, currency HAVING SUM(conversions) > 0
     ORDER BY network_id, currency`;
  const [byNetwork, previousByNetwork, byOffer] = await db.batch([
    db.prepare(byNetworkSql(cur)).bind(...cur.binds),
    db.prepare(byNetworkSql(prev)).bind(...prev.binds),
    db
      .prepare(
        `SELECT network_id AS networkId, MAX(merchant_id) AS merchantId, offer_id AS offerId,
           currency, ${MONEY} FROM ${table}
         WHERE ${cur.sql} AND currency <> '' GROUP BY network_id, offer_id, currency
         HAVING SUM(conversions) > 0
         ORDER BY marginMinor DESC, network_id, offer_id LIMIT ${MAX_OFFER_ROWS}`,
      )
      .bind(...cur.binds),
  ]);
  return {
    byNetwork: (byNetwork?.results ?? []) as Array<MoneyRow & { networkId: string }>,
    previousByNetwork: (previousByNetwork?.results ?? []) as Array<
      MoneyRow & { networkId: string }
    >,
    byOffer: (byOffer?.results ?? []) as Array<
      MoneyRow & { networkId: string; merchantId: string; offerId: string }
    >,
  };
}

/** Pure: per-bucket counts of both periods, every bucket listed (zeros included). */
export function bucketsOf(
  measure: LatencyMeasure,
  current: ReadonlyArray<{ measure: string; bucket: number; count: number }>,
  previous: ReadonlyArray<{ measure: string; bucket: number; count: number }>,
) {
  const sum = (rows: typeof current, bucket: number) =>
    rows
      .filter((r) => r.measure === measure && r.bucket === bucket)
      .reduce((s, r) => s + r.count, 0);
  return bucketLabels(measure).map((label, bucket) => ({
    bucket,
    label,
    count: sum(current, bucket),
    previousCount: sum(previous, bucket),
  }));
}

export async function distributionFigures(
  db: D1Database,
  range: Period & { previous: Period },
  q: AnalyticsQuery,
) {
  const cur = where(range, q, "latency");
  const prev = where(range.previous, q, "latency");
  const sql = (w: { sql: string }) =>
    `SELECT measure, bucket, SUM(count) AS count FROM analytics_latency_daily WHERE ${w.sql}
     GROUP BY measure, bucket`;
  const [current, previous] = await db.batch<{ measure: string; bucket: number; count: number }>([
    db.prepare(sql(cur)).bind(...cur.binds),
    db.prepare(sql(prev)).bind(...prev.binds),
  ]);
  const c = current?.results ?? [];
  const p = previous?.results ?? [];
  return {
    timeToConversion: bucketsOf("conversion", c, p),
    timeToConfirmation: bucketsOf("confirmation", c, p),
  };
}

export async function cohortFigures(db: D1Database, period: Period) {
  const { results } = await db
    .prepare(
      `SELECT week, currency, users, converting_users AS convertingUsers,
         cashback_minor AS cashbackMinor
       FROM analytics_cohorts_weekly WHERE week >= ?1 AND week <= ?2 ORDER BY week, currency`,
    )
    .bind(period.from, period.to)
    .all<{
      week: string;
      currency: string;
      users: number;
      convertingUsers: number;
      cashbackMinor: number;
    }>();
  const weeks = new Map<
    string,
    {
      week: string;
      users: number;
      convertingUsers: number;
      cashback: Array<{ currency: string; convertingUsers: number; cashbackMinor: number }>;
    }
  >();
  for (const r of results) {
    const w = weeks.get(r.week) ?? { week: r.week, users: 0, convertingUsers: 0, cashback: [] };
    if (r.currency === "") {
      w.users = r.users;
      w.convertingUsers = r.convertingUsers;
    } else {
      w.cashback.push({
        currency: r.currency,
        convertingUsers: r.convertingUsers,
        cashbackMinor: r.cashbackMinor,
      });
    }
    weeks.set(r.week, w);
  }
  return [...weeks.values()];
}

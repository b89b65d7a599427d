import { bucketCaseSql } from "#shared/analytics/buckets";

/**
 * One user database's share of the day rollups (rollups.ts `refreshDays`, docs/scaling.md
 * "D1 router"). `transactions` and `payouts` belong to the user (placement `user`), and "paid"
 * compares a user's running confirmed total with that user's paid payouts, so it is computed
 * where both live: each user database groups its conversions of the chosen days by the
 * rollups' keys, without the catalog (offers, merchants, click rollups stay global). The
 * global database joins the groups of every user database with the catalog. Grouped, not one
 * row per conversion: a group's counts and money add up across databases, and a day's groups
 * are bounded by offers × networks × currencies, not by conversions.
 *
 * Transactions without a trustworthy user (user null) are `rejected`, so no rollup counts them.
 */

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
    SELECT txn.*,
      CASE WHEN txn.status = 'confirmed' AND running.total <= COALESCE(paid_totals.paid, 0)
        THEN 1 ELSE 0 END AS is_paid
    FROM txn
    LEFT JOIN running ON running.id = txn.id
    LEFT JOIN paid_totals ON paid_totals.user_id = txn.user_id
      AND paid_totals.currency = txn.currency
  )`;

const MONEY = `COUNT(*), SUM(status = 'confirmed'), SUM(is_paid),
  SUM(CASE WHEN status = 'confirmed' THEN commission_minor ELSE 0 END),
  SUM(CASE WHEN status = 'confirmed' THEN cashback_minor + boost_minor ELSE 0 END),
  SUM(CASE WHEN is_paid = 1 THEN cashback_minor + boost_minor ELSE 0 END)`;

/** [day, offer, network, currency, conversions, confirmed, paid, commission, cashback, paidCashback] */
const FUNNEL_GROUPS_SQL = `
WITH ${CONVERSIONS_CTE}
SELECT json_array(day, COALESCE(offer_id, ''), network_id, currency, ${MONEY}) AS g
FROM conv GROUP BY day, network_id, COALESCE(offer_id, ''), currency`;

/** [day, campaign, offer, network, currency, conversions, …] as FUNNEL_GROUPS_SQL. */
const CAMPAIGN_GROUPS_SQL = `
WITH ${CONVERSIONS_CTE}
SELECT json_array(day, campaign, COALESCE(offer_id, ''), network_id, currency, ${MONEY}) AS g
FROM (SELECT conv.*, c.value AS campaign FROM conv, json_each(conv.campaign_ids) c
  WHERE conv.campaign_ids IS NOT NULL)
GROUP BY day, campaign, network_id, COALESCE(offer_id, ''), currency`;

/** [day, offer, network, measure, bucket, count] */
const LATENCY_GROUPS_SQL = `
WITH ${CONVERSIONS_CTE},
  parts AS (
    SELECT day, COALESCE(offer_id, '') AS offer, network_id, 'conversion' AS measure,
      ${bucketCaseSql("conversion", "converted_at_ms - clicked_at_ms")} AS bucket
    FROM conv WHERE clicked_at_ms IS NOT NULL
    UNION ALL
    SELECT day, COALESCE(offer_id, ''), network_id, 'confirmation',
      ${bucketCaseSql("confirmation", "confirmed_at_ms - converted_at_ms")}
    FROM conv WHERE status = 'confirmed' AND confirmed_at_ms IS NOT NULL
  )
SELECT json_array(day, offer, network_id, measure, bucket, COUNT(*)) AS g
FROM parts GROUP BY day, network_id, offer, measure, bucket`;

/** Each rollup's groups, every one a JSON array text (the global statements read them so). */
export interface ConversionGroups {
  funnel: string[];
  campaign: string[];
  latency: string[];
}

/** One user database's groups of the days in `days` (JSON list) within [fromMs, toMs). */
export async function conversionGroupsOf(
  db: D1Database,
  daysJson: string,
  fromMs: number,
  toMs: number,
): Promise<ConversionGroups> {
  const [funnel, campaign, latency] = await db.batch<{ g: string }>(
    [FUNNEL_GROUPS_SQL, CAMPAIGN_GROUPS_SQL, LATENCY_GROUPS_SQL].map((q) =>
      db.prepare(q).bind(daysJson, fromMs, toMs),
    ),
  );
  const texts = (r: { results: { g: string }[] } | undefined) => (r?.results ?? []).map((x) => x.g);
  return { funnel: texts(funnel), campaign: texts(campaign), latency: texts(latency) };
}

/**
 * Pure: every user database's groups together. One key may come from several databases (users
 * of one offer and day live apart); the global statements group by key again and add.
 */
export function allGroups(parts: readonly ConversionGroups[]): ConversionGroups {
  return {
    funnel: parts.flatMap((p) => p.funnel),
    campaign: parts.flatMap((p) => p.campaign),
    latency: parts.flatMap((p) => p.latency),
  };
}

/** Groups per global statement: keeps each JSON parameter far below D1's 2 MB a value. */
export const GROUPS_PER_STATEMENT = 2_000;

/** Pure: `groups` as JSON list texts of at most `size` groups; at least one (maybe "[]"). */
export function groupChunks(groups: readonly string[], size = GROUPS_PER_STATEMENT): string[] {
  const chunks: string[] = [];
  for (let i = 0; i < groups.length; i += size) {
    chunks.push(`[${groups.slice(i, i + size).join(",")}]`);
  }
  return chunks.length > 0 ? chunks : ["[]"];
}

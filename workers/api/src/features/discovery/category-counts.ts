import { type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { drizzle } from "drizzle-orm/d1";
import {
  LIVE_FROM_ALWAYS_MS,
  LIVE_UNTIL_FOREVER_MS,
  merchants,
  networkHealth,
  networks,
  offerSearchCategories,
  offers,
} from "#shared/db/schema";
import { liveOfferStateCondition } from "../catalog/index";

/**
 * The public catalog's category counts, kept in a table instead of counted per request.
 *
 * Visibility (liveOfferCondition) has a clock-free part, which only a write changes (offer,
 * merchant and network active, breaker closed), and a schedule (startsAt, endsAt), which time
 * changes with no write at all. So:
 *
 * - every category row of an offer (offer_search_categories) carries `counted`, the clock-free
 *   part as the batch left it, and the offer's schedule as a window [live_from_ms,
 *   live_until_ms) that is never null (no start / no end become the safe-integer bounds);
 * - triggers on those rows (migration catalog_category_counts) add and subtract them in
 *   catalog_category_counts, per (category, window), in the statement that writes the row;
 * - a read sums, per category, the windows that contain now (categoryCounts in store.ts). Time passing
 *   moves an offer in or out of the sum with no write; unscheduled offers share one window per
 *   category, so the table stays as small as the number of distinct schedules.
 *
 * This module writes only the rows' `counted` and window, through the discovery write path
 * (search-index.ts): an offer's rows get them when they are inserted, and a merchant or network
 * change refreshes them for the offers it touches.
 */

/** Offers, merchants or networks whose offers' category rows to refresh. */
export type CountScope =
  | { kind: "merchants"; merchantIds: readonly string[] }
  | { kind: "networks"; networkIds: readonly string[] };

/**
 * Per offer (the catalog's joins from `offers`, left-joined so an orphan is simply not
 * counted): its clock-free visibility and schedule window, the values of its category rows.
 * Built on call, not at load: the catalog imports this module's callers, so its exports are
 * not there yet while this module loads.
 */
function offerCountState() {
  return {
    counted: sql<number>`CASE WHEN ${liveOfferStateCondition()} THEN 1 ELSE 0 END`,
    liveFrom: sql<number>`coalesce(${offers.startsAtMs}, ${sql.raw(String(LIVE_FROM_ALWAYS_MS))})`,
    liveUntil: sql<number>`coalesce(${offers.endsAtMs}, ${sql.raw(String(LIVE_UNTIL_FOREVER_MS))})`,
    joins: sql`${offers}
      LEFT JOIN ${merchants} ON ${merchants.id} = ${offers.merchantId}
      LEFT JOIN ${networks} ON ${networks.id} = ${merchants.networkId}
      LEFT JOIN ${networkHealth} ON ${networkHealth.networkId} = ${networks.id}`,
  };
}

/**
 * The statement that inserts an offer's category rows, each with the offer's counted state and
 * window read from the rows as the batch left them (one bound JSON list, whatever the number of
 * categories). Null for an offer with no category.
 *
 * @example
 * categoryRowsStatement(env.DB, "shopkart-electronics", ["electronics", "phones"]);
 */
export function categoryRowsStatement(
  d1: D1Database,
  offerId: string,
  categoryList: readonly string[],
): BatchItem<"sqlite"> | null {
  if (categoryList.length === 0) return null;
  const state = offerCountState();
  return drizzle(d1)
    .insert(offerSearchCategories)
    .select(
      // Every column, in the table's order.
      sql`SELECT c.value, ${offers.id}, ${state.counted}, ${state.liveFrom}, ${state.liveUntil}
        FROM json_each(${JSON.stringify(categoryList)}) AS c CROSS JOIN ${state.joins}
        WHERE ${offers.id} = ${offerId}`,
    );
}

/**
 * The statement that recomputes `counted` and the window of the category rows of every offer
 * in `scope`, from the rows as the batch left them; only rows whose values change are written
 * (and so only they move the counts). Idempotent: running it again changes nothing.
 *
 * @example
 * countedRefreshStatement(env.DB, { kind: "networks", networkIds: ["sandbox"] });
 */
export function countedRefreshStatement(d1: D1Database, scope: CountScope): BatchItem<"sqlite"> {
  const ids = JSON.stringify(scope.kind === "merchants" ? scope.merchantIds : scope.networkIds);
  const inScope: SQL =
    scope.kind === "merchants"
      ? sql`${offers.merchantId} IN (SELECT value FROM json_each(${ids}))`
      : sql`${merchants.networkId} IN (SELECT value FROM json_each(${ids}))`;
  const rows = offerSearchCategories;
  const state = offerCountState();
  return drizzle(d1)
    .update(rows)
    .set({
      counted: sql`s.counted`,
      liveFromMs: sql`s.live_from_ms`,
      liveUntilMs: sql`s.live_until_ms`,
    })
    .from(
      sql`(SELECT ${offers.id} AS offer_id, ${state.counted} AS counted,
        ${state.liveFrom} AS live_from_ms, ${state.liveUntil} AS live_until_ms
        FROM ${state.joins} WHERE ${inScope}) AS s`,
    )
    .where(
      sql`${rows.offerId} = s.offer_id AND (${rows.counted} IS NOT s.counted
        OR ${rows.liveFromMs} IS NOT s.live_from_ms OR ${rows.liveUntilMs} IS NOT s.live_until_ms)`,
    );
}

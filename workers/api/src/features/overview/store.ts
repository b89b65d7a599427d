import { and, count, eq, gte, inArray, isNotNull, lt, lte, ne, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { assert } from "#shared/assert";
import { sumBy } from "#shared/db/merge";
import { type DbRouterEnv, eachUserDb, globalDb } from "#shared/db/router";
import {
  clickRollups,
  networkHealth,
  payoutDiscrepancies,
  payouts,
  reconciliationItems,
  reconciliationRuns,
  transactions,
} from "#shared/db/schema";
import { claimsToReview } from "../claims/store";

/**
 * The overview's figures, read from D1's projections in ONE batch (one round trip) per
 * database: the global database's (clicks, reconciliation, circuit breakers) and each user
 * database's (transactions, payouts; placed `user`), summed, plus the claims to review
 * counted on each user database: a handful
 * of aggregate SELECTs, each on an index (click_rollups_day_idx, transactions_converted_cover_idx,
 * payouts_paid_idx, payouts_status_idx, payouts_attention_idx, claims_status_idx,
 * payout_discrepancies_created_idx) and each bounded: at most one row per day × currency ×
 * status. Read-only; the features that own these tables write them.
 */

/** Group rows any one query returns at most (30 days × currencies × statuses fits easily). */
const MAX_GROUP_ROWS = 5_000;

const utcDayOf = (columnMs: unknown) =>
  sql<string>`strftime('%Y-%m-%d', ${columnMs} / 1000, 'unixepoch')`;

export interface OverviewQuery {
  fromMs: number;
  toMs: number;
  fromDay: string;
  toDay: string;
  inFlightStatuses: readonly string[];
  unexplainedOutcomes: readonly string[];
}

/**
 * Every aggregate the overview shows, in one D1 batch on the global database, beside the
 * claims to review counted over every user database (claims are spread, shared/db/router.ts).
 *
 * @example
 * const figures = await overviewFigures(env, { fromMs, toMs, fromDay, toDay, … });
 */
export async function overviewFigures(env: DbRouterEnv, q: OverviewQuery) {
  const orm = drizzle(globalDb(env));
  const [clicks, operations] = await orm.batch([
    orm
      .select({
        day: clickRollups.day,
        clicks: sql<number>`COALESCE(SUM(${clickRollups.clicks}), 0)`.mapWith(Number),
      })
      .from(clickRollups)
      .where(and(gte(clickRollups.day, q.fromDay), lte(clickRollups.day, q.toDay)))
      .groupBy(clickRollups.day)
      .limit(MAX_GROUP_ROWS),
    orm
      .select({
        reportDifferences: sql<number>`(${orm
          .select({ n: count() })
          .from(reconciliationItems)
          .innerJoin(reconciliationRuns, eq(reconciliationRuns.id, reconciliationItems.runId))
          .where(
            and(
              gte(reconciliationRuns.startedAtMs, q.fromMs),
              inArray(reconciliationItems.outcome, [...q.unexplainedOutcomes]),
            ),
          )})`.mapWith(Number),
        payoutDiscrepancies: sql<number>`(${orm
          .select({ n: count() })
          .from(payoutDiscrepancies)
          .where(gte(payoutDiscrepancies.createdAtMs, q.fromMs))})`.mapWith(Number),
        openCircuitBreakers: sql<number>`(${orm
          .select({ n: count() })
          .from(networkHealth)
          .where(eq(networkHealth.state, "open"))})`.mapWith(Number),
      })
      .from(sql`(SELECT 1)`),
  ]);
  const global = operations[0];
  assert(global !== undefined, "a SELECT without FROM rows returns exactly one row");
  // A user's transactions and payouts live in one user database: the databases' figures add up.
  const parts = await Promise.all(eachUserDb(env).map((db) => userFiguresOf(db, q)));
  return {
    clicks,
    conversions: sumBy(
      parts.flatMap((p) => p.conversions),
      (r) => [r.day, r.currency, r.status],
      ["conversions", "cashbackMinor"],
    ),
    paid: sumBy(
      parts.flatMap((p) => p.paid),
      (r) => [r.day, r.currency],
      ["payouts", "totalMinor"],
    ),
    inFlight: sumBy(
      parts.flatMap((p) => p.inFlight),
      (r) => [r.currency],
      ["payouts", "totalMinor"],
    ),
    attention: {
      claimsToReview: await claimsToReview(env),
      heldPayouts: parts.reduce((n, p) => n + p.heldPayouts, 0),
      attentionPayouts: parts.reduce((n, p) => n + p.attentionPayouts, 0),
      ...global,
    },
  };
}

/** One user database's conversion and payout figures, in one batch. */
async function userFiguresOf(db: D1Database, q: OverviewQuery) {
  const orm = drizzle(db);
  const conversionDay = utcDayOf(transactions.convertedAtMs);
  const paidDay = utcDayOf(payouts.paidAtMs);
  const [conversions, paid, inFlight, attention] = await orm.batch([
    orm
      .select({
        day: conversionDay.as("day"),
        currency: transactions.currency,
        status: transactions.status,
        conversions: count(),
        cashbackMinor:
          sql<number>`COALESCE(SUM(${transactions.cashbackMinor} + ${transactions.boostMinor}), 0)`.mapWith(
            Number,
          ),
      })
      .from(transactions)
      .where(
        and(
          gte(transactions.convertedAtMs, q.fromMs),
          lt(transactions.convertedAtMs, q.toMs),
          // Rejected rows were never credited (untrusted sub-ID, another user's order, …).
          ne(transactions.status, "rejected"),
        ),
      )
      .groupBy(conversionDay, transactions.currency, transactions.status)
      .limit(MAX_GROUP_ROWS),
    orm
      .select({
        day: paidDay.as("day"),
        currency: sql<string>`${payouts.currency}`,
        payouts: count(),
        totalMinor: sql<number>`COALESCE(SUM(${payouts.amountMinor}), 0)`.mapWith(Number),
      })
      .from(payouts)
      .where(
        and(
          gte(payouts.paidAtMs, q.fromMs),
          lt(payouts.paidAtMs, q.toMs),
          eq(payouts.status, "paid"),
          isNotNull(payouts.currency),
        ),
      )
      .groupBy(paidDay, payouts.currency)
      .limit(MAX_GROUP_ROWS),
    orm
      .select({
        currency: payouts.currency,
        payouts: count(),
        totalMinor: sql<number>`COALESCE(SUM(${payouts.amountMinor}), 0)`.mapWith(Number),
      })
      .from(payouts)
      .where(inArray(payouts.status, [...q.inFlightStatuses]))
      .groupBy(payouts.currency)
      .limit(MAX_GROUP_ROWS),
    orm
      .select({
        heldPayouts: sql<number>`(${orm
          .select({ n: count() })
          .from(payouts)
          .where(eq(payouts.status, "held"))})`.mapWith(Number),
        attentionPayouts: sql<number>`(${orm
          .select({ n: count() })
          .from(payouts)
          .where(and(isNotNull(payouts.attention), isNotNull(payouts.createdAtMs)))})`.mapWith(
          Number,
        ),
      })
      .from(sql`(SELECT 1)`),
  ]);
  const counts = attention[0];
  assert(counts !== undefined, "a SELECT without FROM rows returns exactly one row");
  return { conversions, paid, inFlight, ...counts };
}

import type { BatchItem } from "drizzle-orm/batch";
import { drizzle } from "drizzle-orm/d1";
import { pointsMovements } from "#shared/db/schema";
import type { PointsMovementProjection } from "#shared/messages";
import { utcDay } from "#shared/time/clock";
import { everyDay, rateBps } from "./rates";

/**
 * The points earn → redeem funnel (docs/analytics.md "Points"): D1 `points_movements`,
 * projected from each wallet's points postings by the ledger-events consumer, read with
 * aggregates per period (on `points_movements_day_idx`).
 */

/** One row per source type of the posting; a redelivered message inserts nothing new. */
export function pointsMovementStatements(
  db: D1Database,
  body: PointsMovementProjection,
): BatchItem<"sqlite">[] {
  if (body.sources.length === 0) return [];
  return [
    drizzle(db)
      .insert(pointsMovements)
      .values(
        body.sources.map((s) => ({
          userId: body.userId,
          entryKey: body.key,
          sourceType: s.sourceType,
          entryKind: body.entryKind,
          day: utcDay(body.atMs),
          atMs: body.atMs,
          earned: s.earned,
          spent: s.spent,
          expired: s.expired,
          reversed: s.reversed,
        })),
      )
      .onConflictDoNothing(),
  ];
}

export interface PointsCounts {
  earned: number;
  /** Lots credited (earn postings). */
  lots: number;
  redeemed: number;
  redemptions: number;
  expired: number;
  reversed: number;
  earningMembers: number;
  redeemingMembers: number;
  /** Members who both earned and redeemed in the period. */
  earnedAndRedeemedMembers: number;
}

const REDEEM = "entry_kind LIKE 'points_redeem_%'";
const COUNTS = `COALESCE(SUM(earned), 0) AS earned,
  COUNT(DISTINCT CASE WHEN earned > 0 THEN user_id || ' ' || entry_key END) AS lots,
  COALESCE(SUM(CASE WHEN ${REDEEM} THEN spent ELSE 0 END), 0) AS redeemed,
  COUNT(DISTINCT CASE WHEN ${REDEEM} AND spent > 0 THEN user_id || ' ' || entry_key END) AS redemptions,
  COALESCE(SUM(CASE WHEN entry_kind = 'points_expire' THEN expired ELSE 0 END), 0) AS expired,
  COALESCE(SUM(reversed), 0) AS reversed,
  COUNT(DISTINCT CASE WHEN earned > 0 THEN user_id END) AS earningMembers,
  COUNT(DISTINCT CASE WHEN ${REDEEM} AND spent > 0 THEN user_id END) AS redeemingMembers`;

const ZERO: PointsCounts = {
  earned: 0,
  lots: 0,
  redeemed: 0,
  redemptions: 0,
  expired: 0,
  reversed: 0,
  earningMembers: 0,
  redeemingMembers: 0,
  earnedAndRedeemedMembers: 0,
};

/** The most source types one answer lists. */
export const MAX_POINTS_SOURCES = 200;

interface Period {
  from: string;
  to: string;
}

function where(period: Period, sourceType: string | undefined) {
  const binds: unknown[] = [period.from, period.to];
  let sql = "day >= ? AND day <= ?";
  if (sourceType) {
    sql += " AND source_type = ?";
    binds.push(sourceType);
  }
  return { sql, binds };
}

export async function pointsFigures(
  db: D1Database,
  range: Period & { previous: Period },
  sourceType: string | undefined,
) {
  const cur = where(range, sourceType);
  const prev = where(range.previous, sourceType);
  const both = (w: { sql: string }) =>
    `SELECT COUNT(*) AS n FROM (SELECT user_id FROM points_movements WHERE ${w.sql}
       GROUP BY user_id HAVING SUM(earned) > 0 AND SUM(CASE WHEN ${REDEEM} THEN spent ELSE 0 END) > 0)`;
  const [totals, previousTotals, bothCur, bothPrev, perDay, bySource, byRedemption] =
    await db.batch<Record<string, unknown>>([
      db.prepare(`SELECT ${COUNTS} FROM points_movements WHERE ${cur.sql}`).bind(...cur.binds),
      db.prepare(`SELECT ${COUNTS} FROM points_movements WHERE ${prev.sql}`).bind(...prev.binds),
      db.prepare(both(cur)).bind(...cur.binds),
      db.prepare(both(prev)).bind(...prev.binds),
      db
        .prepare(
          `SELECT day, ${COUNTS} FROM points_movements WHERE ${cur.sql} GROUP BY day ORDER BY day`,
        )
        .bind(...cur.binds),
      db
        .prepare(
          `SELECT source_type AS sourceType, ${COUNTS} FROM points_movements WHERE ${cur.sql}
           GROUP BY source_type ORDER BY earned DESC, source_type LIMIT ${MAX_POINTS_SOURCES}`,
        )
        .bind(...cur.binds),
      db
        .prepare(
          `SELECT substr(entry_kind, 15) AS kind, SUM(spent) AS points,
             COUNT(DISTINCT user_id || ' ' || entry_key) AS redemptions,
             COUNT(DISTINCT user_id) AS members
           FROM points_movements WHERE ${cur.sql} AND ${REDEEM} AND spent > 0
           GROUP BY entry_kind ORDER BY points DESC`,
        )
        .bind(...cur.binds),
    ]);
  const counts = (r: object | undefined, both = 0): PointsCounts => ({
    ...ZERO,
    ...(r as Partial<PointsCounts>),
    earnedAndRedeemedMembers: both,
  });
  const n = (r: { results: Record<string, unknown>[] } | undefined) =>
    Number(r?.results[0]?.n ?? 0);
  const t = counts(totals?.results[0], n(bothCur));
  const p = counts(previousTotals?.results[0], n(bothPrev));
  const withRates = (c: PointsCounts) => ({
    ...c,
    redeemedOfEarnedBps: rateBps(c.redeemed, c.earned),
    expiredOfEarnedBps: rateBps(c.expired, c.earned),
    redeemingOfEarningMembersBps: rateBps(c.redeemingMembers, c.earningMembers),
  });
  const days = ((perDay?.results ?? []) as unknown as Array<PointsCounts & { day: string }>).map(
    (d) => ({ ...counts(d), day: d.day }),
  );
  return {
    totals: withRates(t),
    previousTotals: withRates(p),
    perDay: everyDay(range.from, range.to, days, (day) => ({ ...ZERO, day })).map((d) => ({
      day: d.day,
      earned: d.earned,
      redeemed: d.redeemed,
      expired: d.expired,
      reversed: d.reversed,
      earningMembers: d.earningMembers,
      redeemingMembers: d.redeemingMembers,
    })),
    bySource: (
      (bySource?.results ?? []) as unknown as Array<PointsCounts & { sourceType: string }>
    ).map((r) => ({
      sourceType: r.sourceType,
      earned: r.earned,
      lots: r.lots,
      redeemed: r.redeemed,
      expired: r.expired,
      reversed: r.reversed,
      earningMembers: r.earningMembers,
      redeemingMembers: r.redeemingMembers,
    })),
    byRedemption: (byRedemption?.results ?? []) as unknown as Array<{
      kind: string;
      points: number;
      redemptions: number;
      members: number;
    }>,
  };
}

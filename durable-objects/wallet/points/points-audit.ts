import { readBalance } from "../ledger/ledger-store";
import { POINTS_UNIT, type PointsBucket } from "../ledger/posting";

/**
 * The points side of the wallet audit, O(lots): every lot adds up (earned = pending + active +
 * spent + expired + reversed, none negative), each points bucket equals what the lots say it
 * holds, a lot's spent and reversed points equal its draws, redemptions equal the spent bucket,
 * and points debt equals what rollbacks still have outstanding.
 */
export function pointsViolations(sql: SqlStorage): string[] {
  const violations: string[] = [];
  const bad = sql
    .exec<{
      lot_id: string;
      points_earned: number;
      remaining: number;
      spent: number;
      expired: number;
      reversed: number;
    }>(
      `SELECT lot_id, points_earned, remaining, spent, expired, reversed FROM points_lots
       WHERE points_earned != remaining + spent + expired + reversed
          OR remaining < 0 OR spent < 0 OR expired < 0 OR reversed < 0 LIMIT 20`,
    )
    .toArray();
  for (const l of bad) {
    violations.push(
      `lot ${l.lot_id}: earned ${l.points_earned} != remaining ${l.remaining} + spent ${l.spent} + expired ${l.expired} + reversed ${l.reversed} (or one is negative)`,
    );
  }
  const sums = sql
    .exec<{
      pending: number | null;
      active: number | null;
      spent: number | null;
      expired: number | null;
      reversed: number | null;
    }>(
      `SELECT SUM(CASE WHEN activated_at_ms IS NULL THEN remaining ELSE 0 END) AS pending,
              SUM(CASE WHEN activated_at_ms IS NULL THEN 0 ELSE remaining END) AS active,
              SUM(spent) AS spent, SUM(expired) AS expired, SUM(reversed) AS reversed
       FROM points_lots`,
    )
    .one();
  const debt =
    sql.exec<{ n: number | null }>(`SELECT SUM(debt_outstanding) AS n FROM points_rollbacks`).one()
      .n ?? 0;
  const expected: Record<PointsBucket, number> = {
    points_pending: sums.pending ?? 0,
    points_active: sums.active ?? 0,
    points_spent: sums.spent ?? 0,
    points_expired: sums.expired ?? 0,
    points_reversed: sums.reversed ?? 0,
    points_debt: debt,
  };
  for (const [bucket, want] of Object.entries(expected)) {
    const have = readBalance(sql, bucket, POINTS_UNIT);
    if (have !== want) violations.push(`${bucket}: bucket ${have} != lots ${want}`);
  }
  const redeemed =
    sql.exec<{ n: number | null }>(`SELECT SUM(points) AS n FROM points_spends`).one().n ?? 0;
  if (redeemed !== expected.points_spent) {
    violations.push(`points spent ${expected.points_spent} != redemptions ${redeemed}`);
  }
  const drifted = sql
    .exec<{ lot_id: string }>(
      `SELECT l.lot_id FROM points_lots l LEFT JOIN (
         SELECT lot_id,
                SUM(CASE kind WHEN 'spend' THEN points ELSE 0 END) AS spent,
                SUM(CASE kind WHEN 'rollback' THEN points WHEN 'repay' THEN points
                              WHEN 'restore' THEN -points ELSE 0 END) AS reversed
         FROM points_draws GROUP BY lot_id) d ON d.lot_id = l.lot_id
       WHERE l.spent != COALESCE(d.spent, 0) OR l.reversed != COALESCE(d.reversed, 0) LIMIT 20`,
    )
    .toArray();
  for (const l of drifted) violations.push(`lot ${l.lot_id}: spent or reversed != its draws`);
  return violations;
}

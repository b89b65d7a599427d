import type { WalletTx } from "../core/wallet-tx";
import { decideRestore, decideRollback } from "./decide-rollback";
import { asRatio } from "./fraction";
import { placeOf } from "./lot";
import {
  drawsOf,
  findLot,
  findRollback,
  insertRollback,
  type LotRow,
  lotsOfSource,
  markRestored,
  repaymentsOf,
  takenFromSource,
} from "./lot-store";
import { PointsChange } from "./points-change";
import { reschedulePoints } from "./points-schedule";
import type {
  RestorePointsInput,
  RestorePointsResult,
  RollbackPointsInput,
  RollbackPointsResult,
} from "./types";

const MAX_KEY_CHARS = 150;

/**
 * Takes back a full or partial share of what one source earned (a refund, a chargeback), inside
 * the caller's storage transaction, under the rollback's own key: the same key again is `exists`
 * and changes nothing, so a rollback can never be applied twice. Unspent points are taken first
 * (pending before active), then points that expired anyway; what was already spent becomes
 * points debt, repaid by later earns first. See decide-rollback.ts.
 *
 * @example
 * commit((tx) => rollbackPoints(tx, { key: "refund_9", sourceType: "event", sourceId: "evt_1",
 *   fraction: { num: 2_500, den: 10_000 }, nowMs }))
 * // { status: "created", takenPoints: 30, debtPoints: 0 }
 */
export function rollbackPoints(tx: WalletTx, input: RollbackPointsInput): RollbackPointsResult {
  if (!input.key || input.key.length > MAX_KEY_CHARS) {
    return { status: "invalid", reason: `key must be 1..${MAX_KEY_CHARS} chars` };
  }
  const ratio = asRatio(input.fraction);
  if (ratio === null) return { status: "invalid", reason: "fraction must be within 0..1" };
  const done = findRollback(tx.sql, input.key);
  if (done) {
    return {
      status: "exists",
      takenPoints: done.targetPoints - done.debtPoints,
      debtPoints: done.debtPoints,
    };
  }
  const lots = lotsOfSource(tx.sql, input.sourceType, input.sourceId);
  if (lots.length === 0) {
    return { status: "not_found", reason: "this source earned no points in this wallet" };
  }
  const decision = decideRollback(
    lots,
    takenFromSource(tx.sql, input.sourceType, input.sourceId),
    input.fraction,
  );
  if (decision.status === "invalid") return decision;

  const change = new PointsChange(tx, input.nowMs);
  let taken = 0;
  for (const take of decision.takes) {
    const lot = lots.find((l) => l.lotId === take.lotId);
    if (!lot) continue;
    const touched = change.touch(lot);
    if (take.from === "expired") touched.expired -= take.points;
    else touched.remaining -= take.points;
    touched.reversed += take.points;
    change.move(
      take.from === "expired"
        ? "points_expired"
        : take.from === "pending"
          ? "points_pending"
          : "points_active",
      -take.points,
    );
    change.move("points_reversed", take.points);
    change.draw({
      drawId: input.key,
      kind: "rollback",
      lotId: lot.lotId,
      points: take.points,
      place: take.from,
      ref: null,
    });
    taken += take.points;
  }
  change.move("points_debt", decision.debtPoints);
  insertRollback(tx.sql, {
    rollbackKey: input.key,
    sourceType: input.sourceType,
    sourceId: input.sourceId,
    fraction: `${ratio.num}/${ratio.den}`,
    targetPoints: decision.targetPoints,
    debtPoints: decision.debtPoints,
    debtOutstanding: decision.debtPoints,
    atMs: input.nowMs,
    restoredAtMs: null,
  });
  change.commit(`points:rollback:${input.key}`, "points_rollback");
  reschedulePoints(tx.sql, input.nowMs);
  return { status: "created", takenPoints: taken, debtPoints: decision.debtPoints };
}

/**
 * Undoes one rollback (a chargeback resolved in the member's favour): re-credits exactly what it
 * took, back to the lots it came from, cancels what is still owed of its debt and returns what
 * later earns repaid of it. Points that become active repay other outstanding debt first.
 * Idempotent: a second restore of the same rollback is `exists`.
 *
 * @example
 * commit((tx) => restorePoints(tx, { rollbackKey: "chargeback_4", nowMs }))
 * // { status: "created", restoredPoints: 120, debtCancelledPoints: 0 }
 */
export function restorePoints(tx: WalletTx, input: RestorePointsInput): RestorePointsResult {
  const rollback = findRollback(tx.sql, input.rollbackKey);
  if (!rollback) return { status: "not_found", reason: "no such rollback in this wallet" };
  const takes = drawsOf(tx.sql, rollback.rollbackKey, "rollback");
  const repaid = repaymentsOf(tx.sql, rollback.rollbackKey);
  if (rollback.restoredAtMs !== null) {
    return {
      status: "exists",
      restoredPoints:
        takes.reduce((s, t) => s + t.points, 0) + repaid.reduce((s, r) => s + r.points, 0),
      debtCancelledPoints: rollback.debtPoints - repaid.reduce((s, r) => s + r.points, 0),
    };
  }
  const lots = new Map<string, LotRow>();
  const lotOf = (lotId: string) => {
    const known = lots.get(lotId) ?? findLot(tx.sql, lotId);
    if (!known) throw new Error(`lot ${lotId} named by a draw is missing`);
    lots.set(lotId, known);
    return known;
  };
  const plan = decideRestore(
    takes.map((t) => ({ lotId: t.lotId, from: t.place, points: t.points })),
    (lotId) => placeOf(lotOf(lotId)),
    rollback.debtOutstanding,
    repaid.map((r) => ({ lotId: r.lotId, points: r.points })),
  );

  // Mark first, so this rollback's own debt is no longer outstanding when restored points repay.
  markRestored(tx.sql, rollback.rollbackKey, input.nowMs);
  const change = new PointsChange(tx, input.nowMs);
  change.move("points_debt", -plan.debtCancelledPoints);
  for (const credit of plan.credits) {
    const lot = change.touch(lotOf(credit.lotId));
    lot.reversed -= credit.points;
    change.move("points_reversed", -credit.points);
    change.draw({
      drawId: input.rollbackKey,
      kind: "restore",
      lotId: lot.lotId,
      points: credit.points,
      place: credit.to,
      ref: null,
    });
    if (credit.to === "expired") {
      lot.expired += credit.points;
      change.move("points_expired", credit.points);
    } else {
      lot.remaining += credit.points;
      change.move(credit.to === "pending" ? "points_pending" : "points_active", credit.points);
      if (credit.to === "active")
        change.repayFrom(lot, `restore:${rollback.rollbackKey}`, credit.points);
    }
  }
  change.commit(`points:restore:${rollback.rollbackKey}`, "points_restore");
  reschedulePoints(tx.sql, input.nowMs);
  return {
    status: "created",
    restoredPoints:
      takes.reduce((s, t) => s + t.points, 0) + repaid.reduce((s, r) => s + r.points, 0),
    debtCancelledPoints: plan.debtCancelledPoints,
  };
}

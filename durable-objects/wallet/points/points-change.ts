import { assert } from "#shared/assert";
import type { WalletTx } from "../core/wallet-tx";
import { type Leg, POINTS_UNIT, type PointsBucket } from "../ledger/posting";
import { decideRepayment } from "./decide-rollback";
import {
  type DrawRow,
  insertDraw,
  type LotRow,
  outstandingDebts,
  saveLot,
  setDebtOutstanding,
} from "./lot-store";
import { movementSources } from "./movement";

/** Debts read per repayment: a member owes a handful at most. */
const MAX_DEBTS_READ = 100;

/**
 * One change to points inside the caller's storage transaction: lots touched, draws recorded,
 * and the net movement of each points bucket, written as ONE posting under one key at `commit`.
 * Every movement names a lot, so the buckets and the lots cannot drift apart, and `commit`
 * asserts each lot still adds up (earned = remaining + spent + expired + reversed).
 */
export class PointsChange {
  private readonly deltas = new Map<PointsBucket, number>();
  private readonly touched = new Map<string, LotRow>();
  /** Each touched lot as it was before this change, for the analytics projection. */
  private readonly before = new Map<string, { spent: number; expired: number; reversed: number }>();
  private readonly draws: DrawRow[] = [];
  private readonly extraLegs: Leg[] = [];

  constructor(
    private readonly tx: WalletTx,
    readonly nowMs: number,
  ) {}

  move(bucket: PointsBucket, points: number): void {
    this.deltas.set(bucket, (this.deltas.get(bucket) ?? 0) + points);
  }

  touch(lot: LotRow): LotRow {
    const known = this.touched.get(lot.lotId);
    if (known) return known;
    this.touched.set(lot.lotId, lot);
    this.before.set(lot.lotId, { spent: lot.spent, expired: lot.expired, reversed: lot.reversed });
    return lot;
  }

  draw(d: Omit<DrawRow, "atMs">): void {
    this.draws.push({ ...d, atMs: this.nowMs });
  }

  /** A money leg in the same posting (cashback from points). */
  addMoneyLeg(leg: Leg): void {
    this.extraLegs.push(leg);
  }

  /**
   * Points that just became active in `lot` repay outstanding points debt first, oldest debt
   * first (like money credits to confirmed); what is left stays active in the lot.
   */
  repayFrom(lot: LotRow, drawId: string, points: number): number {
    if (points <= 0) return 0;
    const debts = outstandingDebts(this.tx.sql, MAX_DEBTS_READ);
    const { repayments, totalPoints } = decideRepayment(debts, points);
    for (const r of repayments) {
      const debt = debts.find((d) => d.rollbackKey === r.rollbackKey);
      assert(debt !== undefined, "a repayment names an outstanding debt");
      setDebtOutstanding(this.tx.sql, r.rollbackKey, debt.outstanding - r.points);
      this.draw({
        drawId,
        kind: "repay",
        lotId: lot.lotId,
        points: r.points,
        place: "active",
        ref: r.rollbackKey,
      });
    }
    lot.remaining -= totalPoints;
    lot.reversed += totalPoints;
    this.move("points_active", -totalPoints);
    this.move("points_reversed", totalPoints);
    this.move("points_debt", -totalPoints);
    return totalPoints;
  }

  /** Writes lots, draws and the one posting (none when nothing moved). */
  commit(key: string, kind: string, rule?: { id: string; version: number }): void {
    for (const lot of this.touched.values()) {
      assert(
        lot.remaining >= 0 && lot.spent >= 0 && lot.expired >= 0 && lot.reversed >= 0,
        `lot ${lot.lotId} would hold a negative amount`,
      );
      assert(
        lot.earned === lot.remaining + lot.spent + lot.expired + lot.reversed,
        `lot ${lot.lotId}: earned ${lot.earned} != remaining + spent + expired + reversed`,
      );
      saveLot(this.tx.sql, lot);
    }
    for (const d of this.draws) insertDraw(this.tx.sql, d);
    const legs: Leg[] = [...this.deltas]
      .filter(([, points]) => points !== 0)
      .map(([bucket, points]) => ({ bucket, currency: POINTS_UNIT, amountMinor: points }));
    legs.push(...this.extraLegs);
    if (legs.length > 0) {
      const posted = this.tx.post(
        { key, kind, txnId: null, legs, ...(rule ? { rule } : {}) },
        this.nowMs,
      );
      // The same transaction's outbox: D1 `points_movements` for the points funnel.
      const sources = movementSources(
        kind,
        [...this.touched.values()].map((lot) => ({ lot, before: this.before.get(lot.lotId) })),
      );
      if (posted.status === "created" && sources.length > 0) {
        this.tx.enqueue({
          kind: "points_movement",
          userId: this.tx.userId(),
          key,
          entryKind: kind,
          atMs: this.nowMs,
          sources,
        });
      }
    }
  }
}

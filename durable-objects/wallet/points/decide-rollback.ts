import { asRatio, type Fraction, isWhole, pointsShare } from "./fraction";
import { type LotState, placeOf } from "./lot";

/** Where a rollback took points from (and where a restore puts them back). */
export type TakenFrom = "pending" | "active" | "expired";

export interface Take {
  lotId: string;
  from: TakenFrom;
  points: number;
}

export type RollbackDecision =
  | { status: "ok"; targetPoints: number; takes: Take[]; debtPoints: number }
  | { status: "invalid"; reason: string };

/**
 * Pure: what a rollback of `fraction` of one source's earn takes back. The share is of what the
 * source earned (all its lots), rounded down (`pointsShare`), and never more than earlier
 * rollbacks of the source left (`takenBeforePoints`); a whole rollback takes everything left.
 * Unspent points go first, pending before active, then points that already expired (the member
 * lost them anyway); what the source no longer holds (spent, or drawn to repay debt) becomes
 * points debt, repaid by later earns — never a negative bucket.
 *
 * @example
 * // 100 earned, 70 spent, 30 left active; a 50% refund takes the 30 and records 20 of debt.
 * decideRollback([lot], 0, { bps: 5000 })
 * // { status: "ok", targetPoints: 50, takes: [{ lotId, from: "active", points: 30 }], debtPoints: 20 }
 */
export function decideRollback(
  lots: readonly LotState[],
  takenBeforePoints: number,
  fraction: Fraction,
): RollbackDecision {
  if (asRatio(fraction) === null)
    return { status: "invalid", reason: "fraction must be within 0..1" };
  const earned = lots.reduce((s, l) => s + l.earned, 0);
  const share = pointsShare(earned, fraction);
  const left = Math.max(0, earned - takenBeforePoints);
  const targetPoints = isWhole(fraction) ? left : Math.min(share, left);

  const bySeq = [...lots].sort((a, b) => a.seq - b.seq);
  const order: Array<{ lot: LotState; from: TakenFrom; available: number }> = [
    ...bySeq
      .filter((l) => placeOf(l) === "pending")
      .map((lot) => ({ lot, from: "pending" as const, available: lot.remaining })),
    ...bySeq
      .filter((l) => placeOf(l) === "active")
      .map((lot) => ({ lot, from: "active" as const, available: lot.remaining })),
    ...bySeq.map((lot) => ({ lot, from: "expired" as const, available: lot.expired })),
  ];
  const takes: Take[] = [];
  let owed = targetPoints;
  for (const item of order) {
    if (owed === 0) break;
    const points = Math.min(owed, item.available);
    if (points > 0) {
      takes.push({ lotId: item.lot.lotId, from: item.from, points });
      owed -= points;
    }
  }
  return { status: "ok", targetPoints, takes, debtPoints: owed };
}

export interface Debt {
  rollbackKey: string;
  outstanding: number;
}

/**
 * Pure: points becoming active repay outstanding points debt first, oldest debt first (like
 * money credits to confirmed repay money debt). Returns each debt's repayment and the total.
 *
 * @example
 * decideRepayment([{ rollbackKey: "r1", outstanding: 20 }], 50) // { repayments: [{ rollbackKey: "r1", points: 20 }], totalPoints: 20 }
 */
export function decideRepayment(
  debts: readonly Debt[],
  points: number,
): { repayments: Array<{ rollbackKey: string; points: number }>; totalPoints: number } {
  const repayments: Array<{ rollbackKey: string; points: number }> = [];
  let left = points;
  for (const debt of debts) {
    if (left === 0) break;
    const repay = Math.min(left, debt.outstanding);
    if (repay > 0) {
      repayments.push({ rollbackKey: debt.rollbackKey, points: repay });
      left -= repay;
    }
  }
  return { repayments, totalPoints: points - left };
}

export interface RestoreCredit {
  lotId: string;
  to: "pending" | "active" | "expired";
  points: number;
}

/**
 * Pure: a restore (a chargeback resolved in the member's favour) re-credits exactly what its
 * rollback took: each take back to its lot — pending points to the lot's place now (it may have
 * activated since), active to active, expired to expired — plus the debt: what is still owed is
 * cancelled, and what later earns already repaid goes back to the lots that repaid it.
 *
 * @example
 * decideRestore([{ lotId: "a", from: "active", points: 30 }], () => "active", 20, [])
 * // { credits: [{ lotId: "a", to: "active", points: 30 }], debtCancelledPoints: 20 }
 */
export function decideRestore(
  takes: readonly Take[],
  placeNow: (lotId: string) => "pending" | "active",
  debtOutstanding: number,
  repaidBy: ReadonlyArray<{ lotId: string; points: number }>,
): { credits: RestoreCredit[]; debtCancelledPoints: number } {
  const credits: RestoreCredit[] = takes.map((t) => ({
    lotId: t.lotId,
    to: t.from === "expired" ? "expired" : t.from === "pending" ? placeNow(t.lotId) : "active",
    points: t.points,
  }));
  for (const r of repaidBy) credits.push({ lotId: r.lotId, to: "active", points: r.points });
  return { credits, debtCancelledPoints: debtOutstanding };
}

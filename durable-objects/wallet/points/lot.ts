/**
 * One earn, as the pure decisions see it. A lot's points are always in exactly one of these
 * places, so `earned = pending + active + spent + expired + reversed` holds for every lot
 * (`remaining` counts as pending until the lot is activated, as active after):
 * - `remaining`: not yet spent, expired or taken back;
 * - `spent`: drawn by redemptions;
 * - `expired`: what was left when the lot expired;
 * - `reversed`: taken back by a rollback of its source, or drawn to repay points debt.
 */
export interface LotState {
  lotId: string;
  /** Earn order inside the wallet (the tie-break after expiry). */
  seq: number;
  earned: number;
  remaining: number;
  spent: number;
  expired: number;
  reversed: number;
  /** Null until active; pending lots cannot be spent. */
  activatedAtMs: number | null;
  pendingUntilMs: number | null;
  /** Null: never expires (a validity counted from an activation that has not happened yet). */
  expiresAtMs: number | null;
}

export type LotPlace = "pending" | "active";

export function placeOf(lot: Pick<LotState, "activatedAtMs">): LotPlace {
  return lot.activatedAtMs === null ? "pending" : "active";
}

/** One lot's share of a spend, a rollback or a debt repayment. */
export interface Draw {
  lotId: string;
  points: number;
}

/**
 * Pure: spending order, earliest expiry first (never-expiring last), then earn order.
 *
 * @example
 * [b, a].sort(bySpendOrder) // a first when a expires sooner
 */
export function bySpendOrder(
  a: Pick<LotState, "expiresAtMs" | "seq">,
  b: Pick<LotState, "expiresAtMs" | "seq">,
): number {
  const ax = a.expiresAtMs ?? Number.MAX_SAFE_INTEGER;
  const bx = b.expiresAtMs ?? Number.MAX_SAFE_INTEGER;
  return ax !== bx ? ax - bx : a.seq - b.seq;
}

/** Pure: takes `points` from `items` in order, each up to its `available`; what is left over. */
export function drawInOrder<T extends { lotId: string; available: number }>(
  items: readonly T[],
  points: number,
): { draws: Draw[]; short: number } {
  const draws: Draw[] = [];
  let left = points;
  for (const item of items) {
    if (left === 0) break;
    const take = Math.min(left, item.available);
    if (take > 0) {
      draws.push({ lotId: item.lotId, points: take });
      left -= take;
    }
  }
  return { draws, short: left };
}

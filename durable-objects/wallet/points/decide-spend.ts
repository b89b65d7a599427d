import { bySpendOrder, type Draw, drawInOrder, type LotState } from "./lot";

export type SpendDecision =
  | { status: "ok"; draws: Draw[] }
  | { status: "insufficient"; availablePoints: number }
  | { status: "invalid"; reason: string };

/**
 * Pure: which active lots a spend of `points` draws from: earliest expiry first, ties by earn
 * order. A spend larger than the active balance is refused whole (no partial spend); pending
 * lots and lots already expired at `nowMs` are not spendable, even if the expiry run has not
 * reached them yet.
 *
 * @example
 * decideSpend([{ lotId: "a", seq: 1, remaining: 30, expiresAtMs: 10, ... }, { lotId: "b", seq: 2, remaining: 50, expiresAtMs: 5, ... }], 60, 0)
 * // { status: "ok", draws: [{ lotId: "b", points: 50 }, { lotId: "a", points: 10 }] }
 */
export function decideSpend(
  lots: readonly LotState[],
  points: number,
  nowMs: number,
): SpendDecision {
  if (!Number.isSafeInteger(points) || points <= 0) {
    return { status: "invalid", reason: "points to spend must be a positive integer" };
  }
  const spendable = lots
    .filter((l) => l.activatedAtMs !== null && l.remaining > 0)
    .filter((l) => l.expiresAtMs === null || l.expiresAtMs > nowMs)
    .sort(bySpendOrder);
  const availablePoints = spendable.reduce((sum, l) => sum + l.remaining, 0);
  if (points > availablePoints) return { status: "insufficient", availablePoints };
  const { draws } = drawInOrder(
    spendable.map((l) => ({ lotId: l.lotId, available: l.remaining })),
    points,
  );
  return { status: "ok", draws };
}

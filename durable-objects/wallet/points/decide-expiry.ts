import type { LotPlace, LotState } from "./lot";
import { placeOf } from "./lot";

export interface ExpiryStep {
  lotId: string;
  /** Where the expiring points were: what is left of the lot, never what was spent. */
  from: LotPlace;
  points: number;
}

/**
 * Pure: what expires at `nowMs`: the remaining points of every lot whose expiry has come.
 * Spent, already expired and reversed points stay where they are, so a point is never both
 * spent and expired. A lot with nothing left is simply closed (zero points, no step).
 *
 * @example
 * decideExpiry([{ lotId: "a", remaining: 40, spent: 60, expiresAtMs: 100, ... }], 100)
 * // [{ lotId: "a", from: "active", points: 40 }]
 */
export function decideExpiry(lots: readonly LotState[], nowMs: number): ExpiryStep[] {
  return lots
    .filter((l) => l.expiresAtMs !== null && l.expiresAtMs <= nowMs && l.remaining > 0)
    .map((l) => ({ lotId: l.lotId, from: placeOf(l), points: l.remaining }));
}

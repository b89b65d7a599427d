import { BPS_DENOMINATOR, mulDivRound } from "#shared/money/rounding";

/**
 * A share of what a source earned, for a partial rollback: basis points (`{ bps: 2500 }` is a
 * quarter) or an exact ratio (`{ num: 1, den: 3 }`, e.g. refunded amount over order amount).
 */
export type Fraction = { bps: number } | { num: number; den: number };

/** Pure: the fraction as a numerator and denominator; null when it is not within 0..1. */
export function asRatio(fraction: Fraction): { num: number; den: number } | null {
  const ratio = "bps" in fraction ? { num: fraction.bps, den: BPS_DENOMINATOR } : fraction;
  const whole = Number.isSafeInteger(ratio.num) && Number.isSafeInteger(ratio.den);
  if (!whole || ratio.den <= 0 || ratio.num < 0 || ratio.num > ratio.den) return null;
  return ratio;
}

/** Pure: true for the whole of it (100%). */
export function isWhole(fraction: Fraction): boolean {
  const ratio = asRatio(fraction);
  return ratio !== null && ratio.num === ratio.den;
}

/**
 * The one rounding of points taken back: rounded down, so a partial rollback never takes a
 * point more than its share (the money rule for amounts owed to the user). A full rollback
 * takes everything still left, so partial roundings never leave a residue behind.
 *
 * @example
 * pointsShare(100, { num: 1, den: 3 }) // 33
 */
export function pointsShare(points: number, fraction: Fraction): number {
  const ratio = asRatio(fraction);
  if (ratio === null) throw new RangeError("a fraction is within 0..1");
  return mulDivRound(points, ratio.num, ratio.den, "floor");
}

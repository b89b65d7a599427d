/**
 * The one place Boomerang rounds money. Every amount is an integer in minor units
 * (paise, cents); every rate is in basis points (1 bps = 0.01%). Arithmetic runs in
 * BigInt so `amountMinor * rateBps` cannot lose precision above 2^53.
 */

export const BPS_DENOMINATOR = 10_000;

/** How a fractional minor unit is resolved. Cashback owed to a user rounds down. */
export type RoundingMode = "floor" | "half_even";

/**
 * `amountMinor * numerator / denominator`, rounded by `mode`, for non-negative inputs.
 *
 * @example
 * mulDivRound(12_345, 750, 10_000, "floor") // 925 (925.875 rounded down)
 */
export function mulDivRound(
  amountMinor: number,
  numerator: number,
  denominator: number,
  mode: RoundingMode,
): number {
  assertWholeNonNegative(amountMinor, "amountMinor");
  assertWholeNonNegative(numerator, "numerator");
  if (!Number.isSafeInteger(denominator) || denominator <= 0) {
    throw new RangeError(`denominator must be a positive integer, got ${denominator}`);
  }
  return roundQuotient(BigInt(amountMinor) * BigInt(numerator), BigInt(denominator), mode);
}

/**
 * Applies a basis-point rate to an amount in minor units.
 *
 * @example
 * applyRateBps(99_900, 500) // 4_995 — 5% of 999.00
 */
export function applyRateBps(amountMinor: number, rateBps: number, mode: RoundingMode = "floor") {
  return mulDivRound(amountMinor, rateBps, BPS_DENOMINATOR, mode);
}

function assertWholeNonNegative(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative safe integer, got ${value}`);
  }
}

/** One part of a sum to which a rate applies: an amount in minor units and its rate in bps. */
export interface RatedAmount {
  amountMinor: number;
  rateBps: number;
}

/**
 * `Σ(amountMinor × rateBps) / 10_000`, computed exactly and rounded once. Rounding each part
 * separately would drop up to one minor unit per part; this drops at most one in total.
 *
 * @example
 * applyRatesBps([{ amountMinor: 150, rateBps: 500 }, { amountMinor: 150, rateBps: 500 }]) // 15
 * // (rounding each 7.5 down first would give 14)
 */
export function applyRatesBps(parts: readonly RatedAmount[], mode: RoundingMode = "floor"): number {
  return roundQuotient(weightedSum(parts), BigInt(BPS_DENOMINATOR), mode);
}

/**
 * The amount-weighted average rate of `parts`, rounded down to a whole bps; 0 when the
 * amounts sum to 0 (there is no average to show). Equals the common rate when all parts share
 * one.
 *
 * @example
 * blendedRateBps([{ amountMinor: 100, rateBps: 200 }, { amountMinor: 300, rateBps: 1_000 }]) // 800
 */
export function blendedRateBps(parts: readonly RatedAmount[]): number {
  const sum = weightedSum(parts);
  let totalMinor = 0n;
  for (const part of parts) totalMinor += BigInt(part.amountMinor);
  return totalMinor === 0n ? 0 : roundQuotient(sum, totalMinor, "floor");
}

/**
 * Splits `totalMinor` into integer parts proportional to `weights` that sum to exactly
 * `totalMinor` (largest-remainder method): each part gets the floor of its exact share, and
 * the minor units left over go one each to the parts with the largest dropped fractions, ties
 * to the earlier part, so the result is deterministic. When every weight is 0 there is no
 * proportion to follow and the total is split equally (same method, equal weights).
 *
 * @example
 * allocateProRata(100, [1, 1, 1]) // [34, 33, 33]
 * allocateProRata(1_000, [3_000, 1_000]) // [750, 250]
 */
export function allocateProRata(totalMinor: number, weights: readonly number[]): number[] {
  assertWholeNonNegative(totalMinor, "totalMinor");
  if (weights.length === 0) {
    if (totalMinor !== 0) throw new RangeError("cannot allocate a non-zero total to no parts");
    return [];
  }
  for (const weight of weights) assertWholeNonNegative(weight, "weight");
  let weightTotal = 0n;
  for (const weight of weights) weightTotal += BigInt(weight);
  const effective = weightTotal === 0n ? weights.map(() => 1n) : weights.map((w) => BigInt(w));
  const denominator = weightTotal === 0n ? BigInt(weights.length) : weightTotal;
  const total = BigInt(totalMinor);

  const parts = effective.map((weight, index) => {
    const exact = total * weight;
    return { index, floor: exact / denominator, remainder: exact % denominator };
  });
  let leftover = total;
  for (const part of parts) leftover -= part.floor;
  // leftover < number of parts with a non-zero remainder, since each dropped fraction is < 1.
  const byRemainder = [...parts].sort((a, b) =>
    a.remainder === b.remainder ? a.index - b.index : a.remainder > b.remainder ? -1 : 1,
  );
  for (let i = 0; leftover > 0n; i++) {
    const part = byRemainder[i];
    if (part === undefined) throw new Error("allocateProRata: leftover exceeds the parts");
    part.floor += 1n;
    leftover -= 1n;
  }
  return parts.map((part) => Number(part.floor));
}

function weightedSum(parts: readonly RatedAmount[]): bigint {
  let sum = 0n;
  for (const part of parts) {
    assertWholeNonNegative(part.amountMinor, "amountMinor");
    assertWholeNonNegative(part.rateBps, "rateBps");
    sum += BigInt(part.amountMinor) * BigInt(part.rateBps);
  }
  return sum;
}

/** `dividend / divisor` for a non-negative dividend and positive divisor, rounded by `mode`. */
function roundQuotient(dividend: bigint, divisor: bigint, mode: RoundingMode): number {
  const quotient = dividend / divisor;
  const remainder = dividend % divisor;
  let result = quotient;
  if (mode === "half_even" && remainder !== 0n) {
    const twice = remainder * 2n;
    if (twice > divisor || (twice === divisor && quotient % 2n === 1n)) result = quotient + 1n;
  }
  const asNumber = Number(result);
  if (!Number.isSafeInteger(asNumber)) throw new RangeError("result exceeds safe integer range");
  return asNumber;
}

/**
 * `numerator / denominator` for BigInt inputs (non-negative numerator, positive denominator),
 * rounded by `mode`, as a safe integer. For callers whose exact operands exceed 2^53 before
 * the division, such as a network's decimal string with many fraction digits (decimal.ts).
 *
 * @example
 * divRoundBig(250n, 100n, "half_even") // 2 — a tie goes to the even neighbour
 * divRoundBig(350n, 100n, "half_even") // 4
 * divRoundBig(129_951n, 100n, "half_even") // 1_300 — past the half rounds up
 */
export function divRoundBig(numerator: bigint, denominator: bigint, mode: RoundingMode): number {
  if (numerator < 0n) throw new RangeError("numerator must be non-negative");
  if (denominator <= 0n) throw new RangeError("denominator must be positive");
  return roundQuotient(numerator, denominator, mode);
}

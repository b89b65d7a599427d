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
  const product = BigInt(amountMinor) * BigInt(numerator);
  const d = BigInt(denominator);
  const quotient = product / d;
  const remainder = product % d;
  let result = quotient;
  if (mode === "half_even" && remainder !== 0n) {
    const twice = remainder * 2n;
    if (twice > d || (twice === d && quotient % 2n === 1n)) result = quotient + 1n;
  }
  const asNumber = Number(result);
  if (!Number.isSafeInteger(asNumber)) throw new RangeError("result exceeds safe integer range");
  return asNumber;
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

import { divRoundBig } from "./rounding";

/**
 * Networks report money as decimal major units ("1299.00", "1,299.5", 12.3); Boomerang keeps
 * integer minor units. This module is the only place that conversion happens, so every adapter
 * agrees on what "12.345 INR" is (1234 paise — half-even, via rounding.ts) and on what is
 * refused. Parsing never throws: bad input is a value the adapter turns into a field error.
 */

/**
 * ISO 4217 minor-unit exponents that differ from the default of 2, plus the common 2s for
 * readability. A currency missing from this table is treated as 2 decimals, which is right
 * for most of the world's currencies; add a row when a network pays in one that is not.
 */
export const MINOR_UNIT_EXPONENTS: Readonly<Record<string, number>> = Object.freeze({
  INR: 2,
  USD: 2,
  EUR: 2,
  GBP: 2,
  AUD: 2,
  CAD: 2,
  SGD: 2,
  AED: 2,
  RUB: 2,
  BRL: 2,
  // No minor unit in use.
  JPY: 0,
  KRW: 0,
  VND: 0,
  CLP: 0,
  ISK: 0,
  PYG: 0,
  UGX: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
  // Thousandths.
  KWD: 3,
  BHD: 3,
  OMR: 3,
  JOD: 3,
  TND: 3,
  LYD: 3,
  IQD: 3,
});

export const DEFAULT_MINOR_UNIT_EXPONENT = 2;
/** More integer digits than this is not an order value, it is a bug or an attack. */
export const MAX_INTEGER_DIGITS = 12;
/** Longer input is refused before any work is done on it. */
const MAX_INPUT_CHARS = 64;

/**
 * The number of decimals a currency's minor unit has.
 *
 * @example
 * minorUnitExponent("INR") // 2
 * minorUnitExponent("JPY") // 0
 * minorUnitExponent("KWD") // 3
 * minorUnitExponent("XYZ") // 2 (default)
 */
export function minorUnitExponent(currency: string): number {
  const code = currency.toUpperCase();
  return Object.hasOwn(MINOR_UNIT_EXPONENTS, code)
    ? (MINOR_UNIT_EXPONENTS[code] ?? DEFAULT_MINOR_UNIT_EXPONENT)
    : DEFAULT_MINOR_UNIT_EXPONENT;
}

export type DecimalRejection =
  | "empty"
  | "not_a_number"
  | "negative"
  | "exponent"
  | "too_large"
  | "malformed";

export type DecimalParse =
  | { ok: true; amountMinor: number }
  | { ok: false; reason: DecimalRejection; message: string };

export type SignedDecimalParse =
  | { ok: true; amountMinor: number; negative: boolean }
  | { ok: false; reason: DecimalRejection; message: string };

// Either plain digits, or digits grouped in threes by commas ("1,299"). A lone comma with
// other than three digits after it ("12,5") is refused: it may be a European decimal comma,
// and guessing wrong would be off by a factor of 100 or 1000.
const PLAIN = /^(\d+)(?:\.(\d+))?$/;
const GROUPED = /^(\d{1,3}(?:,\d{3})+)(?:\.(\d+))?$/;

/**
 * Parses a network's non-negative decimal amount (major units) into integer minor units of
 * `currency`, rounding half-even. Accepts strings ("1299.00", "1,299.5", " 12.3 ") and finite
 * numbers (12.3); refuses negatives, NaN/Infinity, exponents ("1e3"), more than 12 integer
 * digits, and anything else that is not a plain decimal.
 *
 * @example
 * parseDecimalToMinor("1,299.5", "INR") // { ok: true, amountMinor: 129_950 }
 * parseDecimalToMinor("0.005", "USD")   // { ok: true, amountMinor: 0 } (half-even: 0.5 → 0)
 * parseDecimalToMinor("0.015", "USD")   // { ok: true, amountMinor: 2 }
 * parseDecimalToMinor("1299", "JPY")    // { ok: true, amountMinor: 1_299 }
 * parseDecimalToMinor("-5", "INR")      // { ok: false, reason: "negative", … }
 */
export function parseDecimalToMinor(value: unknown, currency: string): DecimalParse {
  // Any minus sign is refused, even on "-0.00": a network that sends one means a reversal,
  // and that must arrive as a status, not as an amount that happens to round to zero.
  const minus =
    (typeof value === "number" && value < 0) ||
    (typeof value === "string" && value.trim().startsWith("-"));
  if (minus) return reject("negative", "amount must not be negative");
  const parsed = parseSignedDecimalToMinor(value, currency);
  if (!parsed.ok) return parsed;
  return { ok: true, amountMinor: parsed.amountMinor };
}

/**
 * Like `parseDecimalToMinor`, but a leading minus is allowed and reported in `negative`
 * (`amountMinor` is the magnitude). Only for records that are documented deltas, such as CJ
 * correction records; an order value is never negative.
 *
 * @example
 * parseSignedDecimalToMinor("-12.50", "USD") // { ok: true, amountMinor: 1_250, negative: true }
 */
export function parseSignedDecimalToMinor(value: unknown, currency: string): SignedDecimalParse {
  let text: string;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return reject("not_a_number", "amount must be a finite number");
    // String() gives the shortest text that round-trips, which for a JSON number is the
    // literal the network wrote (12.3 → "12.3"), so no binary-float error leaks in.
    text = Object.is(value, -0) ? "0" : String(value);
  } else if (typeof value === "string") {
    text = value.trim();
  } else {
    return reject("not_a_number", "amount must be a decimal string or number");
  }
  if (text.length === 0) return reject("empty", "amount is empty");
  if (text.length > MAX_INPUT_CHARS) return reject("too_large", "amount is too long");
  let negative = false;
  if (text.startsWith("-")) {
    negative = true;
    text = text.slice(1);
  }
  if (/[eE]/.test(text) && /^[\d.,]+[eE][+-]?\d+$/.test(text)) {
    return reject("exponent", "amount must not use exponent notation");
  }
  if (/^(nan|[+-]?infinity)$/i.test(text)) return reject("not_a_number", "amount is not a number");
  const match = PLAIN.exec(text) ?? GROUPED.exec(text);
  if (!match) return reject("malformed", "amount must look like 1299.00 or 1,299.00");
  const integerDigits = (match[1] ?? "").replaceAll(",", "").replace(/^0+(?=\d)/, "");
  const fractionDigits = match[2] ?? "";
  if (integerDigits.length > MAX_INTEGER_DIGITS) {
    return reject("too_large", `amount must have at most ${MAX_INTEGER_DIGITS} integer digits`);
  }
  const exponent = minorUnitExponent(currency);
  // value = digits / 10^fraction; in minor units = digits × 10^exponent / 10^fraction.
  const digits = BigInt(integerDigits + fractionDigits);
  const numerator = digits * 10n ** BigInt(exponent);
  const denominator = 10n ** BigInt(fractionDigits.length);
  const amountMinor = divRoundBig(numerator, denominator, "half_even");
  return { ok: true, amountMinor, negative: negative && amountMinor !== 0 };
}

function reject(
  reason: DecimalRejection,
  message: string,
): { ok: false; reason: DecimalRejection; message: string } {
  return { ok: false, reason, message };
}

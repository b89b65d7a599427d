import { utf8 } from "#shared/crypto/encoding";
import { minorUnitExponent } from "#shared/money/decimal";

/**
 * How values look on real networks' wires: decimal major units, naive or ISO date-times in
 * whole seconds, unix seconds. Networks other than the generic one know no milliseconds, so
 * every time here is truncated to the second (callers space changes at least a second apart).
 */

/**
 * Minor units as a decimal string in the currency's major unit, signed when negative.
 *
 * @example
 * decimal(129_900, "INR") // "1299.00"
 * decimal(-450, "USD")    // "-4.50"
 * decimal(1500, "JPY")    // "1500"
 */
export function decimal(amountMinor: number, currency: string): string {
  const exponent = minorUnitExponent(currency);
  const sign = amountMinor < 0 ? "-" : "";
  const digits = String(Math.abs(amountMinor)).padStart(exponent + 1, "0");
  if (exponent === 0) return `${sign}${digits}`;
  return `${sign}${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}

/** Whole seconds: the precision every non-generic network sends. */
export function wholeSecondsMs(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}

/** @example unixSeconds(Date.UTC(2026, 10, 21, 8, 0, 0, 250)) // "1795248000" */
export function unixSeconds(ms: number): string {
  return String(Math.floor(ms / 1000));
}

/** @example isoSecondsZ(Date.UTC(2026, 10, 21, 8)) // "2026-11-21T08:00:00Z" */
export function isoSecondsZ(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/** Admitad's naive UTC date-time. @example naiveTime(Date.UTC(2026, 10, 21, 8)) // "2026-11-21 08:00:00" */
export function naiveTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace("T", " ");
}

/**
 * Admitad's report filter times ("DD.MM.YYYY HH:MM:SS", UTC here), or null.
 *
 * @example
 * parseDottedTime("21.11.2026 08:00:00") // Date.UTC(2026, 10, 21, 8)
 */
export function parseDottedTime(text: string | null): number | null {
  if (text === null) return null;
  const m = /^(\d{2})\.(\d{2})\.(\d{4}) (\d{2}):(\d{2}):(\d{2})$/.exec(text);
  if (!m) return null;
  const ms = Date.UTC(
    Number(m[3]),
    Number(m[2]) - 1,
    Number(m[1]),
    Number(m[4]),
    Number(m[5]),
    Number(m[6]),
  );
  return Number.isFinite(ms) ? ms : null;
}

/** `user:password` for an HTTP Basic header. */
export function basicCredentials(user: string, password: string): string {
  let binary = "";
  for (const byte of utf8.encode(`${user}:${password}`)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** A whole number from a query parameter within [min, max], `fallback` when absent, else null. */
export function wholeParam(
  value: string | null,
  fallback: number,
  min: number,
  max: number,
): number | null {
  if (value === null) return fallback;
  if (!/^\d{1,9}$/.test(value)) return null;
  const n = Number(value);
  return n >= min && n <= max ? n : null;
}

/**
 * Network timestamps arrive as ISO 8601 with an offset (Impact, CJ, generic), naive local
 * date-times (Admitad reports), or unix seconds (Admitad postbacks, many templates). These
 * parsers are strict and return null instead of throwing: `Date.parse` accepts far too much
 * (and differs between runtimes), so the calendar is checked by hand.
 */

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})$/;
const NAIVE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?$/;

/**
 * Parses an ISO 8601 date-time that carries `Z` or an offset into epoch milliseconds.
 *
 * @example
 * parseIsoTime("2024-09-10T10:42:38-07:00") // 1725990158000
 * parseIsoTime("2024-02-30T00:00:00Z")      // null (no such day)
 * parseIsoTime("2024-09-10T10:42:38")       // null (no offset: ambiguous)
 */
export function parseIsoTime(text: unknown): number | null {
  if (typeof text !== "string" || text.length > 40) return null;
  const m = ISO.exec(text.trim());
  if (!m) return null;
  const local = utcFromParts(m[1], m[2], m[3], m[4], m[5], m[6], m[7]);
  if (local === null) return null;
  const zone = m[8] ?? "Z";
  if (zone === "Z") return local;
  const sign = zone.startsWith("-") ? -1 : 1;
  const digits = zone.slice(1).replace(":", "");
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2, 4));
  if (hours > 23 || minutes > 59) return null;
  return local - sign * (hours * 60 + minutes) * 60_000;
}

/**
 * Parses a date-time without a zone ("2011-02-22 19:54:34", or a bare date) as local time at
 * `utcOffsetMinutes` east of UTC.
 *
 * @example
 * parseNaiveTime("2011-02-22 19:54:34", 180) // 2011-02-22T16:54:34Z in ms
 */
export function parseNaiveTime(text: unknown, utcOffsetMinutes: number): number | null {
  if (typeof text !== "string" || text.length > 40) return null;
  const m = NAIVE.exec(text.trim());
  if (!m) return null;
  const local = utcFromParts(m[1], m[2], m[3], m[4] ?? "00", m[5] ?? "00", m[6], m[7]);
  return local === null ? null : local - utcOffsetMinutes * 60_000;
}

/**
 * Parses whole unix seconds, as a number or a digit string, into milliseconds.
 *
 * @example
 * parseUnixSeconds("1763712000") // 1763712000000
 * parseUnixSeconds(1763712000.5) // null (not whole seconds)
 */
export function parseUnixSeconds(value: unknown): number | null {
  if (typeof value === "number") {
    return Number.isSafeInteger(value) && value >= 0 && value < 1e11 ? value * 1000 : null;
  }
  if (typeof value !== "string") return null;
  const text = value.trim();
  return /^\d{1,11}$/.test(text) ? Number(text) * 1000 : null;
}

/**
 * Formats epoch milliseconds as ISO 8601 in UTC without milliseconds, the form report APIs
 * accept most widely.
 *
 * @example
 * isoSeconds(Date.UTC(2026, 10, 21)) // "2026-11-21T00:00:00Z"
 */
export function isoSeconds(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

function utcFromParts(
  year: string | undefined,
  month: string | undefined,
  day: string | undefined,
  hour: string | undefined,
  minute: string | undefined,
  second: string | undefined,
  fraction: string | undefined,
): number | null {
  const y = Number(year);
  const mo = Number(month);
  const d = Number(day);
  const h = Number(hour);
  const mi = Number(minute);
  const s = Number(second ?? "0");
  // Date.UTC maps years 0-99 to 1900-1999; no network timestamp is that old anyway.
  if (y < 1000 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return null;
  if (h > 23 || mi > 59 || s > 59) return null;
  const ms = Number((fraction ?? "").padEnd(3, "0").slice(0, 3));
  return Date.UTC(y, mo - 1, d, h, mi, s, ms);
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

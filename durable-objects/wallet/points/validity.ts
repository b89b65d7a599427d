import {
  addDays,
  addMonthsClamped,
  daysInMonth,
  type LocalDate,
  localDateOf,
  startOfLocalDay,
} from "./local-calendar";

/**
 * How long an earned lot of points stays spendable, following Voucherify's documented rules:
 * the period counts from the activity (the earn, or the activation when `from` says so) on the
 * program's calendar; the points can be spent through the whole of the last valid day and
 * expire at the local midnight after it. A month period lands on the same day number, clamped
 * to the month's end (31 Jan + 1 month → 28/29 Feb); a period of 0 ends with the day itself.
 * `roundUpTo` then extends the last valid day to the end of its month, quarter, half-year or
 * year, so members get the whole period.
 */
export interface Validity {
  /** `<n>D`, `<n>M` or `<n>Y`, e.g. `12M`, `90D`, `1Y`. */
  period: string;
  roundUpTo?: "month" | "quarter" | "half_year" | "year" | null;
  /** Where the period starts; `activation` waits for pending points to become active. */
  from?: "earn" | "activation";
}

/** Twelve months from the earn, the default. */
export const DEFAULT_VALIDITY: Validity = { period: "12M" };

export type ParsedPeriod = { unit: "D" | "M"; count: number };

const PERIOD = /^(\d{1,4})([DMY])$/;
/** Ten years: a bound on any lot's life, so a typo cannot make points immortal by accident. */
const MAX_MONTHS = 120;
const MAX_DAYS = 3_660;

/**
 * Pure: a validity period in days or months (years are 12 months), or null when malformed.
 *
 * @example
 * parsePeriod("1Y") // { unit: "M", count: 12 }
 */
export function parsePeriod(period: string): ParsedPeriod | null {
  const m = PERIOD.exec(period);
  if (!m) return null;
  const n = Number(m[1]);
  if (m[2] === "D") return n <= MAX_DAYS ? { unit: "D", count: n } : null;
  const months = m[2] === "Y" ? n * 12 : n;
  return months <= MAX_MONTHS ? { unit: "M", count: months } : null;
}

/** Pure: why a validity is refused, or null when it is usable. */
export function validityProblem(validity: Validity): string | null {
  if (parsePeriod(validity.period) === null) {
    return `validity period must be <n>D (≤ ${MAX_DAYS}), <n>M or <n>Y (≤ ${MAX_MONTHS} months), got "${validity.period}"`;
  }
  return null;
}

/** Pure: the last local day on which the points can still be spent. */
export function lastValidDay(start: LocalDate, validity: Validity): LocalDate {
  const period = parsePeriod(validity.period);
  if (period === null) throw new RangeError(validityProblem(validity) ?? "bad validity");
  const day =
    period.unit === "M" ? addMonthsClamped(start, period.count) : addDays(start, period.count);
  return roundUp(day, validity.roundUpTo ?? null);
}

function roundUp(day: LocalDate, to: Validity["roundUpTo"] | null): LocalDate {
  if (!to) return day;
  const span = to === "month" ? 1 : to === "quarter" ? 3 : to === "half_year" ? 6 : 12;
  // The last month of the span the day falls in: Mar/Jun/Sep/Dec for quarters, and so on.
  const month = Math.ceil(day.month / span) * span;
  return { year: day.year, month, day: daysInMonth(day.year, month) };
}

/**
 * Pure: when a lot started at `startMs` expires: the local midnight after its last valid day
 * in `timeZone`.
 *
 * @example
 * // 31 Jan 2027 + 1 month in UTC: spendable through 28 Feb, gone at 00:00 on 1 Mar.
 * expiresAtMs(Date.UTC(2027, 0, 31, 15), { period: "1M" }, "UTC") // Date.UTC(2027, 2, 1)
 */
export function expiresAtMs(startMs: number, validity: Validity, timeZone: string): number {
  const last = lastValidDay(localDateOf(startMs, timeZone), validity);
  return startOfLocalDay(addDays(last, 1), timeZone);
}

/**
 * Calendar arithmetic in a program's IANA time zone, with Intl only (workerd has no tz
 * database API). Points expire at a local midnight and tiers look back over local months, so
 * "the end of the month" means the month on the member's program calendar, DST included.
 */

/** A calendar day: month 1..12. */
export interface LocalDate {
  year: number;
  month: number;
  day: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when Intl knows the zone (a program's settings are validated with it). */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall clock in `timeZone` at `ms`, as a UTC timestamp with the same fields. */
function wallMs(ms: number, timeZone: string): number {
  const parts = formatter(timeZone).formatToParts(ms);
  const n = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? "0");
  const whole = Date.UTC(n("year"), n("month") - 1, n("day"), n("hour"), n("minute"), n("second"));
  return whole + (((ms % 1000) + 1000) % 1000);
}

/**
 * The local calendar day `ms` falls on.
 *
 * @example
 * localDateOf(Date.UTC(2026, 0, 31, 20), "Asia/Kolkata") // { year: 2026, month: 2, day: 1 }
 */
export function localDateOf(ms: number, timeZone: string): LocalDate {
  const d = new Date(wallMs(ms, timeZone));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/**
 * The instant a local wall time happens in `timeZone`. A wall time skipped by a DST jump
 * resolves to the instant just after the jump; a repeated one to its first occurrence.
 */
export function localWallToMs(wall: number, timeZone: string): number {
  // Guess with the offset at the wall time read as UTC, then correct once across a DST edge.
  let ms = wall - (wallMs(wall, timeZone) - wall);
  const second = wall - (wallMs(ms, timeZone) - ms);
  if (second !== ms) ms = Math.min(ms, second);
  return ms;
}

/**
 * Local midnight at the start of `date` in `timeZone`.
 *
 * @example
 * startOfLocalDay({ year: 2026, month: 3, day: 1 }, "UTC") // Date.UTC(2026, 2, 1)
 */
export function startOfLocalDay(date: LocalDate, timeZone: string): number {
  return localWallToMs(Date.UTC(date.year, date.month - 1, date.day), timeZone);
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * `date` moved by `months`, the day clamped to the target month's length (31 Jan + 1 month →
 * 28 or 29 Feb; 29 Feb + 12 months → 28 Feb).
 *
 * @example
 * addMonthsClamped({ year: 2027, month: 1, day: 31 }, 1) // { year: 2027, month: 2, day: 28 }
 */
export function addMonthsClamped(date: LocalDate, months: number): LocalDate {
  const index = date.year * 12 + (date.month - 1) + months;
  const year = Math.floor(index / 12);
  const month = (index % 12) + 1;
  return { year, month, day: Math.min(date.day, daysInMonth(year, month)) };
}

export function addDays(date: LocalDate, days: number): LocalDate {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/**
 * The instant `months` local calendar months after (or before, when negative) `ms`, at the same
 * wall time, the day clamped to the month's length: the edge of a rolling window of months.
 *
 * @example
 * shiftLocalMonths(Date.UTC(2026, 2, 31, 12), -1, "UTC") // Date.UTC(2026, 1, 28, 12)
 */
export function shiftLocalMonths(ms: number, months: number, timeZone: string): number {
  const wall = wallMs(ms, timeZone);
  const date = new Date(wall);
  const moved = addMonthsClamped(
    { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() },
    months,
  );
  const timeOfDayMs = wall - Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
  return localWallToMs(Date.UTC(moved.year, moved.month - 1, moved.day) + timeOfDayMs, timeZone);
}

/** The next local midnight strictly after `ms` (when a nightly review runs). */
export function nextLocalMidnight(ms: number, timeZone: string): number {
  return startOfLocalDay(addDays(localDateOf(ms, timeZone), 1), timeZone);
}

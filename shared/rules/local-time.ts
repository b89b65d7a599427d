/**
 * Local calendar fields of an instant in an IANA time zone, for day-of-week and time-window
 * conditions and for budget periods. Pure: the instant is an argument, never the clock.
 *
 * `Intl.DateTimeFormat#formatToParts` is slow (microseconds a call, see docs/rules.md), so
 * it is used only to learn a zone's UTC offset, once per zone and UTC hour: an hour whose
 * start and end have the same offset holds no transition (zones change offset at most once
 * in an hour), so every instant in it shares that offset and the local fields follow by
 * arithmetic. An hour with a transition in it is resolved exactly, per call.
 */

const MS_PER_MINUTE = 60_000;
const MS_PER_HOUR = 3_600_000;
const MS_PER_DAY = 86_400_000;
/** Hours of offsets kept per zone before the zone's cache starts over (about 11 weeks). */
const MAX_HOURS_PER_ZONE = 2_000;

/** Local fields of an instant. `isoDayOfWeek`: 1 = Monday … 7 = Sunday. */
export interface LocalParts {
  year: number;
  /** 1–12. */
  month: number;
  /** 1–31. */
  day: number;
  isoDayOfWeek: number;
  /** Minutes since local midnight, 0–1439. */
  minuteOfDay: number;
}

interface ZoneCache {
  format: Intl.DateTimeFormat;
  offsetByHour: Map<number, number>;
}

const zones = new Map<string, ZoneCache>();

function zoneCache(timeZone: string): ZoneCache {
  let cache = zones.get(timeZone);
  if (cache === undefined) {
    cache = {
      format: new Intl.DateTimeFormat("en-US", {
        timeZone,
        hourCycle: "h23",
        year: "numeric",
        month: "numeric",
        day: "numeric",
        hour: "numeric",
        minute: "numeric",
        second: "numeric",
      }),
      offsetByHour: new Map(),
    };
    zones.set(timeZone, cache);
  }
  return cache;
}

/**
 * True when `timeZone` is an IANA zone this runtime knows.
 *
 * @example
 * isValidTimeZone("Asia/Kolkata") // true
 * isValidTimeZone("Mars/Olympus") // false
 */
export function isValidTimeZone(timeZone: string): boolean {
  if (timeZone.length === 0) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** The zone's offset from UTC at `epochMs`, in ms, the slow exact way. */
function exactOffsetMs(format: Intl.DateTimeFormat, epochMs: number): number {
  let year = 0;
  let month = 0;
  let day = 0;
  let hour = 0;
  let minute = 0;
  let second = 0;
  for (const part of format.formatToParts(epochMs)) {
    switch (part.type) {
      case "year":
        year = Number(part.value);
        break;
      case "month":
        month = Number(part.value);
        break;
      case "day":
        day = Number(part.value);
        break;
      case "hour":
        hour = Number(part.value);
        break;
      case "minute":
        minute = Number(part.value);
        break;
      case "second":
        second = Number(part.value);
        break;
    }
  }
  const localAsUtc = Date.UTC(year, month - 1, day, hour, minute, second);
  return localAsUtc - (epochMs - mod(epochMs, 1000));
}

/**
 * The zone's UTC offset at `epochMs` in ms (positive east of Greenwich).
 *
 * @example
 * zoneOffsetMs(Date.UTC(2026, 0, 15), "Asia/Kolkata") // 19_800_000 (+05:30)
 */
export function zoneOffsetMs(epochMs: number, timeZone: string): number {
  const cache = zoneCache(timeZone);
  const hour = Math.floor(epochMs / MS_PER_HOUR);
  const cached = cache.offsetByHour.get(hour);
  if (cached !== undefined) return cached;
  const start = hour * MS_PER_HOUR;
  const atStart = exactOffsetMs(cache.format, start);
  const atEnd = exactOffsetMs(cache.format, start + MS_PER_HOUR - 1);
  if (atStart !== atEnd) return exactOffsetMs(cache.format, epochMs); // a transition inside
  if (cache.offsetByHour.size >= MAX_HOURS_PER_ZONE) cache.offsetByHour.clear();
  cache.offsetByHour.set(hour, atStart);
  return atStart;
}

/**
 * Local calendar fields of `epochMs` in `timeZone`.
 *
 * @example
 * localParts(Date.UTC(2026, 2, 29, 0, 30), "Europe/London")
 * // { year: 2026, month: 3, day: 29, isoDayOfWeek: 7, minuteOfDay: 30 } (still GMT)
 */
export function localParts(epochMs: number, timeZone: string): LocalParts {
  const local = epochMs + zoneOffsetMs(epochMs, timeZone);
  const dayNumber = Math.floor(local / MS_PER_DAY);
  const date = new Date(dayNumber * MS_PER_DAY);
  // 1970-01-01 was a Thursday (ISO 4).
  const isoDayOfWeek = mod(dayNumber + 3, 7) + 1;
  return {
    year: date.getUTCFullYear(),
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    isoDayOfWeek,
    minuteOfDay: Math.floor(mod(local, MS_PER_DAY) / MS_PER_MINUTE),
  };
}

/**
 * The ISO 8601 week (Monday start; week 1 holds the year's first Thursday) of a local date.
 *
 * @example
 * isoWeek(2027, 1, 1) // { weekYear: 2026, week: 53 }
 */
export function isoWeek(
  year: number,
  month: number,
  day: number,
): { weekYear: number; week: number } {
  const dayNumber = Math.floor(Date.UTC(year, month - 1, day) / MS_PER_DAY);
  const isoDay = mod(dayNumber + 3, 7) + 1;
  // The Thursday of this date's week decides its week-year.
  const thursday = dayNumber + (4 - isoDay);
  const weekYear = new Date(thursday * MS_PER_DAY).getUTCFullYear();
  const firstDay = Math.floor(Date.UTC(weekYear, 0, 1) / MS_PER_DAY);
  return { weekYear, week: Math.floor((thursday - firstDay) / 7) + 1 };
}

function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}

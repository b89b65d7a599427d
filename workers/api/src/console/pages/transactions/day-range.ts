/**
 * Date filters of the transaction and postback searches: the operator picks days in their own
 * time zone (`<input type="date">`), the admin API takes instants. "From 2026-12-01 to
 * 2026-12-05" means from the start of the 1st to the end of the 5th, in the operator's zone.
 */

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** How far `timeZone`'s wall clock is ahead of UTC at `atMs` (unknown zones: UTC). */
function zoneOffsetMs(atMs: number, timeZone: string): number {
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat("en-US", {
      timeZone,
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
      hourCycle: "h23",
    }).formatToParts(new Date(atMs));
  } catch {
    return 0;
  }
  const n = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const wall = Date.UTC(n("year"), n("month") - 1, n("day"), n("hour"), n("minute"), n("second"));
  return wall - Math.floor(atMs / 1000) * 1000;
}

/**
 * The instant a day starts in `timeZone`, as ISO; null for anything but a real YYYY-MM-DD.
 * `plusDays` moves to a later day first (the end of a range is the next day's start).
 *
 * @example
 * dayStartIso("2026-12-05", "Asia/Kolkata"); // "2026-12-04T18:30:00.000Z"
 */
export function dayStartIso(day: string, timeZone: string, plusDays = 0): string | null {
  const match = DAY.exec(day);
  if (!match) return null;
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const midnightUtc = Date.UTC(y, m - 1, d + plusDays);
  const check = new Date(Date.UTC(y, m - 1, d));
  if (check.getUTCMonth() !== m - 1 || check.getUTCDate() !== d) return null;
  // The offset at the guess can differ from the offset at the answer across a DST change.
  const guess = midnightUtc - zoneOffsetMs(midnightUtc, timeZone);
  return new Date(midnightUtc - zoneOffsetMs(guess, timeZone)).toISOString();
}

/**
 * The admin API's `from`/`to` for the days the operator picked; a day that is not a date is
 * passed through unchanged, so the API names it in its problem answer.
 */
export function dayRange(
  from: string | undefined,
  to: string | undefined,
  timeZone: string,
): { from?: string; to?: string } {
  const range: { from?: string; to?: string } = {};
  if (from) range.from = dayStartIso(from, timeZone) ?? from;
  if (to) range.to = dayStartIso(to, timeZone, 1) ?? to;
  return range;
}

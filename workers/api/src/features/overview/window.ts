import { MS_PER_DAY, utcDay } from "#shared/time/clock";

/**
 * The overview's time window and its per-day series: pure, no I/O. Days are UTC calendar
 * days, the grain of click rollups, so clicks, conversions and cashback line up day by day.
 */

export const OVERVIEW_WINDOW_DAYS = 30;

export interface OverviewWindow {
  /** Start of the first day (UTC midnight), inclusive. */
  fromMs: number;
  /** End of the last day ("today"), exclusive. */
  toMs: number;
  /** Start of today, inclusive. */
  todayFromMs: number;
  /** Every day of the window, oldest first, YYYY-MM-DD. */
  days: string[];
}

/**
 * The `windowDays` UTC days ending with the day of `asOfMs` ("today" is the last of them).
 *
 * @example
 * overviewWindow(Date.parse("2026-03-05T10:00:00Z"), 2).days; // ["2026-03-04", "2026-03-05"]
 */
export function overviewWindow(asOfMs: number, windowDays = OVERVIEW_WINDOW_DAYS): OverviewWindow {
  const todayFromMs = Math.floor(asOfMs / MS_PER_DAY) * MS_PER_DAY;
  const fromMs = todayFromMs - (windowDays - 1) * MS_PER_DAY;
  const days: string[] = [];
  for (let i = 0; i < windowDays; i++) days.push(utcDay(fromMs + i * MS_PER_DAY));
  return { fromMs, toMs: todayFromMs + MS_PER_DAY, todayFromMs, days };
}

/**
 * One value per day of `days` from sparse rows: days without a row are 0, rows for days
 * outside the list are ignored, and rows for the same day add up.
 *
 * @example
 * perDay(["d1", "d2"], [{ day: "d2", value: 3 }]); // [{ day: "d1", value: 0 }, { day: "d2", value: 3 }]
 */
export function perDay(
  days: readonly string[],
  rows: ReadonlyArray<{ day: string; value: number }>,
): Array<{ day: string; value: number }> {
  const byDay = new Map<string, number>(days.map((d) => [d, 0]));
  for (const row of rows) {
    const current = byDay.get(row.day);
    if (current !== undefined) byDay.set(row.day, current + row.value);
  }
  return days.map((day) => ({ day, value: byDay.get(day) ?? 0 }));
}

import { AppError } from "#shared/http/errors";
import { MS_PER_DAY, utcDay } from "#shared/time/clock";

export const DEFAULT_RANGE_DAYS = 30;
export const MAX_RANGE_DAYS = 366;

export interface AnalyticsRange {
  /** First UTC day, included. */
  from: string;
  /** Last UTC day, included. */
  to: string;
  days: number;
  /** The period of the same length just before, for comparison. */
  previous: { from: string; to: string };
}

const dayMs = (day: string) => Date.parse(`${day}T00:00:00Z`);

/**
 * Pure: the analytics range from a query of UTC days, both included: `to` defaults to today,
 * `from` to 29 days before `to`; the previous period is as many days ending the day before
 * `from`. An inverted or over-long range is a 400 that names the field.
 *
 * @example
 * analyticsRange({ from: "2026-03-01", to: "2026-03-10" }, now);
 * // { from: "2026-03-01", to: "2026-03-10", days: 10,
 * //   previous: { from: "2026-02-19", to: "2026-02-28" } }
 */
export function analyticsRange(
  query: { from?: string; to?: string },
  nowMs: number,
): AnalyticsRange {
  const to = query.to ?? utcDay(nowMs);
  const from = query.from ?? utcDay(dayMs(to) - (DEFAULT_RANGE_DAYS - 1) * MS_PER_DAY);
  const fromMs = dayMs(from);
  const toMs = dayMs(to);
  if (fromMs > toMs) {
    throw new AppError("validation_failed", "from must not be after to", [
      { path: "from", message: "must not be after to" },
    ]);
  }
  const days = Math.round((toMs - fromMs) / MS_PER_DAY) + 1;
  if (days > MAX_RANGE_DAYS) {
    throw new AppError("validation_failed", `the range spans at most ${MAX_RANGE_DAYS} days`, [
      { path: "from", message: `at most ${MAX_RANGE_DAYS} days before to` },
    ]);
  }
  return {
    from,
    to,
    days,
    previous: {
      from: utcDay(fromMs - days * MS_PER_DAY),
      to: utcDay(fromMs - MS_PER_DAY),
    },
  };
}

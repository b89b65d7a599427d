import { AppError } from "#shared/http/errors";
import { MS_PER_DAY } from "#shared/time/clock";

export const DEFAULT_FUNNEL_RANGE_DAYS = 30;
export const MAX_FUNNEL_RANGE_DAYS = 366;

/**
 * Pure: the funnel's [from, to) range from its query: `to` defaults to now and `from` to
 * 30 days before `to`; a range that is empty, inverted or longer than 366 days is a 400 that
 * names the field.
 *
 * @example
 * funnelRange({}, Date.parse("2026-03-31T00:00:00Z")); // 2026-03-01 → 2026-03-31
 */
export function funnelRange(
  query: { from?: string; to?: string },
  nowMs: number,
): { fromMs: number; toMs: number } {
  const toMs = query.to ? Date.parse(query.to) : nowMs;
  const fromMs = query.from
    ? Date.parse(query.from)
    : toMs - DEFAULT_FUNNEL_RANGE_DAYS * MS_PER_DAY;
  if (fromMs >= toMs) {
    throw new AppError("validation_failed", "from must be before to", [
      { path: "from", message: "must be before to" },
    ]);
  }
  if (toMs - fromMs > MAX_FUNNEL_RANGE_DAYS * MS_PER_DAY) {
    throw new AppError(
      "validation_failed",
      `the range spans at most ${MAX_FUNNEL_RANGE_DAYS} days`,
      [{ path: "from", message: `at most ${MAX_FUNNEL_RANGE_DAYS} days before to` }],
    );
  }
  return { fromMs, toMs };
}

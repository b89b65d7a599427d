/**
 * Duration buckets for the analytics distributions (docs/analytics.md): time from click to
 * conversion and from conversion to confirmation. One list of upper bounds per measure; the
 * D1 rollup's CASE expression is built from the same list (bucketCaseSql), so the SQL and the
 * table tests cannot disagree.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export type LatencyMeasure = "conversion" | "confirmation";

/** Exclusive upper bounds in ms; the last bucket is open-ended. */
export const BUCKET_BOUNDS_MS: Readonly<Record<LatencyMeasure, readonly number[]>> = {
  conversion: [HOUR, 6 * HOUR, DAY, 3 * DAY, 7 * DAY, 30 * DAY],
  confirmation: [DAY, 7 * DAY, 30 * DAY, 60 * DAY, 90 * DAY],
};

function durationLabel(ms: number): string {
  return ms % DAY === 0 ? `${ms / DAY} d` : `${ms / HOUR} h`;
}

/**
 * The bucket a duration falls in: the first bound it is below; negative durations (clock
 * skew between networks) count in the first bucket.
 *
 * @example
 * bucketOf("conversion", 30 * 60_000); // 0 (under 1 h)
 * bucketOf("confirmation", 100 * 86_400_000); // 5 (90 d and more)
 */
export function bucketOf(measure: LatencyMeasure, durationMs: number): number {
  const bounds = BUCKET_BOUNDS_MS[measure];
  for (let i = 0; i < bounds.length; i++) if (durationMs < (bounds[i] as number)) return i;
  return bounds.length;
}

/** Human labels of a measure's buckets, in order: "< 1 h", "1 h – 6 h", …, "≥ 30 d". */
export function bucketLabels(measure: LatencyMeasure): string[] {
  const bounds = BUCKET_BOUNDS_MS[measure];
  return [...bounds, Number.POSITIVE_INFINITY].map((upper, i) => {
    if (i === 0) return `< ${durationLabel(upper)}`;
    const lower = durationLabel(bounds[i - 1] as number);
    return Number.isFinite(upper) ? `${lower} – ${durationLabel(upper)}` : `≥ ${lower}`;
  });
}

/**
 * A SQL CASE expression giving the bucket of `durationSql` (an expression in ms), from the
 * same bounds as bucketOf.
 *
 * @example
 * bucketCaseSql("confirmation", "t.confirmed_at_ms - t.converted_at_ms");
 */
export function bucketCaseSql(measure: LatencyMeasure, durationSql: string): string {
  const bounds = BUCKET_BOUNDS_MS[measure];
  const whens = bounds.map((b, i) => `WHEN (${durationSql}) < ${b} THEN ${i}`).join(" ");
  return `CASE ${whens} ELSE ${bounds.length} END`;
}

/**
 * The Monday (UTC) of the week holding `ms`, as YYYY-MM-DD: a signup cohort's name.
 *
 * @example
 * signupWeek(Date.parse("2026-03-08T23:00:00Z")); // "2026-03-02" (a Sunday → its Monday)
 */
export function signupWeek(ms: number): string {
  const day = Math.floor(ms / DAY);
  // 1970-01-01 was a Thursday: days since the epoch + 3, mod 7, is days since Monday.
  const sinceMonday = (((day + 3) % 7) + 7) % 7;
  return new Date((day - sinceMonday) * DAY).toISOString().slice(0, 10);
}

/** SQLite's expression for signupWeek over a column in ms (same result, tested together). */
export function signupWeekSql(msSql: string): string {
  return `date((${msSql}) / 1000, 'unixepoch', 'weekday 0', '-6 days')`;
}

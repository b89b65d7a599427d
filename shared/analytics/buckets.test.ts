import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  BUCKET_BOUNDS_MS,
  bucketCaseSql,
  bucketLabels,
  bucketOf,
  type LatencyMeasure,
  signupWeek,
  signupWeekSql,
} from "./buckets";

const MIN = 60_000;
const H = 60 * MIN;
const D = 24 * H;

describe("bucketOf", () => {
  const cases: Array<[LatencyMeasure, number, number]> = [
    ["conversion", -5 * MIN, 0],
    ["conversion", 0, 0],
    ["conversion", H - 1, 0],
    ["conversion", H, 1],
    ["conversion", 6 * H - 1, 1],
    ["conversion", 6 * H, 2],
    ["conversion", D, 3],
    ["conversion", 3 * D, 4],
    ["conversion", 7 * D, 5],
    ["conversion", 30 * D - 1, 5],
    ["conversion", 30 * D, 6],
    ["conversion", 400 * D, 6],
    ["confirmation", 0, 0],
    ["confirmation", D, 1],
    ["confirmation", 7 * D, 2],
    ["confirmation", 45 * D, 3],
    ["confirmation", 60 * D, 4],
    ["confirmation", 89 * D, 4],
    ["confirmation", 90 * D, 5],
  ];
  it.each(cases)("%s after %i ms is bucket %i", (measure, ms, bucket) => {
    expect(bucketOf(measure, ms)).toBe(bucket);
  });
});

describe("bucketLabels", () => {
  it("names every bucket, the last open-ended", () => {
    expect(bucketLabels("conversion")).toEqual([
      "< 1 h",
      "1 h – 6 h",
      "6 h – 1 d",
      "1 d – 3 d",
      "3 d – 7 d",
      "7 d – 30 d",
      "≥ 30 d",
    ]);
    expect(bucketLabels("confirmation")).toHaveLength(BUCKET_BOUNDS_MS.confirmation.length + 1);
  });
});

describe("bucketCaseSql agrees with bucketOf in D1", () => {
  const durations = [-1, 0, H - 1, H, 5 * H, 23 * H, D, 2 * D, 6 * D, 20 * D, 31 * D, 95 * D];
  it.each(["conversion", "confirmation"] as const)("%s", async (measure) => {
    for (const ms of durations) {
      const row = await env.DB.prepare(`SELECT ${bucketCaseSql(measure, "?1")} AS b`)
        .bind(ms)
        .first<{ b: number }>();
      expect(row?.b, `${measure} ${ms}`).toBe(bucketOf(measure, ms));
    }
  });
});

describe("signupWeek", () => {
  const cases: Array<[string, string]> = [
    ["2026-03-02T00:00:00Z", "2026-03-02"], // a Monday
    ["2026-03-08T23:59:59Z", "2026-03-02"], // its Sunday
    ["2026-03-09T00:00:00Z", "2026-03-09"],
    ["2026-01-01T12:00:00Z", "2025-12-29"], // across a year
    ["1970-01-01T00:00:00Z", "1969-12-29"],
  ];
  it.each(cases)("%s is in the week of %s", async (iso, monday) => {
    const ms = Date.parse(iso);
    expect(signupWeek(ms)).toBe(monday);
    const row = await env.DB.prepare(`SELECT ${signupWeekSql("?1")} AS w`)
      .bind(ms)
      .first<{ w: string }>();
    expect(row?.w).toBe(monday);
  });
});

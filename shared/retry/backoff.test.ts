import { describe, expect, test } from "vitest";
import { exponentialBackoff } from "./backoff";

describe("exponentialBackoff", () => {
  test.each([
    ["first attempt waits the base", 1, { base: 30, cap: 3_600 }, 30],
    ["second attempt doubles", 2, { base: 30, cap: 3_600 }, 60],
    ["fifth attempt", 5, { base: 30, cap: 3_600 }, 480],
    ["capped", 10, { base: 30, cap: 3_600 }, 3_600],
    ["attempt 0 is treated as the first", 0, { base: 10, cap: 60 }, 10],
    ["negative attempt is treated as the first", -3, { base: 10, cap: 60 }, 10],
    ["huge attempt stays at the cap, never Infinity", 10_000, { base: 5, cap: 300 }, 300],
    ["zero base never waits", 7, { base: 0, cap: 300 }, 0],
    ["fractional attempt floors", 2.9, { base: 10, cap: 1_000 }, 20],
  ])("%s", (_label, attempt, bounds, expected) => {
    expect(exponentialBackoff(attempt, bounds)).toBe(expected);
  });
});

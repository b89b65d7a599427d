import { describe, expect, test } from "vitest";
import { MAX_PAGE_ROWS, MAX_PAYOUT_PAGE_ROWS, rowsToFetch } from "./paging";

describe("rowsToFetch", () => {
  test.each([
    ["a normal page gets one look-ahead row", 50, MAX_PAGE_ROWS, 51],
    ["the largest page", 200, MAX_PAGE_ROWS, 201],
    ["above the bound is clamped", 5_000, MAX_PAGE_ROWS, 201],
    ["zero asks for one row", 0, MAX_PAGE_ROWS, 2],
    ["negative asks for one row", -10, MAX_PAGE_ROWS, 2],
    ["payout pages are smaller", 500, MAX_PAYOUT_PAGE_ROWS, 101],
  ])("%s", (_label, limit, max, expected) => {
    expect(rowsToFetch(limit, max)).toBe(expected);
  });
});

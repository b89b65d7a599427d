import { expect, test } from "vitest";
import { MAX_PAGE_ROWS, MAX_PAYOUT_PAGE_ROWS } from "#shared/paging";
import { pageRows } from "./page";

test.each([
  { label: "zero asks for one", rows: 0, max: MAX_PAGE_ROWS, want: 1 },
  { label: "within the bound", rows: 51, max: MAX_PAGE_ROWS, want: 51 },
  { label: "a page plus its look-ahead row", rows: 201, max: MAX_PAGE_ROWS, want: 201 },
  { label: "beyond the bound", rows: 10_000, max: MAX_PAGE_ROWS, want: 201 },
  { label: "payout pages are smaller", rows: 10_000, max: MAX_PAYOUT_PAGE_ROWS, want: 101 },
])("$label → $want", ({ rows, max, want }) => {
  expect(pageRows(rows, max)).toBe(want);
});

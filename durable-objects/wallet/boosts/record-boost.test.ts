import { describe, expect, test } from "vitest";
import type { BudgetReserveResult } from "../../budget/index";
import { grantOf } from "./record-boost";

describe("grantOf", () => {
  const answer = (status: BudgetReserveResult["status"], seq: number, granted: number) => ({
    status,
    seq,
    granted,
  });
  test.each([
    {
      label: "granted for the request asked",
      asked: 2,
      result: answer("granted", 2, 300),
      want: 300,
    },
    {
      label: "a repeat of the request asked",
      asked: 2,
      result: answer("repeat", 2, 300),
      want: 300,
    },
    {
      label: "an answer to another request is dropped",
      asked: 3,
      result: answer("granted", 2, 300),
      want: null,
    },
    {
      label: "another currency grants nothing",
      asked: 2,
      result: answer("unit_mismatch", 0, 0),
      want: 0,
    },
  ])("$label → $want", ({ asked, result, want }) => {
    expect(grantOf({ seq: asked }, result)).toBe(want);
  });
});

import { describe, expect, it } from "vitest";
import {
  allotmentHolder,
  isAllotmentHolder,
  isBudgetPart,
  partName,
  partOfHolder,
  splitShares,
} from "./parts";

/** The pure half of budget parts: the split, the names, the holder's part. */
describe("splitShares", () => {
  it.each([
    [10_000, 4, [2_500, 2_500, 2_500, 2_500]],
    [10_003, 4, [2_501, 2_501, 2_501, 2_500]],
    [3, 4, [1, 1, 1, 0]],
    [0, 3, [0, 0, 0]],
    [7, 1, [7]],
  ])("%i over %i parts is %j, summing to it exactly", (value, parts, shares) => {
    expect(splitShares(value, parts)).toEqual(shares);
    expect(splitShares(value, parts).reduce((a, b) => a + b, 0)).toBe(value);
  });

  it("refuses a fractional or negative value and a part count outside 1–64", () => {
    expect(() => splitShares(1.5, 2)).toThrow(RangeError);
    expect(() => splitShares(-1, 2)).toThrow(RangeError);
    expect(() => splitShares(10, 0)).toThrow(RangeError);
    expect(() => splitShares(10, 65)).toThrow(RangeError);
  });
});

describe("names and places", () => {
  it("names a part after its key, and no user id is an allotment holder", () => {
    expect(partName("rule:campaign.d:campaign:d:lifetime", { parts: 4, index: 2 })).toBe(
      "rule:campaign.d:campaign:d:lifetime#2/4",
    );
    expect(allotmentHolder({ parts: 4, index: 2 })).toBe("part:4:2");
    expect(isAllotmentHolder("part:4:2")).toBe(true);
    expect(isAllotmentHolder("u_part-1")).toBe(false);
  });

  it("places a holder by the shard hash, stably, and everyone in the root at k = 1", () => {
    expect(partOfHolder("u9", 1)).toEqual({ parts: 1, index: 0 });
    const spread = new Set(Array.from({ length: 64 }, (_, i) => partOfHolder(`u${i}`, 4).index));
    expect(spread).toEqual(new Set([0, 1, 2, 3]));
    expect(partOfHolder("u9", 4)).toEqual(partOfHolder("u9", 4));
  });

  it("knows a part of a split layout", () => {
    expect(isBudgetPart({ parts: 4, index: 3 })).toBe(true);
    expect(isBudgetPart({ parts: 4, index: 4 })).toBe(false);
    expect(isBudgetPart({ parts: 1, index: 0 })).toBe(false);
    expect(isBudgetPart({ parts: 65, index: 0 })).toBe(false);
  });
});

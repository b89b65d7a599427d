import { describe, expect, it } from "vitest";
import { dayChunks, daysBetween } from "./rollups";

describe("dayChunks", () => {
  const cases: Array<[string[], number, string[][]]> = [
    [[], 3, []],
    [["2026-03-02", "2026-03-01", "2026-03-02"], 3, [["2026-03-01", "2026-03-02"]]],
    [["d", "2026-3-1", "2026-03-01"], 3, [["2026-03-01"]]],
    [
      ["2026-03-04", "2026-03-03", "2026-03-02", "2026-03-01"],
      3,
      [["2026-03-01", "2026-03-02", "2026-03-03"], ["2026-03-04"]],
    ],
  ];
  it.each(cases)("%j in chunks of %i", (days, size, chunks) => {
    expect(dayChunks(days, size)).toEqual(chunks);
  });
});

describe("daysBetween", () => {
  it("includes both ends' days", () => {
    expect(
      daysBetween(Date.parse("2026-02-27T23:00:00Z"), Date.parse("2026-03-01T01:00:00Z")),
    ).toEqual(["2026-02-27", "2026-02-28", "2026-03-01"]);
  });
  it("gives one day for one instant", () => {
    const t = Date.parse("2026-03-01T12:00:00Z");
    expect(daysBetween(t, t)).toEqual(["2026-03-01"]);
  });
});

import { describe, expect, test } from "vitest";
import { isoSeconds, parseIsoTime, parseNaiveTime, parseUnixSeconds } from "./time";

describe("parseIsoTime", () => {
  test.each([
    { text: "2024-09-10T10:42:38-07:00", want: Date.UTC(2024, 8, 10, 17, 42, 38) },
    { text: "2024-09-10T10:42:38Z", want: Date.UTC(2024, 8, 10, 10, 42, 38) },
    { text: "2024-09-10T10:42:38.123456Z", want: Date.UTC(2024, 8, 10, 10, 42, 38, 123) },
    { text: "2024-09-10T16:12:38+0530", want: Date.UTC(2024, 8, 10, 10, 42, 38) },
    { text: "2024-02-29T00:00:00Z", want: Date.UTC(2024, 1, 29) },
    { text: "2018-05-03 22:31:48Z", want: Date.UTC(2018, 4, 3, 22, 31, 48) },
  ])("$text", ({ text, want }) => {
    expect(parseIsoTime(text)).toBe(want);
  });
  test.each([
    "2023-02-29T00:00:00Z",
    "2024-09-10T10:42:38",
    "2024-13-01T00:00:00Z",
    "2024-09-10T24:00:00Z",
    "yesterday",
    "",
    "0099-01-01T00:00:00Z",
  ])("refuses %s", (text) => {
    expect(parseIsoTime(text)).toBeNull();
  });
  test("refuses non-strings", () => {
    expect(parseIsoTime(1_700_000_000)).toBeNull();
    expect(parseIsoTime({ toString: () => "2024-01-01T00:00:00Z" })).toBeNull();
  });
});

describe("parseNaiveTime", () => {
  test("applies the configured offset", () => {
    expect(parseNaiveTime("2011-02-22 19:54:34", 180)).toBe(Date.UTC(2011, 1, 22, 16, 54, 34));
    expect(parseNaiveTime("2011-02-22", 0)).toBe(Date.UTC(2011, 1, 22));
  });
});

describe("parseUnixSeconds", () => {
  test.each([
    { value: "1763712000", want: 1_763_712_000_000 },
    { value: 1_763_712_000, want: 1_763_712_000_000 },
    { value: "1763712000.5", want: null },
    { value: "-5", want: null },
    { value: "1763712000000", want: null },
    { value: 1.5, want: null },
  ])("$value", ({ value, want }) => {
    expect(parseUnixSeconds(value)).toBe(want);
  });
});

test("isoSeconds drops milliseconds", () => {
  expect(isoSeconds(Date.UTC(2026, 10, 21, 1, 2, 3, 456))).toBe("2026-11-21T01:02:03Z");
});

import { describe, expect, test } from "vitest";
import { dayRange, dayStartIso } from "./day-range";

describe("the day a filter names, in the operator's zone", () => {
  test.each([
    { label: "UTC", day: "2026-12-05", zone: "UTC", plus: 0, iso: "2026-12-05T00:00:00.000Z" },
    {
      label: "ahead of UTC",
      day: "2026-12-05",
      zone: "Asia/Kolkata",
      plus: 0,
      iso: "2026-12-04T18:30:00.000Z",
    },
    {
      label: "behind UTC",
      day: "2026-07-01",
      zone: "America/New_York",
      plus: 0,
      iso: "2026-07-01T04:00:00.000Z",
    },
    {
      label: "the next day (end of a range)",
      day: "2026-12-31",
      zone: "UTC",
      plus: 1,
      iso: "2027-01-01T00:00:00.000Z",
    },
    {
      label: "a DST change day",
      day: "2026-03-29",
      zone: "Europe/Berlin",
      plus: 0,
      iso: "2026-03-28T23:00:00.000Z",
    },
    {
      label: "an unknown zone falls back to UTC",
      day: "2026-12-05",
      zone: "Mars/Base",
      plus: 0,
      iso: "2026-12-05T00:00:00.000Z",
    },
  ])("$label", ({ day, zone, plus, iso }) => {
    expect(dayStartIso(day, zone, plus)).toBe(iso);
  });

  test.each([
    { label: "not a date", day: "yesterday" },
    { label: "no such day", day: "2026-02-30" },
    { label: "a time", day: "2026-12-05T10:00" },
  ])("refuses $label", ({ day }) => {
    expect(dayStartIso(day, "UTC")).toBeNull();
  });

  test.each([
    {
      label: "both ends, the end inclusive",
      from: "2026-12-01",
      to: "2026-12-05",
      range: { from: "2026-12-01T00:00:00.000Z", to: "2026-12-06T00:00:00.000Z" },
    },
    { label: "no dates", from: undefined, to: undefined, range: {} },
    {
      label: "a bad date goes to the API as typed",
      from: "soon",
      to: undefined,
      range: { from: "soon" },
    },
  ])("range: $label", ({ from, to, range }) => {
    expect(dayRange(from, to, "UTC")).toEqual(range);
  });
});

import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { budgetKey, periodKey } from "./budget-keys";
import { isoWeek, isValidTimeZone, localParts, zoneOffsetMs } from "./local-time";

const utc = (iso: string) => Date.parse(iso);

describe("localParts", () => {
  test.each([
    {
      label: "London, the last GMT minute before the spring change",
      at: "2026-03-29T00:59:00Z",
      zone: "Europe/London",
      want: { year: 2026, month: 3, day: 29, isoDayOfWeek: 7, minuteOfDay: 59 },
    },
    {
      label: "London, the first BST minute (01:00 UTC is 02:00 local)",
      at: "2026-03-29T01:00:00Z",
      zone: "Europe/London",
      want: { year: 2026, month: 3, day: 29, isoDayOfWeek: 7, minuteOfDay: 120 },
    },
    {
      label: "London, autumn: 00:30 UTC is 01:30 BST",
      at: "2026-10-25T00:30:00Z",
      zone: "Europe/London",
      want: { year: 2026, month: 10, day: 25, isoDayOfWeek: 7, minuteOfDay: 90 },
    },
    {
      label: "London, autumn: 01:30 UTC is 01:30 GMT (the repeated hour)",
      at: "2026-10-25T01:30:00Z",
      zone: "Europe/London",
      want: { year: 2026, month: 10, day: 25, isoDayOfWeek: 7, minuteOfDay: 90 },
    },
    {
      label: "New York, spring forward: 07:00 UTC is 03:00 EDT",
      at: "2026-03-08T07:00:00Z",
      zone: "America/New_York",
      want: { year: 2026, month: 3, day: 8, isoDayOfWeek: 7, minuteOfDay: 180 },
    },
    {
      label: "New York, still the previous local day",
      at: "2026-03-01T04:59:00Z",
      zone: "America/New_York",
      want: { year: 2026, month: 2, day: 28, isoDayOfWeek: 6, minuteOfDay: 23 * 60 + 59 },
    },
    {
      label: "Kolkata, half-hour offset crosses midnight",
      at: "2026-01-31T18:30:00Z",
      zone: "Asia/Kolkata",
      want: { year: 2026, month: 2, day: 1, isoDayOfWeek: 7, minuteOfDay: 0 },
    },
    {
      label: "Auckland, summer (+13) is already the next day",
      at: "2026-01-01T11:00:00Z",
      zone: "Pacific/Auckland",
      want: { year: 2026, month: 1, day: 2, isoDayOfWeek: 5, minuteOfDay: 0 },
    },
    {
      label: "Auckland, DST ends 5 April 2026: 14:00 UTC is 02:00 NZST",
      at: "2026-04-04T14:00:00Z",
      zone: "Pacific/Auckland",
      want: { year: 2026, month: 4, day: 5, isoDayOfWeek: 7, minuteOfDay: 120 },
    },
    {
      label: "UTC, leap day",
      at: "2028-02-29T12:34:00Z",
      zone: "UTC",
      want: { year: 2028, month: 2, day: 29, isoDayOfWeek: 2, minuteOfDay: 12 * 60 + 34 },
    },
  ])("$label", ({ at, zone, want }) => {
    expect(localParts(utc(at), zone)).toEqual(want);
  });

  // The hour cache must agree with the exact (slow) computation at every instant, across
  // transitions; Intl itself is the oracle.
  test("agrees with Intl at random instants in zones with transitions", () => {
    const zones = [
      "Europe/London",
      "America/New_York",
      "Asia/Kolkata",
      "Pacific/Auckland",
      "Australia/Lord_Howe",
    ];
    fc.assert(
      fc.property(
        fc.integer({ min: utc("2020-01-01T00:00:00Z"), max: utc("2035-01-01T00:00:00Z") }),
        fc.constantFrom(...zones),
        (at, zone) => {
          const parts = new Intl.DateTimeFormat("en-US", {
            timeZone: zone,
            hourCycle: "h23",
            year: "numeric",
            month: "numeric",
            day: "numeric",
            hour: "numeric",
            minute: "numeric",
            weekday: "short",
          }).formatToParts(at);
          const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
          const local = localParts(at, zone);
          expect(local.year).toBe(Number(get("year")));
          expect(local.month).toBe(Number(get("month")));
          expect(local.day).toBe(Number(get("day")));
          expect(local.minuteOfDay).toBe(Number(get("hour")) * 60 + Number(get("minute")));
          expect(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][local.isoDayOfWeek - 1]).toBe(
            get("weekday"),
          );
        },
      ),
      { numRuns: 2_000 },
    );
  });

  test("offset around a transition is exact to the millisecond", () => {
    const change = utc("2026-03-29T01:00:00Z");
    expect(zoneOffsetMs(change - 1, "Europe/London")).toBe(0);
    expect(zoneOffsetMs(change, "Europe/London")).toBe(3_600_000);
  });
});

describe("isValidTimeZone", () => {
  test.each([
    { label: "IANA zone", zone: "Asia/Kolkata", want: true },
    { label: "UTC", zone: "UTC", want: true },
    { label: "unknown", zone: "Mars/Olympus", want: false },
    { label: "empty", zone: "", want: false },
    { label: "offset text", zone: "+05:30x", want: false },
  ])("$label", ({ zone, want }) => {
    expect(isValidTimeZone(zone)).toBe(want);
  });
});

describe("isoWeek", () => {
  test.each([
    {
      label: "Thursday 1 Jan 2026 is week 1",
      date: [2026, 1, 1],
      want: { weekYear: 2026, week: 1 },
    },
    {
      label: "Monday 29 Dec 2025 is week 1 of 2026",
      date: [2025, 12, 29],
      want: { weekYear: 2026, week: 1 },
    },
    {
      label: "Friday 1 Jan 2027 is week 53 of 2026",
      date: [2027, 1, 1],
      want: { weekYear: 2026, week: 53 },
    },
    {
      label: "Sunday 3 Jan 2027 is still week 53",
      date: [2027, 1, 3],
      want: { weekYear: 2026, week: 53 },
    },
    {
      label: "Monday 4 Jan 2027 is week 1 of 2027",
      date: [2027, 1, 4],
      want: { weekYear: 2027, week: 1 },
    },
    {
      label: "Sunday 29 Mar 2026 is week 13",
      date: [2026, 3, 29],
      want: { weekYear: 2026, week: 13 },
    },
  ])("$label", ({ date, want }) => {
    const [y, m, d] = date as [number, number, number];
    expect(isoWeek(y, m, d)).toEqual(want);
  });
});

describe("periodKey", () => {
  test.each([
    {
      label: "month in UTC",
      period: "month",
      at: "2026-03-15T12:00:00Z",
      zone: "UTC",
      want: "month:2026-03",
    },
    {
      label: "month end: 31 Mar 20:00 UTC is April in Kolkata",
      period: "month",
      at: "2026-03-31T20:00:00Z",
      zone: "Asia/Kolkata",
      want: "month:2026-04",
    },
    {
      label: "month end: 1 Mar 03:00 UTC is still February in New York",
      period: "month",
      at: "2026-03-01T03:00:00Z",
      zone: "America/New_York",
      want: "month:2026-02",
    },
    {
      label: "month end in a leap year: 29 Feb in Auckland",
      period: "month",
      at: "2028-02-29T10:00:00Z",
      zone: "Pacific/Auckland",
      want: "month:2028-02",
    },
    {
      label: "year end: 31 Dec 11:00 UTC is 1 Jan in Auckland",
      period: "month",
      at: "2026-12-31T11:00:00Z",
      zone: "Pacific/Auckland",
      want: "month:2027-01",
    },
    {
      label: "day across London's spring change (23-hour day)",
      period: "day",
      at: "2026-03-29T22:59:00Z",
      zone: "Europe/London",
      want: "day:2026-03-29",
    },
    {
      label: "day: 23:00 UTC on the spring change is the next London day",
      period: "day",
      at: "2026-03-29T23:00:00Z",
      zone: "Europe/London",
      want: "day:2026-03-30",
    },
    {
      label: "day: the autumn change's 25-hour day still ends at local midnight",
      period: "day",
      at: "2026-10-25T23:59:00Z",
      zone: "Europe/London",
      want: "day:2026-10-25",
    },
    {
      label: "day: New York, 04:30 UTC after the fall change is the previous day",
      period: "day",
      at: "2026-11-02T04:30:00Z",
      zone: "America/New_York",
      want: "day:2026-11-01",
    },
    {
      label: "week: Sunday night in New York is the week of its Monday",
      period: "week",
      at: "2026-03-09T03:30:00Z",
      zone: "America/New_York",
      want: "week:2026-W10",
    },
    {
      label: "week: Monday 00:15 in Kolkata starts the next week",
      period: "week",
      at: "2026-03-08T18:45:00Z",
      zone: "Asia/Kolkata",
      want: "week:2026-W11",
    },
    {
      label: "week at the year's edge uses the ISO week-year",
      period: "week",
      at: "2027-01-02T12:00:00Z",
      zone: "Europe/London",
      want: "week:2026-W53",
    },
    {
      label: "week: Auckland on Monday 4 Jan 2027 (still Sunday in UTC)",
      period: "week",
      at: "2027-01-03T12:00:00Z",
      zone: "Pacific/Auckland",
      want: "week:2027-W01",
    },
    {
      label: "lifetime",
      period: "lifetime",
      at: "2026-03-01T00:00:00Z",
      zone: "UTC",
      want: "lifetime",
    },
  ] as const)("$label", ({ period, at, zone, want }) => {
    expect(periodKey(period, utc(at), zone)).toBe(want);
  });
});

describe("budgetKey", () => {
  const atMs = utc("2026-03-15T12:00:00Z");
  test.each([
    {
      label: "user per month",
      entity: "user",
      entityId: "u9",
      period: "month",
      want: "rule:r1:user:u9:month:2026-03",
    },
    {
      label: "campaign per day",
      entity: "campaign",
      entityId: "c7",
      period: "day",
      want: "rule:r1:campaign:c7:day:2026-03-15",
    },
    {
      label: "global per week",
      entity: "global",
      entityId: undefined,
      period: "week",
      want: "rule:r1:global:week:2026-W11",
    },
    {
      label: "user lifetime",
      entity: "user",
      entityId: "u9",
      period: "lifetime",
      want: "rule:r1:user:u9:lifetime",
    },
    {
      label: "a colon (or percent) in an id is encoded, so no two budgets share a key",
      entity: "user",
      entityId: "op:u9%",
      period: "lifetime",
      want: "rule:r1:user:op%3Au9%25:lifetime",
    },
  ] as const)("$label", ({ entity, entityId, period, want }) => {
    expect(
      budgetKey({ ruleId: "r1", entity, entityId, period, atMs, timeZone: "Europe/London" }),
    ).toBe(want);
  });

  test("a user budget without the user's id is refused", () => {
    expect(() =>
      budgetKey({ ruleId: "r1", entity: "user", period: "day", atMs, timeZone: "UTC" }),
    ).toThrow(/user id/);
  });
});

import { describe, expect, test } from "vitest";
import { MS_PER_DAY } from "#shared/time/clock";
import { decideNotice } from "./decide-notice";

const EXPIRES = 100 * MS_PER_DAY;
const day = (n: number) => n * MS_PER_DAY;

describe("decideNotice: 30, 7 and 1 days before, only the nearest due", () => {
  test.each([
    {
      label: "long before: nothing yet, next is the 30-day notice",
      sent: null,
      now: day(10),
      want: { sendDays: null, nextAtMs: day(70) },
    },
    {
      label: "30 days before: send it, next is 7",
      sent: null,
      now: day(70),
      want: { sendDays: 30, nextAtMs: day(93) },
    },
    {
      label: "30 already sent, before the 7-day mark: nothing",
      sent: 30,
      now: day(80),
      want: { sendDays: null, nextAtMs: day(93) },
    },
    {
      label: "7 days before",
      sent: 30,
      now: day(93),
      want: { sendDays: 7, nextAtMs: day(99) },
    },
    { label: "1 day before", sent: 7, now: day(99), want: { sendDays: 1, nextAtMs: null } },
    {
      label: "earned five days before expiry: the 7-day notice, not a late 30-day one",
      sent: null,
      now: day(95),
      want: { sendDays: 7, nextAtMs: day(99) },
    },
    {
      label: "a late run past two marks sends only the nearest",
      sent: null,
      now: day(99) + 5,
      want: { sendDays: 1, nextAtMs: null },
    },
    {
      label: "already expired",
      sent: null,
      now: EXPIRES,
      want: { sendDays: null, nextAtMs: null },
    },
    { label: "all sent", sent: 1, now: day(99) + 1, want: { sendDays: null, nextAtMs: null } },
  ])("$label", ({ sent, now, want }) => {
    expect(decideNotice(EXPIRES, sent, now)).toEqual(want);
  });
});

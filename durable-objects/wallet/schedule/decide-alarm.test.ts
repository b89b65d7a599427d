import { describe, expect, test } from "vitest";
import { nextAlarmAtMs, OUTBOX_RETRY_MS } from "./decide-alarm";
import { SCHEDULE_KINDS } from "./schedule-kind";

describe("nextAlarmAtMs", () => {
  test.each([
    { label: "nothing waits", nextDueAtMs: null, outboxWaiting: false, want: null },
    { label: "only the schedule", nextDueAtMs: 5_000, outboxWaiting: false, want: 5_000 },
    {
      label: "only the outbox",
      nextDueAtMs: null,
      outboxWaiting: true,
      want: 1_000 + OUTBOX_RETRY_MS,
    },
    {
      label: "schedule sooner than the retry",
      nextDueAtMs: 2_000,
      outboxWaiting: true,
      want: 2_000,
    },
    {
      label: "retry sooner than the schedule",
      nextDueAtMs: 99_000,
      outboxWaiting: true,
      want: 1_000 + OUTBOX_RETRY_MS,
    },
  ])("$label → $want", ({ nextDueAtMs, outboxWaiting, want }) => {
    expect(nextAlarmAtMs({ nextDueAtMs, outboxWaiting, nowMs: 1_000 })).toBe(want);
  });
});

test("schedule kinds run confirmations first", () => {
  expect(SCHEDULE_KINDS).toEqual([
    "confirm",
    "claim_review",
    "prune_clicks",
    "prune_event_links",
    "boost",
    "events",
    "grant",
    "referral_reward",
    "referral_confirm",
    "referral_expire",
    "chain_seal",
  ]);
});

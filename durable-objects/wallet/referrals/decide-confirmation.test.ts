import { describe, expect, test } from "vitest";
import {
  accountAgeReachedAtMs,
  type ConfirmationDecision,
  type ConfirmationInputs,
  decideConfirmation,
  pointsPendingUntilMs,
  UNTIL_CONFIRMED_MS,
} from "./decide-confirmation";

const DAY_MS = 86_400_000;
const CREATED_MS = 1_000_000;

const inputs = (over: Partial<ConfirmationInputs> = {}): ConfirmationInputs => ({
  state: "rewarded",
  terms: { minAccountAgeDays: 0, awaitEventConfirmation: false },
  accountCreatedAtMs: CREATED_MS,
  eventConfirmedAtMs: null,
  confirmedAtMs: null,
  nowMs: CREATED_MS + DAY_MS,
  ...over,
});
const age7 = { minAccountAgeDays: 7, awaitEventConfirmation: false };
const awaitEvent = { minAccountAgeDays: 0, awaitEventConfirmation: true };
const both = { minAccountAgeDays: 7, awaitEventConfirmation: true };

describe("decideConfirmation", () => {
  test.each<{ label: string; input: ConfirmationInputs; want: ConfirmationDecision }>([
    { label: "defaults: confirmed at once", input: inputs(), want: { action: "confirm" } },
    {
      label: "defaults while the referrer's credit is still owed (qualified): confirmed",
      input: inputs({ state: "qualified" }),
      want: { action: "confirm" },
    },
    {
      label: "account too young: wait for the age date",
      input: inputs({ terms: age7 }),
      want: { action: "wait", why: "account_age", untilMs: CREATED_MS + 7 * DAY_MS },
    },
    {
      label: "one millisecond before the age date: still waiting",
      input: inputs({ terms: age7, nowMs: CREATED_MS + 7 * DAY_MS - 1 }),
      want: { action: "wait", why: "account_age", untilMs: CREATED_MS + 7 * DAY_MS },
    },
    {
      label: "exactly at the age date: confirmed",
      input: inputs({ terms: age7, nowMs: CREATED_MS + 7 * DAY_MS }),
      want: { action: "confirm" },
    },
    {
      label: "awaiting the event, not confirmed: wait for the event (no date)",
      input: inputs({ terms: awaitEvent }),
      want: { action: "wait", why: "event_unconfirmed", untilMs: null },
    },
    {
      label: "awaiting the event, confirmed: confirmed",
      input: inputs({ terms: awaitEvent, eventConfirmedAtMs: CREATED_MS + 5 }),
      want: { action: "confirm" },
    },
    {
      label: "both conditions, event confirmed but account too young: the age date first",
      input: inputs({ terms: both, eventConfirmedAtMs: CREATED_MS + 5 }),
      want: { action: "wait", why: "account_age", untilMs: CREATED_MS + 7 * DAY_MS },
    },
    {
      label: "both conditions, old enough but event unconfirmed: wait for the event",
      input: inputs({ terms: both, nowMs: CREATED_MS + 8 * DAY_MS }),
      want: { action: "wait", why: "event_unconfirmed", untilMs: null },
    },
    {
      label: "already confirmed: nothing, whatever else holds",
      input: inputs({ confirmedAtMs: CREATED_MS + 2 }),
      want: { action: "none", why: "already_confirmed" },
    },
    {
      label: "reversed: nothing until a restore",
      input: inputs({ state: "reversed" }),
      want: { action: "none", why: "rewards_not_standing" },
    },
    {
      label: "held: nothing until an operator approves",
      input: inputs({ state: "held" }),
      want: { action: "none", why: "rewards_not_standing" },
    },
  ])("$label", ({ input, want }) => {
    expect(decideConfirmation(input)).toEqual(want);
  });
});

describe("pointsPendingUntilMs", () => {
  test.each<{ label: string; input: ConfirmationInputs; want: number | null }>([
    { label: "confirmed at once: active at once", input: inputs(), want: null },
    {
      label: "account age only: pending until the age date",
      input: inputs({ terms: age7 }),
      want: CREATED_MS + 7 * DAY_MS,
    },
    {
      label: "awaiting the event: pending until confirmed",
      input: inputs({ terms: both }),
      want: UNTIL_CONFIRMED_MS,
    },
    {
      label: "already confirmed: active at once",
      input: inputs({ terms: both, confirmedAtMs: 5 }),
      want: null,
    },
  ])("$label", ({ input, want }) => {
    expect(pointsPendingUntilMs(input)).toBe(want);
  });

  test("the sentinel is a valid date", () => {
    expect(new Date(UNTIL_CONFIRMED_MS).toISOString()).toBe("+275760-09-13T00:00:00.000Z");
    expect(accountAgeReachedAtMs(0, 365)).toBe(365 * DAY_MS);
  });
});

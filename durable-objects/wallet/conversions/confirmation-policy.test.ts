import { describe, expect, test } from "vitest";
import { MS_PER_DAY } from "#shared/time/clock";
import {
  awaitsNetworkApproval,
  type ConfirmationPolicy,
  type ConfirmationStep,
  decideConfirmation,
  expectedConfirmAtMs,
  returnWindowEndsAtMs,
  statusOfStep,
  windowTimerAtMs,
} from "./confirmation-policy";

const END_MS = 1_760_000_000_000;
const AT_END: ConfirmationStep = { step: "confirm_at_window_end", atMs: END_MS };
const NOW: ConfirmationStep = { step: "confirm_now" };
const AWAIT: ConfirmationStep = { step: "await_network" };

describe("decideConfirmation: policy × approved × window passed", () => {
  test.each<{
    label: string;
    policy: ConfirmationPolicy;
    approved: boolean;
    windowElapsed: boolean;
    want: ConfirmationStep;
  }>([
    {
      label: "return_window, neither",
      policy: "return_window",
      approved: false,
      windowElapsed: false,
      want: AT_END,
    },
    {
      label: "return_window, window passed",
      policy: "return_window",
      approved: false,
      windowElapsed: true,
      want: NOW,
    },
    {
      label: "return_window, approved early",
      policy: "return_window",
      approved: true,
      windowElapsed: false,
      want: NOW,
    },
    {
      label: "return_window, both",
      policy: "return_window",
      approved: true,
      windowElapsed: true,
      want: NOW,
    },
    {
      label: "network_approval, neither",
      policy: "network_approval",
      approved: false,
      windowElapsed: false,
      want: AWAIT,
    },
    {
      label: "network_approval, window passed only",
      policy: "network_approval",
      approved: false,
      windowElapsed: true,
      want: AWAIT,
    },
    {
      label: "network_approval, approved in the window",
      policy: "network_approval",
      approved: true,
      windowElapsed: false,
      want: NOW,
    },
    {
      label: "network_approval, approved after it",
      policy: "network_approval",
      approved: true,
      windowElapsed: true,
      want: NOW,
    },
    { label: "both, neither", policy: "both", approved: false, windowElapsed: false, want: AWAIT },
    {
      label: "both, window passed only",
      policy: "both",
      approved: false,
      windowElapsed: true,
      want: AWAIT,
    },
    {
      label: "both, approved in the window: at its end",
      policy: "both",
      approved: true,
      windowElapsed: false,
      want: AT_END,
    },
    {
      label: "both, approved after the window",
      policy: "both",
      approved: true,
      windowElapsed: true,
      want: NOW,
    },
  ])("$label → $want.step", ({ policy, approved, windowElapsed, want }) => {
    const networkStatus = approved ? "approved" : "pending";
    expect(
      decideConfirmation({ policy, networkStatus, windowElapsed, windowEndsAtMs: END_MS }),
    ).toEqual(want);
  });

  test.each<ConfirmationPolicy>(["return_window", "network_approval", "both"])(
    "%s: a cancellation is final, whatever the window",
    (policy) => {
      for (const windowElapsed of [false, true]) {
        expect(
          decideConfirmation({
            policy,
            networkStatus: "cancelled",
            windowElapsed,
            windowEndsAtMs: END_MS,
          }),
        ).toEqual({ step: "cancelled" });
      }
    },
  );

  test.each<{
    label: string;
    policy: ConfirmationPolicy;
    approved: boolean;
    want: ConfirmationStep;
  }>([
    {
      label: "return_window waits for the network, never pays at once",
      policy: "return_window",
      approved: false,
      want: AWAIT,
    },
    {
      label: "both, approved, still waits for no window",
      policy: "both",
      approved: true,
      want: AWAIT,
    },
    { label: "network_approval, approved", policy: "network_approval", approved: true, want: NOW },
  ])("no window end on the row: $label", ({ policy, approved, want }) => {
    const networkStatus = approved ? "approved" : "pending";
    expect(
      decideConfirmation({ policy, networkStatus, windowElapsed: false, windowEndsAtMs: null }),
    ).toEqual(want);
  });
});

describe("what a step shows and schedules", () => {
  test.each<{
    label: string;
    step: ConfirmationStep;
    windowElapsed: boolean;
    status: string;
    expected: number | null;
    timer: number | null;
  }>([
    {
      label: "confirmed now",
      step: NOW,
      windowElapsed: false,
      status: "confirmed",
      expected: null,
      timer: null,
    },
    {
      label: "cancelled",
      step: { step: "cancelled" },
      windowElapsed: false,
      status: "cancelled",
      expected: null,
      timer: null,
    },
    {
      label: "the window's end confirms it",
      step: AT_END,
      windowElapsed: false,
      status: "pending",
      expected: END_MS,
      timer: END_MS,
    },
    {
      label: "awaiting the network, window open: the timer records its end",
      step: AWAIT,
      windowElapsed: false,
      status: "pending",
      expected: null,
      timer: END_MS,
    },
    {
      label: "awaiting the network, window passed: no timer",
      step: AWAIT,
      windowElapsed: true,
      status: "pending",
      expected: null,
      timer: null,
    },
    {
      label: "held for review, window open: pending, no date, the timer records its end",
      step: { step: "held_for_review" },
      windowElapsed: false,
      status: "pending",
      expected: null,
      timer: END_MS,
    },
    {
      label: "held for review, window passed: pending, no timer (the release settles it)",
      step: { step: "held_for_review" },
      windowElapsed: true,
      status: "pending",
      expected: null,
      timer: null,
    },
  ])("$label", ({ step, windowElapsed, status, expected, timer }) => {
    const state = {
      policy: "both" as const,
      networkStatus: "pending" as const,
      windowElapsed,
      windowEndsAtMs: END_MS,
    };
    expect(statusOfStep(step)).toBe(status);
    expect(expectedConfirmAtMs(step)).toBe(expected);
    expect(windowTimerAtMs(state, step)).toBe(timer);
  });

  test.each([
    { label: "0 days ends at the purchase", days: 0, want: END_MS },
    { label: "30 days", days: 30, want: END_MS + 30 * MS_PER_DAY },
  ])("returnWindowEndsAtMs: $label", ({ days, want }) => {
    expect(returnWindowEndsAtMs(END_MS, days)).toBe(want);
  });

  test.each<{
    label: string;
    policy: ConfirmationPolicy;
    status: string;
    networkStatus: "pending" | "approved";
    want: boolean;
  }>([
    {
      label: "pending under network_approval",
      policy: "network_approval",
      status: "pending",
      networkStatus: "pending",
      want: true,
    },
    {
      label: "pending under both, not approved",
      policy: "both",
      status: "pending",
      networkStatus: "pending",
      want: true,
    },
    {
      label: "pending under both, approved",
      policy: "both",
      status: "pending",
      networkStatus: "approved",
      want: false,
    },
    {
      label: "pending under return_window",
      policy: "return_window",
      status: "pending",
      networkStatus: "pending",
      want: false,
    },
    {
      label: "confirmed",
      policy: "network_approval",
      status: "confirmed",
      networkStatus: "approved",
      want: false,
    },
  ])("awaitsNetworkApproval: $label → $want", ({ policy, status, networkStatus, want }) => {
    expect(
      awaitsNetworkApproval({
        confirmationPolicy: policy,
        status,
        networkStatus,
        windowElapsed: false,
        windowEndsAtMs: END_MS,
      }),
    ).toBe(want);
  });
});

describe("decideConfirmation: a risk hold keeps what would confirm pending", () => {
  test.each<{
    label: string;
    policy: "return_window" | "network_approval" | "both";
    networkStatus: "pending" | "approved" | "cancelled";
    windowElapsed: boolean;
    heldForReview: boolean;
    want: ConfirmationStep;
  }>([
    {
      label: "return_window, window passed, held",
      policy: "return_window",
      networkStatus: "pending",
      windowElapsed: true,
      heldForReview: true,
      want: { step: "held_for_review" },
    },
    {
      label: "return_window, window passed, released",
      policy: "return_window",
      networkStatus: "pending",
      windowElapsed: true,
      heldForReview: false,
      want: NOW,
    },
    {
      label: "network_approval, approved, held",
      policy: "network_approval",
      networkStatus: "approved",
      windowElapsed: false,
      heldForReview: true,
      want: { step: "held_for_review" },
    },
    {
      label: "return_window, window open, held: its end would confirm it, held or not",
      policy: "return_window",
      networkStatus: "pending",
      windowElapsed: false,
      heldForReview: true,
      want: AT_END,
    },
    {
      label: "both, approved, window open, held: still waits for the window",
      policy: "both",
      networkStatus: "approved",
      windowElapsed: false,
      heldForReview: true,
      want: AT_END,
    },
    {
      label: "network_approval, not approved, held: still awaits the network",
      policy: "network_approval",
      networkStatus: "pending",
      windowElapsed: true,
      heldForReview: true,
      want: AWAIT,
    },
    {
      label: "a cancellation is final, held or not",
      policy: "return_window",
      networkStatus: "cancelled",
      windowElapsed: true,
      heldForReview: true,
      want: { step: "cancelled" },
    },
  ])("$label", ({ policy, networkStatus, windowElapsed, heldForReview, want }) => {
    expect(
      decideConfirmation({
        policy,
        networkStatus,
        windowElapsed,
        windowEndsAtMs: END_MS,
        heldForReview,
      }),
    ).toEqual(want);
  });
});

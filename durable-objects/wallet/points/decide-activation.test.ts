import { describe, expect, test } from "vitest";
import { type ActivationDecision, decideActivation } from "./decide-activation";

describe("decideActivation: the earliest of the period ending and the source confirmed", () => {
  test.each<{
    label: string;
    activatedAtMs: number | null;
    pendingUntilMs: number | null;
    sourceConfirmedAtMs: number | null;
    nowMs: number;
    want: ActivationDecision;
  }>([
    {
      label: "already active",
      activatedAtMs: 5,
      pendingUntilMs: 10,
      sourceConfirmedAtMs: null,
      nowMs: 100,
      want: { activate: false, reason: "already_active" },
    },
    {
      label: "period running, source not confirmed",
      activatedAtMs: null,
      pendingUntilMs: 200,
      sourceConfirmedAtMs: null,
      nowMs: 100,
      want: { activate: false, reason: "not_due" },
    },
    {
      label: "period ended",
      activatedAtMs: null,
      pendingUntilMs: 100,
      sourceConfirmedAtMs: null,
      nowMs: 100,
      want: { activate: true, atMs: 100, by: "period_ended" },
    },
    {
      label: "period ended a while ago: activated at its end, not at the late run",
      activatedAtMs: null,
      pendingUntilMs: 60,
      sourceConfirmedAtMs: null,
      nowMs: 100,
      want: { activate: true, atMs: 60, by: "period_ended" },
    },
    {
      label: "source confirmed before the period ends",
      activatedAtMs: null,
      pendingUntilMs: 200,
      sourceConfirmedAtMs: 80,
      nowMs: 100,
      want: { activate: true, atMs: 80, by: "source_confirmed" },
    },
    {
      label: "both passed: the earlier wins (the period)",
      activatedAtMs: null,
      pendingUntilMs: 50,
      sourceConfirmedAtMs: 90,
      nowMs: 100,
      want: { activate: true, atMs: 50, by: "period_ended" },
    },
    {
      label: "both passed: the earlier wins (the confirmation)",
      activatedAtMs: null,
      pendingUntilMs: 95,
      sourceConfirmedAtMs: 40,
      nowMs: 100,
      want: { activate: true, atMs: 40, by: "source_confirmed" },
    },
    {
      label: "a confirmation in the future does not count yet",
      activatedAtMs: null,
      pendingUntilMs: 500,
      sourceConfirmedAtMs: 150,
      nowMs: 100,
      want: { activate: false, reason: "not_due" },
    },
    {
      label: "no pending period: active at once",
      activatedAtMs: null,
      pendingUntilMs: null,
      sourceConfirmedAtMs: null,
      nowMs: 100,
      want: { activate: true, atMs: 100, by: "period_ended" },
    },
  ])("$label", ({ activatedAtMs, pendingUntilMs, sourceConfirmedAtMs, nowMs, want }) => {
    expect(
      decideActivation({ activatedAtMs, pendingUntilMs }, { sourceConfirmedAtMs, nowMs }),
    ).toEqual(want);
  });
});

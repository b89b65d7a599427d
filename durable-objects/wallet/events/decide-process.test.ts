import { describe, expect, test } from "vitest";
import { decideProcess, ORPHAN_AFTER_MS, WAITING_RECHECK_MS } from "./decide-process";

const NOW = 1_800_000_000_000;
const refund = { type: "refund.completed", data: { originalEventId: "p1" } };

describe("decideProcess", () => {
  test.each([
    {
      label: "a purchase is processed at once",
      input: { type: "purchase.completed", data: {}, receivedAtMs: NOW, originalStatus: null },
      expected: { action: "process" },
    },
    {
      label: "a refund whose purchase was processed",
      input: { ...refund, receivedAtMs: NOW, originalStatus: "processed" as const },
      expected: { action: "process" },
    },
    {
      label: "a refund that came before its purchase waits an hour",
      input: { ...refund, receivedAtMs: NOW, originalStatus: null },
      expected: { action: "wait", recheckAtMs: NOW + WAITING_RECHECK_MS },
    },
    {
      label: "a refund whose purchase is here but not processed yet waits",
      input: { ...refund, receivedAtMs: NOW, originalStatus: "unprocessed" as const },
      expected: { action: "wait", recheckAtMs: NOW + WAITING_RECHECK_MS },
    },
    {
      label: "the last recheck is the deadline, not past it",
      input: {
        ...refund,
        receivedAtMs: NOW - ORPHAN_AFTER_MS + 60_000,
        originalStatus: null,
      },
      expected: { action: "wait", recheckAtMs: NOW + 60_000 },
    },
    {
      label: "a chargeback whose purchase never came is orphaned after the wait",
      input: {
        type: "chargeback.created",
        data: { originalEventId: "p9" },
        receivedAtMs: NOW - ORPHAN_AFTER_MS,
        originalStatus: null,
      },
      expected: { action: "orphan", detail: "the event it names (p9) never arrived" },
    },
  ])("$label", ({ input, expected }) => {
    expect(decideProcess({ ...input, nowMs: NOW })).toEqual(expected);
  });
});

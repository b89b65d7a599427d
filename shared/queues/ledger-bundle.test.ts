import { describe, expect, it } from "vitest";
import type { LedgerEventMessage } from "#shared/messages";
import {
  bundleLedgerEventJson,
  bundleLedgerEvents,
  isProjectableLedgerMessage,
  sendBatchCalls,
  unbundleLedgerEvents,
} from "./ledger-bundle";

const balances = (ledgerSeq: number, pad = ""): LedgerEventMessage => ({
  kind: "balances",
  userId: `u${pad}`.slice(0, 1),
  ledgerSeq,
  atMs: 1,
  balances: [{ bucket: "pending", currency: `EUR${pad}`, balanceMinor: ledgerSeq }],
});

describe("ledger-events bundles", () => {
  it("one user's events are one message, in order, and unbundle to the same events", () => {
    const events = [balances(1), balances(2), balances(3)];
    const messages = bundleLedgerEvents("u", events);
    expect(messages).toEqual([{ kind: "ledger_bundle", userId: "u", events }]);
    expect(unbundleLedgerEvents(messages)).toEqual(events);
  });

  it("a lone event is sent as itself; single events pass through unbundling", () => {
    expect(bundleLedgerEvents("u", [balances(1)])).toEqual([balances(1)]);
    expect(bundleLedgerEvents("u", [])).toEqual([]);
    expect(unbundleLedgerEvents([balances(1), balances(2)])).toEqual([balances(1), balances(2)]);
  });

  it("bundles stay within the byte budget, split between events, order kept", () => {
    const big = "x".repeat(300);
    const events = Array.from({ length: 10 }, (_, i) => balances(i + 1, big));
    const messages = bundleLedgerEvents("u", events, 1000);
    expect(messages.length).toBeGreaterThan(1);
    for (const m of messages)
      expect(new TextEncoder().encode(JSON.stringify(m)).length).toBeLessThanOrEqual(1000);
    expect(unbundleLedgerEvents(messages)).toEqual(events);
  });

  it("an event over the budget alone goes alone", () => {
    const huge = balances(1, "y".repeat(2000));
    expect(bundleLedgerEvents("u", [balances(1), huge, balances(2)], 1000)).toEqual([
      balances(1),
      huge,
      balances(2),
    ]);
  });

  it("events already serialised bundle to exactly the JSON of the same bundles", () => {
    const big = "x".repeat(300);
    const sets = [
      [balances(1)],
      [balances(1), balances(2), balances(3)],
      Array.from({ length: 10 }, (_, i) => balances(i + 1, big)),
      [balances(1), balances(1, "y".repeat(2000)), balances(2)],
    ];
    for (const events of sets) {
      const json = bundleLedgerEventJson(
        "u",
        events.map((e) => JSON.stringify(e)),
        1000,
      );
      expect(json).toEqual(bundleLedgerEvents("u", events, 1000).map((m) => JSON.stringify(m)));
    }
    expect(bundleLedgerEventJson("u", [])).toEqual([]);
  });
});

describe("what this build can project", () => {
  it.each([
    ["a known event", balances(1), true],
    [
      "a wallet notice from before notices had their own queue",
      { kind: "notice", userId: "u" },
      true,
    ],
    [
      "a bundle of known events",
      { kind: "ledger_bundle", userId: "u", events: [balances(1), balances(2)] },
      true,
    ],
    ["a kind added by a newer build", { kind: "future_kind", userId: "u" }, false],
    [
      "a bundle holding one unknown event",
      { kind: "ledger_bundle", userId: "u", events: [balances(1), { kind: "x" }] },
      false,
    ],
    ["an empty bundle", { kind: "ledger_bundle", userId: "u", events: [] }, false],
    ["a bundle without events", { kind: "ledger_bundle", userId: "u" }, false],
    ["an inherited property name", { kind: "toString", userId: "u" }, false],
    ["no kind", { userId: "u" }, false],
    ["null", null, false],
  ])("%s → %s", (_name, body, projectable) => {
    expect(isProjectableLedgerMessage(body)).toBe(projectable);
  });
});

describe("sendBatch calls", () => {
  it("at most maxMessages per call, order kept", () => {
    expect(sendBatchCalls([1, 2, 3, 4, 5], { maxMessages: 2 })).toEqual([[1, 2], [3, 4], [5]]);
    expect(sendBatchCalls([])).toEqual([]);
  });

  it("at most maxBytes of JSON per call; a message over the limit goes alone", () => {
    const item = (n: number) => "x".repeat(n - 2); // JSON adds the two quotes
    const calls = sendBatchCalls([item(40), item(40), item(40), item(200), item(10)], {
      maxBytes: 100,
    });
    expect(calls.map((c) => c.map((s) => s.length + 2))).toEqual([[40, 40], [40], [200], [10]]);
  });

  it("150 messages of 1 KB: two calls of 100 and 50 by count; 3 KB each: cut by bytes", () => {
    const small = Array.from({ length: 150 }, () => "s".repeat(1_000));
    expect(sendBatchCalls(small).map((c) => c.length)).toEqual([100, 50]);
    const large = Array.from({ length: 150 }, () => "l".repeat(3_000));
    const calls = sendBatchCalls(large);
    expect(calls.flat()).toHaveLength(150);
    for (const call of calls) expect(call.length * 3_002).toBeLessThanOrEqual(240 * 1024);
  });
});

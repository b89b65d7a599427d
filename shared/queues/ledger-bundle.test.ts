import { describe, expect, it } from "vitest";
import type { LedgerEventMessage } from "#shared/messages";
import { bundleLedgerEventJson, bundleLedgerEvents, unbundleLedgerEvents } from "./ledger-bundle";

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

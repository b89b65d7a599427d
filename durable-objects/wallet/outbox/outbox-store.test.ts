import { describe, expect, it } from "vitest";
import type { OutboxMessage } from "./outbox-message";
import { bundleOutboxRows, outboxRowOf } from "./outbox-store";

const balances = (userId: string, ledgerSeq: number): OutboxMessage => ({
  kind: "balances",
  userId,
  ledgerSeq,
  atMs: 1,
  balances: [{ bucket: "pending", currency: "EUR", balanceMinor: ledgerSeq }],
});
const notice = (userId: string): OutboxMessage => ({
  kind: "notice",
  userId,
  notice: { id: "n", kind: "payout_paid", body: {} },
});

describe("bundleOutboxRows", () => {
  it("a unit of work's ledger events are one row where the first was, the other rows kept in order", () => {
    const rows = [balances("u", 1), notice("u"), balances("u", 2), notice("u"), balances("u", 3)];
    const bundled = bundleOutboxRows(rows.map(outboxRowOf));
    expect(bundled.map((r) => r.queue)).toEqual(["ledger_events", "notices", "notices"]);
    expect(JSON.parse(bundled[0]?.body ?? "")).toEqual({
      kind: "ledger_bundle",
      userId: "u",
      events: [balances("u", 1), balances("u", 2), balances("u", 3)],
    });
    expect(bundled.slice(1)).toEqual([outboxRowOf(notice("u")), outboxRowOf(notice("u"))]);
  });

  it("a lone event stays a row of its own, as rows were before bundles; rows of no events pass", () => {
    const lone = [notice("u"), balances("u", 1)].map(outboxRowOf);
    expect(bundleOutboxRows(lone)).toEqual(lone);
    expect(bundleOutboxRows([])).toEqual([]);
  });

  it("each user's events are bundled apart, in their order", () => {
    const rows = [balances("a", 1), balances("b", 1), balances("a", 2), balances("b", 2)];
    const bundled = bundleOutboxRows(rows.map(outboxRowOf)).map((r) => JSON.parse(r.body));
    expect(bundled).toEqual([
      { kind: "ledger_bundle", userId: "a", events: [balances("a", 1), balances("a", 2)] },
      { kind: "ledger_bundle", userId: "b", events: [balances("b", 1), balances("b", 2)] },
    ]);
  });
});

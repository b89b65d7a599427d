import { describe, expect, test } from "vitest";
import { groupByQueue, type OutboxMessage, queueOf } from "./outbox-message";

describe("queueOf", () => {
  test.each<{ label: string; message: OutboxMessage; want: string }>([
    {
      label: "dispatch request",
      message: { kind: "payout_dispatch", payoutId: "pay_1", userId: "u" } as OutboxMessage,
      want: "payouts",
    },
    {
      label: "user notice",
      message: { kind: "notice", userId: "u", notice: { id: "n", kind: "payout_paid", body: {} } },
      want: "notices",
    },
    {
      label: "notification event",
      message: {
        kind: "notification",
        id: "txn_1:confirmed",
        userId: "u",
        type: "cashback_confirmed",
        vars: {},
        occurredAtMs: 1,
      },
      want: "notify",
    },
    {
      label: "balances projection",
      message: { kind: "balances", userId: "u", ledgerSeq: 1, atMs: 1, balances: [] },
      want: "ledger_events",
    },
  ])("$label → $want", ({ message, want }) => {
    expect(queueOf(message)).toBe(want);
  });
});

test("groupByQueue keeps each queue's order", () => {
  const rows = [
    { seq: 1, queue: "ledger_events", body: '{"n":1}' },
    { seq: 2, queue: "payouts", body: '{"n":2}' },
    { seq: 3, queue: "ledger_events", body: '{"n":3}' },
    { seq: 4, queue: "notices", body: '{"n":4}' },
    { seq: 5, queue: "notify", body: '{"n":5}' },
  ];
  const grouped = groupByQueue(rows);
  expect(grouped.events.map((e) => (e.body as unknown as { n: number }).n)).toEqual([1, 3]);
  expect(grouped.dispatch).toHaveLength(1);
  expect(grouped.notices).toHaveLength(1);
  expect(grouped.notify).toHaveLength(1);
});

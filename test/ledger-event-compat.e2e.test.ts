import {
  createExecutionContext,
  createMessageBatch,
  getQueueResult,
  runInDurableObject,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { sendOutbox } from "#durable-objects/wallet/outbox/outbox-flush";
import { insertOutbox, readOutbox } from "#durable-objects/wallet/outbox/outbox-store";
import type { LedgerEventMessage, LedgerQueueMessage } from "#shared/messages";
import { createLogger } from "#shared/observability/logger";
import apiWorker from "#workers/api/src/index";
import { eventually, uniqueUser, walletStub } from "./helpers";

/**
 * Ledger-event messages across builds (docs/operations.md "Rolling back past ledger-event
 * bundles"): a message this build cannot project is retried, never acknowledged unread; the
 * outbox can send single events instead of bundles; a large flush is cut into `sendBatch`
 * calls the platform takes.
 */
const log = createLogger({ worker: "wallet" });

function balancesEvent(
  userId: string,
  currency: string,
  ledgerSeq: number,
  pad = "",
): LedgerEventMessage {
  return {
    kind: "balances",
    userId,
    ledgerSeq,
    atMs: Date.now(),
    balances: [{ bucket: "confirmed", currency, balanceMinor: 100 * ledgerSeq }],
    ...(pad ? { pad } : {}),
  } as LedgerEventMessage;
}

async function storedBalance(userId: string, currency: string) {
  const row = await env.DB.prepare(
    `SELECT balance_minor FROM wallet_balances WHERE user_id = ? AND currency = ?`,
  )
    .bind(userId, currency)
    .first<{ balance_minor: number }>();
  return row?.balance_minor ?? null;
}

function recordingQueues(overrides: Record<string, string> = {}) {
  const calls: Array<{ messages: number; events: number; bytes: number; kinds: string[] }> = [];
  const ledger = {
    send: async () => {
      throw new Error("the outbox sends batches");
    },
    sendBatch: async (batch: Iterable<MessageSendRequest<LedgerQueueMessage>>) => {
      const messages = [...batch];
      calls.push({
        messages: messages.length,
        events: messages.reduce(
          (n, m) => n + (m.body.kind === "ledger_bundle" ? m.body.events.length : 1),
          0,
        ),
        bytes: new TextEncoder().encode(JSON.stringify(messages.map((m) => m.body))).length,
        kinds: messages.map((m) => m.body.kind),
      });
    },
  } as unknown as Queue<LedgerQueueMessage>;
  const sink = { send: async () => {}, sendBatch: async () => {} } as unknown as Queue<never>;
  return {
    calls,
    queues: {
      ...overrides,
      LEDGER_EVENTS: ledger,
      PAYOUTS: sink,
      NOTICES: sink,
      NOTIFY_TRANSACTIONAL: sink,
      RISK_OBSERVATIONS: sink,
    },
  };
}

describe("ledger events across builds", () => {
  it("a kind this build does not know (alone or inside a bundle) is retried with a delay, and the rest of the batch is projected", async () => {
    const known = uniqueUser("compat-known");
    const other = uniqueUser("compat-bundle");
    const currency = `C${Math.random().toString(36).slice(2, 6).toUpperCase()}`;
    const bodies = [
      balancesEvent(known, currency, 3),
      { kind: "future_kind", userId: known, atMs: 1 },
      {
        kind: "ledger_bundle",
        userId: other,
        events: [balancesEvent(other, currency, 2), { kind: "future_kind", userId: other }],
      },
    ] as unknown as LedgerQueueMessage[];
    const batch = createMessageBatch<LedgerQueueMessage>(
      "boomerang-ledger-events",
      bodies.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: 1, body })),
    );
    const ctx = createExecutionContext();
    await apiWorker.queue(batch, env, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.outcome).toBe("ok");
    // (The test runtime records which messages were retried, not their delay.)
    expect(result.retryMessages.map((m: { msgId: string }) => m.msgId).sort()).toEqual([
      "m1",
      "m2",
    ]);
    expect(result.explicitAcks).toEqual([]);
    expect(await storedBalance(known, currency)).toBe(300);
    // The bundle waits whole for a build that knows all of it: none of it is projected yet.
    expect(await storedBalance(other, currency)).toBeNull();
  });

  it("with LEDGER_EVENT_BUNDLES=0 the outbox sends each event as its own message, and they project as before", async () => {
    const user = uniqueUser("compat-single");
    const currency = `S${Math.random().toString(36).slice(2, 6).toUpperCase()}`;
    const { calls, queues } = recordingQueues({ LEDGER_EVENT_BUNDLES: "0" });
    await runInDurableObject(walletStub(user), async (_instance, state) => {
      const sql = state.storage.sql;
      await sendOutbox(sql, queues, log); // what the wallet's start left
      calls.length = 0;
      for (const seq of [1, 2, 3]) insertOutbox(sql, balancesEvent(user, currency, seq));
      await sendOutbox(sql, { ...queues, LEDGER_EVENTS: env.LEDGER_EVENTS } as typeof queues, log);
      expect(readOutbox(sql, 10)).toEqual([]);
      for (const seq of [4, 5]) insertOutbox(sql, balancesEvent(user, currency, seq));
      await sendOutbox(sql, queues, log);
    });
    expect(calls).toEqual([
      { messages: 2, events: 2, bytes: expect.any(Number), kinds: ["balances", "balances"] },
    ]);
    await eventually(async () => (await storedBalance(user, currency)) === 300);
  });

  it("a flush larger than one sendBatch call takes (256 KB) goes in several calls, in order, none over 240 KiB", async () => {
    const user = uniqueUser("compat-large");
    const currency = `L${Math.random().toString(36).slice(2, 6).toUpperCase()}`;
    const { calls, queues } = recordingQueues();
    // 60 events of ~9 KB: ~540 KB, so bundles of up to 96 KiB, more than two per call.
    const pad = "p".repeat(9_000);
    await runInDurableObject(walletStub(user), async (_instance, state) => {
      const sql = state.storage.sql;
      await sendOutbox(sql, queues, log);
      calls.length = 0;
      for (let seq = 1; seq <= 60; seq++)
        insertOutbox(sql, balancesEvent(user, currency, seq, pad));
      await sendOutbox(sql, queues, log);
      expect(readOutbox(sql, 100)).toEqual([]);
    });
    expect(calls.length).toBeGreaterThanOrEqual(3);
    expect(calls.reduce((n, c) => n + c.events, 0)).toBe(60);
    for (const call of calls) expect(call.bytes).toBeLessThanOrEqual(240 * 1024);
  });
});

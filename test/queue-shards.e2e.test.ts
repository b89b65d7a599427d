import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { sendOutbox } from "#durable-objects/wallet/outbox/outbox-flush";
import {
  bundleOutboxRows,
  insertOutbox,
  insertOutboxRows,
  outboxRowOf,
  readOutbox,
} from "#durable-objects/wallet/outbox/outbox-store";
import { decodeSubId } from "#shared/links/sub-id";
import type { LedgerQueueMessage } from "#shared/messages";
import { createLogger } from "#shared/observability/logger";
import { clickShardKey, postbackShardKey, shardOf } from "#shared/queues/shards";
import {
  clickThrough,
  d1Transaction,
  eventually,
  followLink,
  postbackBody,
  seedCatalog,
  sendPostback,
  storedClickCount,
  trackingLinkFor,
  uniqueUser,
  walletStub,
} from "./helpers";

/**
 * Two shards of the clicks and postbacks queues (vitest.config.ts binds CLICKS_1/POSTBACKS_1
 * and consumes boomerang-clicks-1/-postbacks-1): the producers pick the shard by key, and the
 * api's one consumer settles both, dispatching on the shard-0 name (docs/scaling.md).
 */
const OFFER = "test-shop-offer";
const NETWORK = "test-net";

/** The test env with two shards of `family`, recording which binding each message went to. */
function twoShardEnv(family: "CLICKS" | "POSTBACKS", countVar: string) {
  const sent: Array<{ binding: string; body: unknown }> = [];
  const record = (binding: string, queue: Queue<unknown>) => ({
    send: async (body: unknown, options?: QueueSendOptions) => {
      sent.push({ binding, body });
      await queue.send(body, options);
    },
    sendBatch: async () => {
      throw new Error("the producers send one message at a time");
    },
  });
  const bindings = env as unknown as Record<string, Queue<unknown>>;
  const shard1 = `${family}_1`;
  const workerEnv = {
    ...env,
    [countVar]: "2",
    [family]: record(family, bindings[family] as Queue<unknown>),
    [shard1]: record(shard1, bindings[shard1] as Queue<unknown>),
  };
  return { workerEnv, sent };
}

/** Fresh users until one hashes to each of the two shards. */
function usersOnBothShards(label: string): [string, string] {
  const found: Array<string | undefined> = [undefined, undefined];
  while (found[0] === undefined || found[1] === undefined) {
    const user = uniqueUser(label);
    found[shardOf(user, 2)] ??= user;
  }
  return [found[0], found[1]];
}

beforeAll(async () => {
  await seedCatalog();
});

describe("sharded clicks queue", () => {
  it("sends each user's click to the shard of its user id, and both shards' clicks are stored", async () => {
    const { workerEnv, sent } = twoShardEnv("CLICKS", "CLICK_QUEUE_SHARDS");
    const users = usersOnBothShards("shard-click");
    for (const user of users) {
      const response = await followLink(await trackingLinkFor(user, OFFER), workerEnv);
      expect(response.status).toBe(302);
    }
    expect(sent.map((s) => s.binding)).toEqual(["CLICKS", "CLICKS_1"]);
    for (const [i, user] of users.entries()) {
      const body = sent[i]?.body as { kind: "click"; userId: string };
      expect(body.userId).toBe(user);
      expect(shardOf(clickShardKey(body), 2)).toBe(i);
    }
    // Each shard's consumer stores its click in the user's wallet object.
    for (const user of users) await eventually(async () => (await storedClickCount(user)) === 1);
  });
});

describe("sharded postbacks queue", () => {
  it("keeps every update of one order on one shard, and both shards' postbacks settle", async () => {
    const { workerEnv, sent } = twoShardEnv("POSTBACKS", "POSTBACK_QUEUE_SHARDS");
    const user = uniqueUser("shard-postback");
    const { subId } = await clickThrough(user, OFFER);
    const decoded = await decodeSubId(env.SUBID_SIGNING_KEY, subId);
    expect(decoded.ok).toBe(true);
    // One order id per shard.
    const orders: Array<string | undefined> = [undefined, undefined];
    for (let i = 0; orders[0] === undefined || orders[1] === undefined; i++) {
      const orderId = `ord-shard-${i}-${Math.random().toString(36).slice(2, 8)}`;
      const shard = shardOf(
        postbackShardKey({ networkId: NETWORK, postbackId: "-", conversions: [{ orderId }] }),
        2,
      );
      orders[shard] ??= orderId;
    }
    for (const orderId of orders) {
      const body = postbackBody({ order_id: orderId ?? "", sub_id: subId });
      expect((await sendPostback(NETWORK, body, { workerEnv })).status).toBe(202);
    }
    for (const orderId of orders) {
      await eventually(
        async () => (await d1Transaction(NETWORK, orderId ?? ""))?.status === "pending",
      );
    }
    // A later update of the first order goes where its first postback went, and settles.
    const update = postbackBody({ order_id: orders[0] ?? "", sub_id: subId, status: "approved" });
    expect((await sendPostback(NETWORK, update, { workerEnv })).status).toBe(202);
    expect(sent.map((s) => s.binding)).toEqual(["POSTBACKS", "POSTBACKS_1", "POSTBACKS"]);
    await eventually(
      async () => (await d1Transaction(NETWORK, orders[0] ?? ""))?.status === "confirmed",
    );
  });
});

describe("sharded ledger-events queue", () => {
  it("the wallet's outbox sends each user's events to the shard of its user id, and both shards' consumers project them", async () => {
    const sent: Array<{ binding: string; user: string; kind: string; events: number }> = [];
    const record = (binding: string, queue: Queue<LedgerQueueMessage>) =>
      ({
        send: async () => {
          throw new Error("the outbox sends batches");
        },
        sendBatch: async (batch: Iterable<MessageSendRequest<LedgerQueueMessage>>) => {
          const messages = [...batch];
          for (const m of messages) {
            const events = m.body.kind === "ledger_bundle" ? m.body.events.length : 1;
            sent.push({ binding, user: m.body.userId, kind: m.body.kind, events });
          }
          await queue.sendBatch(messages);
        },
      }) as unknown as Queue<LedgerQueueMessage>;
    const sink = {
      send: async () => {},
      sendBatch: async () => {},
    } as unknown as Queue<never>;
    const queues = {
      LEDGER_EVENT_QUEUE_SHARDS: "2",
      LEDGER_EVENTS: record("LEDGER_EVENTS", env.LEDGER_EVENTS),
      LEDGER_EVENTS_1: record("LEDGER_EVENTS_1", env.LEDGER_EVENTS_1),
      PAYOUTS: sink,
      NOTICES: sink,
      NOTIFY_TRANSACTIONAL: sink,
      RISK_OBSERVATIONS: sink,
    };
    const currency = `L${Math.random().toString(36).slice(2, 6).toUpperCase()}`;
    const users = usersOnBothShards("shard-ledger");
    for (const [i, user] of users.entries()) {
      await runInDurableObject(walletStub(user), async (_instance, state) => {
        const sql = state.storage.sql;
        // Whatever the wallet's start left in its outbox goes to the sink first.
        const drain = { ...queues, LEDGER_EVENTS: sink, LEDGER_EVENTS_1: sink };
        await sendOutbox(sql, drain, log);
        for (const ledgerSeq of [1, 2]) {
          insertOutbox(sql, {
            kind: "balances",
            userId: user,
            ledgerSeq,
            atMs: Date.now(),
            balances: [{ bucket: "confirmed", currency, balanceMinor: 100 * (i + 1) * ledgerSeq }],
          });
        }
        await sendOutbox(sql, queues, log);
        expect(readOutbox(sql, 10)).toEqual([]);
      });
    }
    // One message per user and flush: the two balances in one bundle (docs/benchmarks.md "One
    // ledger-events message per flush"), on the user's shard.
    expect(sent).toEqual([
      { binding: "LEDGER_EVENTS", user: users[0], kind: "ledger_bundle", events: 2 },
      { binding: "LEDGER_EVENTS_1", user: users[1], kind: "ledger_bundle", events: 2 },
    ]);
    // Each shard's consumer (the api's one queue(), dispatching on the shard-0 name) projects.
    for (const [i, user] of users.entries()) {
      await eventually(async () => {
        const row = await env.DB.prepare(
          `SELECT balance_minor FROM wallet_balances WHERE user_id = ? AND currency = ?`,
        )
          .bind(user, currency)
          .first<{ balance_minor: number }>();
        return row?.balance_minor === 200 * (i + 1);
      });
    }
  });
});

describe("a wallet's stored outbox across the bundled-row change", () => {
  it("single-event rows written before it and bundled rows flush as one message, in order, and are projected", async () => {
    const sent: Array<{ kind: string; ledgerSeqs: number[] }> = [];
    const sink = { send: async () => {}, sendBatch: async () => {} } as unknown as Queue<never>;
    const ledger = {
      send: async () => {
        throw new Error("the outbox sends batches");
      },
      sendBatch: async (batch: Iterable<MessageSendRequest<LedgerQueueMessage>>) => {
        const messages = [...batch];
        for (const { body } of messages) {
          const events = body.kind === "ledger_bundle" ? body.events : [body];
          sent.push({
            kind: body.kind,
            ledgerSeqs: events.map((e) => (e.kind === "balances" ? e.ledgerSeq : -1)),
          });
        }
        await env.LEDGER_EVENTS.sendBatch(messages);
      },
    } as unknown as Queue<LedgerQueueMessage>;
    const queues = {
      LEDGER_EVENTS: ledger,
      PAYOUTS: sink,
      NOTICES: sink,
      NOTIFY_TRANSACTIONAL: sink,
      RISK_OBSERVATIONS: sink,
    };
    const currency = `M${Math.random().toString(36).slice(2, 6).toUpperCase()}`;
    const user = uniqueUser("outbox-mixed");
    const balancesAt = (ledgerSeq: number) => ({
      kind: "balances" as const,
      userId: user,
      ledgerSeq,
      atMs: Date.now(),
      balances: [{ bucket: "confirmed" as const, currency, balanceMinor: 100 * ledgerSeq }],
    });
    await runInDurableObject(walletStub(user), async (_instance, state) => {
      const sql = state.storage.sql;
      await sendOutbox(sql, { ...queues, LEDGER_EVENTS: sink }, log);
      // A row as every wallet wrote it before (one event), then a unit of work's bundled row.
      insertOutbox(sql, balancesAt(1));
      insertOutboxRows(sql, bundleOutboxRows([balancesAt(2), balancesAt(3)].map(outboxRowOf)));
      expect(readOutbox(sql, 10).map((r) => JSON.parse(r.body).kind)).toEqual([
        "balances",
        "ledger_bundle",
      ]);
      await sendOutbox(sql, queues, log);
      expect(readOutbox(sql, 10)).toEqual([]);
    });
    expect(sent).toEqual([{ kind: "ledger_bundle", ledgerSeqs: [1, 2, 3] }]);
    await eventually(async () => {
      const row = await env.DB.prepare(
        `SELECT balance_minor FROM wallet_balances WHERE user_id = ? AND currency = ?`,
      )
        .bind(user, currency)
        .first<{ balance_minor: number }>();
      return row?.balance_minor === 300;
    });
  });
});

const log = createLogger({ worker: "wallet" });

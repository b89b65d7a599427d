import {
  createExecutionContext,
  createMessageBatch,
  getQueueResult,
  runInDurableObject,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { LedgerQueueMessage, PostbackMessage } from "#shared/messages";
import apiWorker from "#workers/api/src/index";
import {
  balances,
  clickThrough,
  seedCatalog,
  uniqueUser,
  waitForClicks,
  walletStub,
} from "./helpers";
import { acceptedPostbackMessage } from "./postback-messages";

/**
 * The wallet object's SQL statements per credited postback (issue 16 item 4; docs/benchmarks.md
 * "The wallet's SQL per conversion"): every `exec` the object makes from the postbacks
 * consumer's `applyConversions` call through the commit and its `afterWrite` (outbox flush,
 * alarm) is counted. The code before the statements were folded made 37 for one conversion,
 * 118 for four in one call and 16 for their replay (22, 67 and 12 once folded; 21 and 63 with
 * each entry hashed by its own INSERT); a change that adds statements back to
 * this path fails here. The outbox rows the call writes (then reads and deletes) are counted
 * too: 3 and 9 with a row per message, 2 and 5 with the call's ledger events in one row.
 */
const NETWORK = "test-net";
const OFFER = "test-shop-offer";

beforeAll(async () => {
  await seedCatalog();
});

type ExecLog = { __walletExecLog?: string[]; __walletLedgerSends?: string[][] };

/**
 * Records every `exec` of the wallet object's SQL handle (the one its modules share), and the
 * kinds of the events in every message its outbox flush sends on the ledger-events queue.
 */
async function recordExec(userId: string): Promise<void> {
  await runInDurableObject(walletStub(userId), (instance) => {
    const sql = (instance as unknown as { sql: SqlStorage }).sql;
    const g = globalThis as ExecLog;
    g.__walletExecLog = [];
    g.__walletLedgerSends = [];
    const flusher = (instance as unknown as { outbox: { queues: Record<string, unknown> } }).outbox;
    const queues = flusher.queues;
    const ledger = queues.LEDGER_EVENTS as Queue<LedgerQueueMessage>;
    const recorder = {
      send: (body: LedgerQueueMessage) => ledger.send(body),
      sendBatch: (batch: Iterable<MessageSendRequest<LedgerQueueMessage>>) => {
        const messages = [...batch];
        for (const { body } of messages) {
          const events = body.kind === "ledger_bundle" ? body.events : [body];
          g.__walletLedgerSends?.push(events.map((e) => e.kind));
        }
        return ledger.sendBatch(messages);
      },
    };
    flusher.queues = new Proxy(queues, {
      get: (target, key) => (key === "LEDGER_EVENTS" ? recorder : target[key as string]),
    });
    const real = sql.exec.bind(sql);
    (sql as unknown as { exec: unknown }).exec = (query: string, ...params: unknown[]) => {
      g.__walletExecLog?.push(query.replace(/\s+/g, " ").trim());
      return real(query, ...params);
    };
  });
}

/** The statements recorded since the last call. */
function takeExec(userId: string): Promise<string[]> {
  return runInDurableObject(walletStub(userId), () => {
    const g = globalThis as ExecLog;
    const log = g.__walletExecLog ?? [];
    g.__walletExecLog = [];
    return log;
  });
}

/** The ledger-events messages sent since the last call, each as its events' kinds. */
function takeLedgerSends(userId: string): Promise<string[][]> {
  return runInDurableObject(walletStub(userId), () => {
    const g = globalThis as ExecLog;
    const sends = g.__walletLedgerSends ?? [];
    g.__walletLedgerSends = [];
    return sends;
  });
}

/** Rows the recorded statements inserted into the outbox (a multi-row INSERT binds 2 each). */
function outboxRowsWritten(statements: readonly string[]): number {
  return statements
    .filter((q) => q.startsWith("INSERT INTO outbox"))
    .reduce((rows, q) => rows + (q.match(/\(\?, \?\)/g)?.length ?? 0), 0);
}

async function consume(bodies: PostbackMessage[], attempts = 1) {
  const batch = createMessageBatch<PostbackMessage>(
    "boomerang-postbacks",
    bodies.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts, body })),
  );
  const ctx = createExecutionContext();
  await apiWorker.queue(batch, env, ctx);
  return getQueueResult(batch, ctx);
}

describe("wallet SQL statements per credited postback", () => {
  it("one conversion, four in one call and their replay stay within their counts", async () => {
    const user = uniqueUser("sqlcount");
    const subIds: string[] = [];
    for (let k = 0; k < 6; k++) subIds.push((await clickThrough(user, OFFER)).subId);
    await waitForClicks(user, 6);
    const message = (k: number) =>
      acceptedPostbackMessage(NETWORK, `pb_sqlcount_${user}_${k}`, {
        orderId: `ORD-${user}-${k}`,
        subId: subIds[k] as string,
      });

    // The first conversion binds the user and starts the ledger's chain: not counted.
    await consume([await message(0)]);
    await recordExec(user);

    expect((await consume([await message(1)])).retryMessages).toEqual([]);
    const one = await takeExec(user);
    const oneSends = await takeLedgerSends(user);

    const four = await Promise.all([2, 3, 4, 5].map(message));
    expect((await consume(four)).retryMessages).toEqual([]);
    const batch = await takeExec(user);
    const batchSends = await takeLedgerSends(user);

    expect((await consume(four, 2)).retryMessages).toEqual([]);
    const replay = await takeExec(user);

    console.log(
      `wallet exec per call: one ${one.length}, four ${batch.length}, replay ${replay.length}\n` +
        one.map((q) => q.slice(0, 100)).join("\n"),
    );
    // One outbox write per call carries every message the call published.
    expect(one.filter((q) => q.startsWith("INSERT INTO outbox"))).toHaveLength(1);
    expect(batch.filter((q) => q.startsWith("INSERT INTO outbox"))).toHaveLength(1);
    // Its rows: the call's ledger events as one bundled row, and each cashback notice
    // (docs/benchmarks.md "One outbox row per call's ledger events"); before, a row per event
    // (3 for one conversion, 9 for four).
    expect(outboxRowsWritten(one)).toBe(2);
    expect(outboxRowsWritten(batch)).toBe(5);
    expect(one.length).toBeLessThanOrEqual(21);
    expect(batch.length).toBeLessThanOrEqual(63);
    expect(replay.length).toBeLessThanOrEqual(12);
    // One ledger-events message per flush carries the call's projections, in order
    // (docs/benchmarks.md "One ledger-events message per flush"); before, one per event.
    expect(oneSends).toEqual([["transaction", "balances"]]);
    expect(batchSends).toEqual([
      ["transaction", "transaction", "transaction", "transaction", "balances"],
    ]);

    // Credited once each, the ledger's chain intact.
    expect(await balances(user)).toEqual({ pending: 30_000 });
    expect(await walletStub(user).audit()).toEqual({ ok: true, violations: [] });
  });
});

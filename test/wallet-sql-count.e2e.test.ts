import {
  createExecutionContext,
  createMessageBatch,
  getQueueResult,
  runInDurableObject,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { PostbackMessage } from "#shared/messages";
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
 * 118 for four in one call and 16 for their replay; a change that adds statements back to
 * this path fails here.
 */
const NETWORK = "test-net";
const OFFER = "test-shop-offer";

beforeAll(async () => {
  await seedCatalog();
});

type ExecLog = { __walletExecLog?: string[] };

/** Records every `exec` of the wallet object's SQL handle (the one its modules share). */
async function recordExec(userId: string): Promise<void> {
  await runInDurableObject(walletStub(userId), (instance) => {
    const sql = (instance as unknown as { sql: SqlStorage }).sql;
    const g = globalThis as ExecLog;
    g.__walletExecLog = [];
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

    const four = await Promise.all([2, 3, 4, 5].map(message));
    expect((await consume(four)).retryMessages).toEqual([]);
    const batch = await takeExec(user);

    expect((await consume(four, 2)).retryMessages).toEqual([]);
    const replay = await takeExec(user);

    console.log(
      `wallet exec per call: one ${one.length}, four ${batch.length}, replay ${replay.length}\n` +
        one.map((q) => q.slice(0, 100)).join("\n"),
    );
    // One outbox write per call carries every message the call published.
    expect(one.filter((q) => q.startsWith("INSERT INTO outbox"))).toHaveLength(1);
    expect(batch.filter((q) => q.startsWith("INSERT INTO outbox"))).toHaveLength(1);
    expect(one.length).toBeLessThanOrEqual(22);
    expect(batch.length).toBeLessThanOrEqual(67);
    expect(replay.length).toBeLessThanOrEqual(12);

    // Credited once each, the ledger's chain intact.
    expect(await balances(user)).toEqual({ pending: 30_000 });
    expect(await walletStub(user).audit()).toEqual({ ok: true, violations: [] });
  });
});

import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
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
 * The postbacks consumer calls each user's wallet once per batch (issue 16 item 4): all the
 * user's conversions in one `applyConversions` call, one storage transaction. A consumer that
 * went back to one wallet call per message fails the count.
 */
const NETWORK = "test-net";
const OFFER = "test-shop-offer";

beforeAll(async () => {
  await seedCatalog();
});

function message(orderId: string, subId: string, i: number): Promise<PostbackMessage> {
  return acceptedPostbackMessage(NETWORK, `pb_batching_${orderId}_${i}`, { orderId, subId });
}

/** The real wallet namespace, counting every RPC the consumer makes, by user and method. */
function countingEnv() {
  const calls: Array<{ user: string; method: string; events: number }> = [];
  const names = new Map<string, string>();
  const wallet = {
    idFromName: (name: string) => {
      const id = env.WALLET.idFromName(name);
      names.set(id.toString(), name);
      return id;
    },
    get: (id: DurableObjectId) => {
      const real = env.WALLET.get(id);
      const user = names.get(id.toString()) ?? "?";
      // The two ways to credit a conversion; a per-message loop shows up as more calls.
      return {
        applyConversion: (...args: Parameters<typeof real.applyConversion>) => {
          calls.push({ user, method: "applyConversion", events: 1 });
          return real.applyConversion(...args);
        },
        applyConversions: (...args: Parameters<typeof real.applyConversions>) => {
          calls.push({ user, method: "applyConversions", events: args[0].length });
          return real.applyConversions(...args);
        },
      };
    },
  };
  return { env: { ...env, WALLET: wallet } as unknown as typeof env, calls };
}

describe("postbacks consumer: one wallet call per user per batch", () => {
  it("a batch of five postbacks for two users makes two wallet calls and credits each once", async () => {
    const alice = uniqueUser("batch-a");
    const bob = uniqueUser("batch-b");
    const orders: Array<{ user: string; orderId: string; subId: string }> = [];
    for (const [user, count] of [
      [alice, 3],
      [bob, 2],
    ] as const) {
      for (let k = 0; k < count; k++) {
        const { subId } = await clickThrough(user, OFFER);
        orders.push({ user, orderId: `ORD-${user}-${k}`, subId });
      }
      await waitForClicks(user, count);
    }
    // Interleaved, as a queue delivers them.
    const order = [0, 3, 1, 4, 2].map((i) => orders[i] as (typeof orders)[0]);
    const bodies = await Promise.all(order.map((o, i) => message(o.orderId, o.subId, i)));
    const batch = createMessageBatch<PostbackMessage>(
      "boomerang-postbacks",
      bodies.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: 1, body })),
    );
    const { env: counting, calls } = countingEnv();
    const ctx = createExecutionContext();
    await apiWorker.queue(batch, counting, ctx);
    const result = await getQueueResult(batch, ctx);

    expect(result.retryMessages).toEqual([]);
    expect(result.explicitAcks.sort()).toEqual(["m0", "m1", "m2", "m3", "m4"]);
    // Distinct users = wallet calls; each carried all of its user's conversions.
    expect(calls).toHaveLength(2);
    expect(calls.map((c) => c.method)).toEqual(["applyConversions", "applyConversions"]);
    expect(Object.fromEntries(calls.map((c) => [c.user, c.events]))).toEqual({
      [alice]: 3,
      [bob]: 2,
    });

    expect(await balances(alice)).toEqual({ pending: 15_000 });
    expect(await balances(bob)).toEqual({ pending: 10_000 });
    expect(await walletStub(alice).listLedger(null, 10)).toHaveLength(3);
    expect((await walletStub(alice).audit()).ok).toBe(true);

    // Redelivered whole: the same single call per user, nothing credited twice.
    const again = createMessageBatch<PostbackMessage>(
      "boomerang-postbacks",
      bodies.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: 2, body })),
    );
    const ctx2 = createExecutionContext();
    await apiWorker.queue(again, counting, ctx2);
    expect((await getQueueResult(again, ctx2)).explicitAcks.sort()).toEqual([
      "m0",
      "m1",
      "m2",
      "m3",
      "m4",
    ]);
    expect(calls).toHaveLength(4);
    expect(await balances(alice)).toEqual({ pending: 15_000 });
    expect(await balances(bob)).toEqual({ pending: 10_000 });
    expect(await walletStub(bob).listLedger(null, 10)).toHaveLength(2);
  });
});

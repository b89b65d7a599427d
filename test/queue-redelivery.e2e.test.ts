import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { PostbackMessage } from "#shared/messages";
import { signPostback } from "#shared/postback/signature";
import apiWorker from "#workers/api/src/index";
import {
  balances,
  clickThrough,
  d1Transaction,
  eventually,
  postbackBody,
  seedCatalog,
  uniqueUser,
  waitForClicks,
  walletStub,
} from "./helpers";

const NETWORK = "test-net";
const OFFER = "test-shop-offer";

beforeAll(async () => {
  await seedCatalog();
});

/** Postback messages exactly as the postback worker would enqueue them. */
async function postbackMessages(
  orders: Array<{ orderId: string; subId: string }>,
): Promise<PostbackMessage[]> {
  return Promise.all(
    orders.map(async ({ orderId, subId }, i) => {
      const rawBody = postbackBody({ order_id: orderId, sub_id: subId });
      return {
        kind: "postback" as const,
        postbackId: `pb_redelivery_${orderId}_${i}`,
        networkId: NETWORK,
        receivedAtMs: Date.now(),
        verdict: "accepted" as const,
        rejectReason: null,
        rawBody,
        signatureHeader: await signPostback("unused", NETWORK, rawBody, 0),
        sourceIp: null,
      };
    }),
  );
}

/**
 * An env whose wallet namespace fails `failUser`'s first wallet call *after* the wallet has
 * committed, the worst case: the credit happened but the consumer saw an error. (The consumer
 * calls each user's wallet once per batch, users in parallel, so the failure is named by user
 * rather than by call order.)
 */
function envFailingAfterCommit(failUser: string) {
  let failed = false;
  const wallet = {
    idFromName: (name: string) => env.WALLET.idFromName(name),
    get: (id: DurableObjectId) => {
      const real = env.WALLET.get(id);
      const isFailUser = id.equals(env.WALLET.idFromName(failUser));
      return {
        applyConversions: async (...args: Parameters<typeof real.applyConversions>) => {
          const result = await real.applyConversions(...args);
          if (isFailUser && !failed) {
            failed = true;
            throw new Error("injected: connection lost after commit");
          }
          return result;
        },
      };
    },
  };
  return { ...env, WALLET: wallet } as unknown as typeof env;
}

describe("postbacks consumer under failure", () => {
  it("a consumer that fails mid-batch is redelivered and still credits exactly once", async () => {
    const users = [uniqueUser("mid-a"), uniqueUser("mid-b"), uniqueUser("mid-c")];
    const orders = [];
    for (const user of users) {
      const { subId } = await clickThrough(user, OFFER);
      orders.push({ orderId: `ORD-${user}`, subId });
    }
    await Promise.all(users.map((u) => waitForClicks(u)));
    const bodies = await postbackMessages(orders);

    // First delivery: the second message fails after its credit committed.
    const first = createMessageBatch<PostbackMessage>(
      "boomerang-postbacks",
      bodies.map((body, i) => ({
        id: `m${i}`,
        timestamp: new Date(),
        attempts: 1,
        body,
      })),
    );
    const ctx1 = createExecutionContext();
    await apiWorker.queue(first, envFailingAfterCommit(users[1] as string), ctx1);
    const result1 = await getQueueResult(first, ctx1);
    expect(result1.explicitAcks).toEqual(["m0", "m2"]);
    expect(result1.retryMessages.map((m: { msgId: string }) => m.msgId)).toEqual(["m1"]);

    // The platform redelivers; to be strict, redeliver the whole batch, twice.
    for (const attempt of [2, 3]) {
      const again = createMessageBatch<PostbackMessage>(
        "boomerang-postbacks",
        bodies.map((body, i) => ({
          id: `m${i}`,
          timestamp: new Date(),
          attempts: attempt,
          body,
        })),
      );
      const ctx = createExecutionContext();
      await apiWorker.queue(again, env, ctx);
      const result = await getQueueResult(again, ctx);
      expect(result.retryMessages).toEqual([]);
      expect(result.explicitAcks.sort()).toEqual(["m0", "m1", "m2"]);
    }

    for (const user of users) {
      expect(await balances(user)).toEqual({ pending: 5_000 });
      expect(await walletStub(user).listLedger(null, 10)).toHaveLength(1);
      expect((await walletStub(user).audit()).ok).toBe(true);
    }
  });

  it("a consumer whose D1 audit write fails throws, so the whole batch is retried and nothing is credited twice", async () => {
    const user = uniqueUser("d1fail");
    const { subId } = await clickThrough(user, OFFER);
    const bodies = await postbackMessages([{ orderId: `ORD-${user}`, subId }]);
    const brokenDb = new Proxy(env.DB, {
      get(target, prop, receiver) {
        if (prop === "batch") return () => Promise.reject(new Error("injected: D1 unavailable"));
        const value = Reflect.get(target, prop, receiver);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const batch = createMessageBatch<PostbackMessage>("boomerang-postbacks", [
      { id: "only", timestamp: new Date(), attempts: 1, body: bodies[0] as PostbackMessage },
    ]);
    const ctx = createExecutionContext();
    await expect(apiWorker.queue(batch, { ...env, DB: brokenDb }, ctx)).rejects.toThrow(
      /D1 unavailable/,
    );
    expect(await balances(user)).toEqual({});

    await waitForClicks(user, 1);
    const retry = createMessageBatch<PostbackMessage>("boomerang-postbacks", [
      { id: "only", timestamp: new Date(), attempts: 2, body: bodies[0] as PostbackMessage },
    ]);
    const ctx2 = createExecutionContext();
    await apiWorker.queue(retry, env, ctx2);
    expect((await getQueueResult(retry, ctx2)).explicitAcks).toEqual(["only"]);
    expect(await balances(user)).toEqual({ pending: 5_000 });
  });

  it("a postback that arrives before its click waits (retry with delay) instead of being rejected", async () => {
    const user = uniqueUser("early");
    const { encodeSubId } = await import("#shared/links/sub-id");
    const clickId = `clk_${crypto.randomUUID().replaceAll("-", "")}`;
    const clickedAtMs = Math.floor(Date.now() / 1000) * 1000;
    const subId = await encodeSubId(env.SUBID_SIGNING_KEY, {
      userId: user,
      offerId: OFFER,
      clickId,
      clickAtSec: clickedAtMs / 1000,
    });
    const bodies = await postbackMessages([{ orderId: `ORD-${user}`, subId }]);
    const batch = createMessageBatch<PostbackMessage>("boomerang-postbacks", [
      { id: "early", timestamp: new Date(), attempts: 1, body: bodies[0] as PostbackMessage },
    ]);
    const ctx = createExecutionContext();
    await apiWorker.queue(batch, env, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.retryMessages.map((m: { msgId: string }) => m.msgId)).toEqual(["early"]);
    expect(await balances(user)).toEqual({});

    // The click lands; the redelivered postback now credits.
    await walletStub(user).recordClicks(user, [
      {
        clickId,
        offerId: OFFER,
        merchantId: "test-shop",
        networkId: NETWORK,
        clickedAtMs,
        currency: "INR",
        terms: { basis: "sale", defaultRateBps: 500, categoryRates: {} },
        returnWindowDays: 30,
      },
    ]);
    const again = createMessageBatch<PostbackMessage>("boomerang-postbacks", [
      { id: "early", timestamp: new Date(), attempts: 2, body: bodies[0] as PostbackMessage },
    ]);
    const ctx2 = createExecutionContext();
    await apiWorker.queue(again, env, ctx2);
    expect((await getQueueResult(again, ctx2)).explicitAcks).toEqual(["early"]);
    expect(await balances(user)).toEqual({ pending: 5_000 });
  });
});

describe("clicks consumer", () => {
  it("redelivered clicks are stored once and counted once in the D1 rollup", async () => {
    const user = uniqueUser("rollup");
    const day = new Date().toISOString().slice(0, 10);
    const offerId = "rollup-offer";
    await seedCatalog({ offerId });
    const before = await env.DB.prepare(
      `SELECT clicks FROM click_rollups WHERE offer_id = ? AND day = ?`,
    )
      .bind(offerId, day)
      .first<{ clicks: number }>();
    expect(before).toBeNull();
    const message = (i: number) => ({
      id: `c${i}`,
      timestamp: new Date(),
      attempts: 1,
      body: {
        kind: "click" as const,
        clickId: `clk_rollup_${user}_${i}`.replaceAll(/[^A-Za-z0-9_-]/g, ""),
        userId: user,
        offerId,
        merchantId: "test-shop",
        networkId: NETWORK,
        clickedAtMs: Date.now(),
        currency: "INR",
        terms: { basis: "sale" as const, defaultRateBps: 500, categoryRates: {} },
        returnWindowDays: 30,
      },
    });
    for (let delivery = 0; delivery < 3; delivery++) {
      const batch = createMessageBatch("boomerang-clicks", [message(1), message(2), message(3)]);
      const ctx = createExecutionContext();
      await apiWorker.queue(batch, env, ctx);
      expect((await getQueueResult(batch, ctx)).explicitAcks.sort()).toEqual(["c1", "c2", "c3"]);
    }
    const after = await env.DB.prepare(
      `SELECT clicks FROM click_rollups WHERE offer_id = ? AND day = ?`,
    )
      .bind(offerId, day)
      .first<{ clicks: number }>();
    expect(after?.clicks).toBe(3);
  });
});

describe("click retention", () => {
  it("prunes clicks a week past the attribution window, once their rollup is done", async () => {
    const user = uniqueUser("prune");
    const nowMs = Date.now();
    const click = (id: string, ageDays: number) => ({
      kind: "click" as const,
      clickId: `clk_prune_${id}_${user}`.replaceAll(/[^A-Za-z0-9_]/g, ""),
      userId: user,
      offerId: OFFER,
      merchantId: "test-shop",
      networkId: NETWORK,
      clickedAtMs: nowMs - ageDays * 86_400_000,
      currency: "INR",
      terms: { basis: "sale" as const, defaultRateBps: 500, categoryRates: {} },
      returnWindowDays: 30,
    });
    const batch = createMessageBatch("boomerang-clicks", [
      { id: "old", timestamp: new Date(), attempts: 1, body: click("old", 40) },
      { id: "new", timestamp: new Date(), attempts: 1, body: click("new", 10) },
    ]);
    const ctx = createExecutionContext();
    await apiWorker.queue(batch, env, ctx);
    expect((await getQueueResult(batch, ctx)).explicitAcks.sort()).toEqual(["new", "old"]);

    // The old click is already due for pruning, so the wallet's alarm fires at once; an
    // explicit run (what the cron backstop does) prunes whatever the alarm has not.
    const { runInDurableObject } = await import("cloudflare:test");
    await eventually(async () => {
      await walletStub(user).runDue(nowMs);
      return runInDurableObject(
        walletStub(user),
        (_i, s) =>
          s.storage.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM clicks`).one().n === 1,
      );
    });
    const left = await runInDurableObject(walletStub(user), (_i, s) => ({
      clicks: s.storage.sql.exec<{ click_id: string }>(`SELECT click_id FROM clicks`).toArray(),
      prune: s.storage.sql
        .exec<{ due_at_ms: number }>(`SELECT due_at_ms FROM schedule WHERE kind = 'prune_clicks'`)
        .toArray(),
    }));
    expect(left.clicks.map((c) => c.click_id)).toEqual([click("new", 10).clickId]);
    // The next prune is due when the remaining click leaves retention (37 days after it).
    expect(left.prune).toEqual([{ due_at_ms: click("new", 10).clickedAtMs + 37 * 86_400_000 }]);
    expect((await walletStub(user).runDue(nowMs)).prunedClicks).toBe(0);
  });
});

describe("sub-ID key rotation and status updates", () => {
  async function deliver(bodies: PostbackMessage[], workerEnv: typeof env) {
    const batch = createMessageBatch<PostbackMessage>(
      "boomerang-postbacks",
      bodies.map((body, i) => ({ id: `r${i}`, timestamp: new Date(), attempts: 1, body })),
    );
    const ctx = createExecutionContext();
    await apiWorker.queue(batch, workerEnv, ctx);
    return getQueueResult(batch, ctx);
  }

  it("accepts sub-IDs signed with the previous key while a rotation is under way", async () => {
    const user = uniqueUser("rotate");
    const { subId } = await clickThrough(user, OFFER); // signed with the current key
    await waitForClicks(user, 1);
    const rotated = {
      ...env,
      SUBID_SIGNING_KEY: "the-new-sub-id-key-after-rotation-0123",
      SUBID_SIGNING_KEY_PREVIOUS: env.SUBID_SIGNING_KEY,
    } as typeof env;
    const [message] = await postbackMessages([{ orderId: `ORD-${user}`, subId }]);
    const result = await deliver([message as PostbackMessage], rotated);
    expect(result.explicitAcks).toEqual(["r0"]);
    expect(await balances(user)).toEqual({ pending: 5_000 });
  });

  it("routes a status update for a known order by the order, even if its sub-ID no longer verifies", async () => {
    const user = uniqueUser("update");
    const orderId = `ORD-${user}`;
    const { subId } = await clickThrough(user, OFFER);
    await waitForClicks(user, 1);
    const [sale] = await postbackMessages([{ orderId, subId }]);
    await deliver([sale as PostbackMessage], env);
    expect(await balances(user)).toEqual({ pending: 5_000 });
    await eventually(async () => (await d1Transaction(NETWORK, orderId))?.status === "pending");

    // The key was rotated without keeping the old one: the sub-ID is now "forged".
    const cancelBody = postbackBody({ order_id: orderId, sub_id: subId, status: "cancelled" });
    const cancel: PostbackMessage = {
      ...(sale as PostbackMessage),
      postbackId: "pb_cancel_after_rotation",
      rawBody: cancelBody,
    };
    const rotatedHard = {
      ...env,
      SUBID_SIGNING_KEY: "a-brand-new-key-without-the-old-one",
    } as typeof env;
    expect((await deliver([cancel], rotatedHard)).explicitAcks).toEqual(["r0"]);
    expect(await balances(user)).toEqual({ pending: 0 });
    await eventually(async () => (await d1Transaction(NETWORK, orderId))?.status === "cancelled");
  });
});

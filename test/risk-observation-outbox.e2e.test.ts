import {
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  getQueueResult,
  runInDurableObject,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { Velocity } from "#shared/fraud/velocity";
import type { ClickMessage, ClicksQueueMessage, PostbackMessage } from "#shared/messages";
import { signPostback } from "#shared/postback/signature";
import apiWorker from "#workers/api/src/index";
import {
  balances,
  clickThrough,
  eventually,
  followLink,
  postbackBody,
  seedCatalog,
  storedClickCount,
  trackingLinkFor,
  uniqueUser,
  waitForClicks,
  walletStub,
} from "./helpers";

/**
 * Best-effort observation reporting (docs/fraud.md "Fail-safe"): with the risk queue down, the
 * click and postback consumers still store the click and credit the wallet once, acknowledge
 * their messages (nothing retried towards the dead-letter queue) and keep the observations in
 * D1 `risk_observation_outbox`; once the queue is back the cron's sweep sends them through the
 * real `boomerang-risk` queue to the user's risk object, which counts each once however often
 * the sweep runs. With the outbox unwritable too, the message is retried as before.
 */

const NETWORK = "outbox-net";
const OFFER = "outbox-shop-offer";

beforeAll(async () => {
  await seedCatalog({ networkId: NETWORK, merchantId: "outbox-shop", offerId: OFFER });
});

const down = () => Promise.reject(new Error("injected: risk queue unavailable"));

/** The api worker's env with the risk queue failing every send (and, if asked, no outbox). */
function envRiskQueueDown(options: { outboxDown?: boolean } = {}) {
  const db = options.outboxDown
    ? new Proxy(env.DB, {
        get(target, prop, receiver) {
          if (prop === "prepare") {
            return (query: string) => {
              if (query.includes("risk_observation_outbox")) {
                throw new Error("injected: outbox unavailable");
              }
              return target.prepare(query);
            };
          }
          const value = Reflect.get(target, prop, receiver);
          return typeof value === "function" ? value.bind(target) : value;
        },
      })
    : env.DB;
  return {
    ...env,
    DB: db,
    RISK_OBSERVATIONS: { send: down, sendBatch: down },
  } as unknown as typeof env;
}

/** A click through the real redirect, its queue message captured instead of sent. */
async function capturedClick(userId: string): Promise<{ message: ClickMessage; subId: string }> {
  const sent: ClickMessage[] = [];
  const response = await followLink(await trackingLinkFor(userId, OFFER), {
    ...env,
    CLICKS: {
      send: async (body: ClickMessage) => {
        sent.push(body);
      },
      sendBatch: async (bodies: Array<{ body: ClickMessage }>) => {
        sent.push(...bodies.map((b) => b.body));
      },
    },
  });
  expect(response.status).toBe(302);
  const subId = new URL(response.headers.get("location") ?? "").searchParams.get("sub") ?? "";
  const [message] = sent;
  if (!message) throw new Error("the redirect sent no click");
  return { message, subId };
}

async function postbackMessage(orderId: string, subId: string): Promise<PostbackMessage> {
  const rawBody = postbackBody({ order_id: orderId, sub_id: subId });
  return {
    kind: "postback",
    postbackId: `pb_outbox_${orderId}`,
    networkId: NETWORK,
    receivedAtMs: Date.now(),
    verdict: "accepted",
    rejectReason: null,
    rawBody,
    signatureHeader: await signPostback("unused", NETWORK, rawBody, 0),
    sourceIp: null,
  };
}

/** Delivers one message to the api worker's consumer with `workerEnv`; its acks and retries. */
async function deliver<T>(queue: string, body: T, workerEnv: typeof env, attempts = 1) {
  const batch = createMessageBatch<T>(queue, [
    { id: "only", timestamp: new Date(), attempts, body },
  ]);
  const ctx = createExecutionContext();
  await apiWorker.queue(batch as MessageBatch<never>, workerEnv, ctx);
  const result = await getQueueResult(batch, ctx);
  return {
    acked: result.explicitAcks,
    retried: result.retryMessages.map((m: { msgId: string }) => m.msgId),
    retryBatch: result.retryBatch.retry,
  };
}

async function outboxIds(like: string): Promise<string[]> {
  const { results } = await env.DB.prepare(
    `SELECT observation_id FROM risk_observation_outbox WHERE observation_id LIKE ?
     ORDER BY observation_id`,
  )
    .bind(like)
    .all<{ observation_id: string }>();
  return results.map((r) => r.observation_id);
}

function riskObject(userId: string) {
  return env.RISK.get(env.RISK.idFromName(userId));
}

async function observationIdsOf(userId: string): Promise<string[]> {
  return runInDurableObject(riskObject(userId), (_instance, state) =>
    state.storage.sql
      .exec<{ observation_id: string }>(`SELECT observation_id FROM observations ORDER BY 1`)
      .toArray()
      .map((r) => r.observation_id),
  );
}

async function velocityOf(userId: string): Promise<Velocity> {
  const stub = riskObject(userId) as unknown as { riskOf(): Promise<{ velocity: Velocity }> };
  return (await stub.riskOf()).velocity;
}

/** The cron beat the sweep runs on, through the api worker's scheduled handler. */
async function runSweepCron(): Promise<void> {
  const ctx = createExecutionContext();
  await apiWorker.scheduled(
    createScheduledController({ cron: "*/10 * * * *", scheduledTime: Date.now() }),
    env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
}

/** Gives the risk queue time to deliver a duplicate, had there been one. */
const settle = () => new Promise((r) => setTimeout(r, 1_500));

describe("observation reporting with the risk queue down", () => {
  it("clicks and postbacks go on, the outbox keeps their observations, the sweep sends them once", async () => {
    const userId = uniqueUser("outbox");
    const orderId = `ORD-${userId}`;
    const riskDown = envRiskQueueDown();
    const { message: click, subId } = await capturedClick(userId);

    // The click: stored in the wallet and acknowledged, not retried.
    expect(await deliver<ClicksQueueMessage>("boomerang-clicks", click, riskDown)).toEqual({
      acked: ["only"],
      retried: [],
      retryBatch: false,
    });
    expect(await storedClickCount(userId)).toBe(1);

    // The postback: credited once and acknowledged; delivered again, a duplicate, acked again.
    const postback = await postbackMessage(orderId, subId);
    for (const attempts of [1, 2]) {
      expect(
        await deliver<PostbackMessage>("boomerang-postbacks", postback, riskDown, attempts),
      ).toEqual({ acked: ["only"], retried: [], retryBatch: false });
    }
    expect(await balances(userId)).toEqual({ pending: 5_000 });
    expect(await walletStub(userId).listLedger(null, 10)).toHaveLength(1);

    // The outbox holds both observations, one row each; the risk object has heard nothing.
    const clickId = `click:${click.clickId}`;
    const conversionId = `conversion:${NETWORK}:${orderId}`;
    expect(await outboxIds(clickId)).toEqual([clickId]);
    expect(await outboxIds(conversionId)).toEqual([conversionId]);
    expect(await observationIdsOf(userId)).toEqual([]);

    // The queue is back: the cron's sweep sends them through the real risk queue and deletes them.
    await runSweepCron();
    expect(await outboxIds(clickId)).toEqual([]);
    expect(await outboxIds(conversionId)).toEqual([]);
    await eventually(async () => (await observationIdsOf(userId)).length === 2);

    // Swept again, and a sent batch kept once more (a sweep that sent but could not delete):
    // the risk object still counts each once.
    await runSweepCron();
    const kept = JSON.stringify({
      observationId: clickId,
      userId,
      kind: "click",
      atMs: click.clickedAtMs,
      subjectRef: click.clickId,
      facts: { "signal.offerId": OFFER },
    });
    await env.DB.prepare(
      `INSERT INTO risk_observation_outbox (observation_id, observation_json, kept_at_ms)
       VALUES (?, ?, ?)`,
    )
      .bind(clickId, kept, Date.now())
      .run();
    await runSweepCron();
    expect(await outboxIds(clickId)).toEqual([]);
    await settle();
    expect(await observationIdsOf(userId)).toEqual([clickId, conversionId].sort());
    const velocity = await velocityOf(userId);
    expect(velocity.click["24h"]).toBe(1);
    expect(velocity.conversion["24h"]).toBe(1);

    // The money was never in question.
    expect(await balances(userId)).toEqual({ pending: 5_000 });
    expect((await walletStub(userId).audit()).ok).toBe(true);
  });

  it("with the outbox unwritable too, the message is retried as before and nothing is kept", async () => {
    const userId = uniqueUser("outbox-down");
    const orderId = `ORD-${userId}`;
    const bothDown = envRiskQueueDown({ outboxDown: true });
    const { message: click, subId } = await capturedClick(userId);

    const clickRun = await deliver<ClicksQueueMessage>("boomerang-clicks", click, bothDown);
    expect(clickRun.acked).toEqual([]);
    expect(clickRun.retried).toEqual(["only"]);
    // Stored already: the retry finds the click there and stores nothing twice.
    expect(await storedClickCount(userId)).toBe(1);

    const postback = await postbackMessage(orderId, subId);
    const postbackRun = await deliver<PostbackMessage>("boomerang-postbacks", postback, bothDown);
    expect(postbackRun.acked).toEqual([]);
    expect(postbackRun.retried).toEqual(["only"]);
    expect(await balances(userId)).toEqual({ pending: 5_000 });

    expect(await outboxIds(`click:${click.clickId}`)).toEqual([]);
    expect(await outboxIds(`conversion:${NETWORK}:${orderId}`)).toEqual([]);

    // The redelivery with everything up: acked, credited once, observed once.
    expect(await deliver<ClicksQueueMessage>("boomerang-clicks", click, env, 2)).toMatchObject({
      acked: ["only"],
    });
    expect(await deliver<PostbackMessage>("boomerang-postbacks", postback, env, 2)).toMatchObject({
      acked: ["only"],
    });
    expect(await storedClickCount(userId)).toBe(1);
    expect(await walletStub(userId).listLedger(null, 10)).toHaveLength(1);
    await eventually(async () => (await observationIdsOf(userId)).length === 2);
  });

  it("a batch of postbacks reports its conversions to the risk queue in one send", async () => {
    const users = [uniqueUser("batch-a"), uniqueUser("batch-b"), uniqueUser("batch-c")];
    const bodies: PostbackMessage[] = [];
    for (const userId of users) {
      const { subId } = await clickThrough(userId, OFFER);
      bodies.push(await postbackMessage(`ORD-${userId}`, subId));
    }
    await Promise.all(users.map((u) => waitForClicks(u)));

    const sends: number[] = [];
    const counting = {
      ...env,
      RISK_OBSERVATIONS: {
        send: (body: unknown) => {
          sends.push(1);
          return env.RISK_OBSERVATIONS.send(body as never);
        },
        sendBatch: (messages: Array<{ body: unknown }>) => {
          sends.push(messages.length);
          return env.RISK_OBSERVATIONS.sendBatch(messages as never);
        },
      },
    } as unknown as typeof env;
    const batch = createMessageBatch<PostbackMessage>(
      "boomerang-postbacks",
      bodies.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: 1, body })),
    );
    const ctx = createExecutionContext();
    await apiWorker.queue(batch, counting, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual(["m0", "m1", "m2"]);
    expect(sends).toEqual([3]);
    for (const userId of users) {
      expect(await balances(userId)).toEqual({ pending: 5_000 });
      await eventually(async () =>
        (await observationIdsOf(userId)).some((id) => id.startsWith("conversion:")),
      );
    }
  });
});

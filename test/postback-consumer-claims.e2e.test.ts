import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { PostbackMessage } from "#shared/messages";
import apiWorker from "#workers/api/src/index";
import { countingD1 } from "./counting-d1";
import { balances, clickThrough, seedCatalog, uniqueUser, waitForClicks } from "./helpers";
import { acceptedPostbackMessage } from "./postback-messages";

/**
 * The postbacks consumer claims a whole queue batch's orders in ONE D1 round trip, the same one
 * that records the received postbacks (issue 16 item 4): insert-or-keep every order in delivery
 * order, then one read of the owners. A consumer that went back to claiming order by order (a
 * read, and for a new order an insert and a read, per message) fails the count.
 */
const NETWORK = "test-net";
const OFFER = "test-shop-offer";

beforeAll(async () => {
  await seedCatalog();
});

function message(orderId: string, subId: string, id: string): Promise<PostbackMessage> {
  return acceptedPostbackMessage(NETWORK, `pb_claims_${id}`, { orderId, subId });
}

async function deliver(bodies: PostbackMessage[], workerEnv: typeof env, attempts = 1) {
  const batch = createMessageBatch<PostbackMessage>(
    "boomerang-postbacks",
    bodies.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts, body })),
  );
  const ctx = createExecutionContext();
  await apiWorker.queue(batch, workerEnv, ctx);
  return getQueueResult(batch, ctx);
}

describe("postbacks consumer: one D1 round trip claims the batch's orders", () => {
  it("five new orders, one of them claimed by two users, cost one claim round trip; first claimant wins; a redelivery changes nothing", async () => {
    const alice = uniqueUser("claims-a");
    const bob = uniqueUser("claims-b");
    const clicks: Record<string, string[]> = { [alice]: [], [bob]: [] };
    for (const [user, count] of [
      [alice, 3],
      [bob, 3],
    ] as const) {
      for (let k = 0; k < count; k++) clicks[user]?.push((await clickThrough(user, OFFER)).subId);
      await waitForClicks(user, count);
    }
    const [a0, a1, a2] = clicks[alice] as [string, string, string];
    const [b0, b1, b2] = clicks[bob] as [string, string, string];
    const shared = `ORD-claims-shared-${alice}`;
    // Delivery order: alice's sub-ID reaches the shared order before bob's.
    const bodies = await Promise.all([
      message(`ORD-claims-${alice}-0`, a0, `${alice}-0`),
      message(`ORD-claims-${bob}-0`, b0, `${bob}-0`),
      message(shared, a1, `${alice}-shared`),
      message(`ORD-claims-${alice}-2`, a2, `${alice}-2`),
      message(shared, b1, `${bob}-shared`),
      message(`ORD-claims-${bob}-2`, b2, `${bob}-2`),
    ]);
    const d1 = countingD1(env.DB);
    const counting = { ...env, DB: d1.db } as typeof env;

    const first = await deliver(bodies, counting);
    expect(first.retryMessages).toEqual([]);
    expect(first.explicitAcks.sort()).toEqual(["m0", "m1", "m2", "m3", "m4", "m5"]);
    // One round trip for every claim, and it is the one that records the received postbacks.
    const claimTrips = d1.callsTouching(/order_claims/);
    expect(claimTrips).toHaveLength(1);
    expect(claimTrips[0]?.some((sql) => /received_postbacks/.test(sql))).toBe(true);
    expect(d1.callsTouching(/received_postbacks/)).toHaveLength(1);

    // The first claimant in delivery order owns the shared order; bob's copy is duplicate_order.
    expect(await balances(alice)).toEqual({ pending: 15_000 });
    expect(await balances(bob)).toEqual({ pending: 10_000 });
    const owner = await env.DB.prepare(
      "SELECT user_id FROM order_claims WHERE network_id = ? AND order_id = ?",
    )
      .bind(NETWORK, shared)
      .first<{ user_id: string }>();
    expect(owner?.user_id).toBe(alice);
    const duplicates = await env.DB.prepare(
      "SELECT user_id FROM transactions WHERE network_id = ? AND order_id = ? AND reject_reason = 'duplicate_order'",
    )
      .bind(NETWORK, shared)
      .all<{ user_id: string }>();
    expect(duplicates.results.map((r) => r.user_id)).toEqual([bob]);

    // Redelivered whole: again one claim round trip, and nothing changes hands or is credited twice.
    d1.reset();
    const again = await deliver(bodies, counting, 2);
    expect(again.retryMessages).toEqual([]);
    expect(d1.callsTouching(/order_claims/)).toHaveLength(1);
    expect(await balances(alice)).toEqual({ pending: 15_000 });
    expect(await balances(bob)).toEqual({ pending: 10_000 });
  });
});

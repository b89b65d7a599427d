import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import {
  api,
  balances,
  clickThrough,
  d1Transaction,
  eventually,
  postbackBody,
  seedCatalog,
  sendPostback,
  uniqueUser,
  userGet,
  waitForClicks,
} from "./helpers";

const NETWORK = "test-net";
const OFFER = "test-shop-offer";

beforeAll(async () => {
  await seedCatalog();
});

describe("click → postback → pending → confirmed", () => {
  it("credits pending at the click-time rate and confirms when the return window passes", async () => {
    const user = uniqueUser("flow");
    const { subId } = await clickThrough(user, OFFER);
    // The click reaches the user's wallet through the clicks queue.
    await waitForClicks(user);

    const orderId = `ORD-${user}`;
    const response = await sendPostback(
      NETWORK,
      postbackBody({
        order_id: orderId,
        sub_id: subId,
        sale_amount_minor: 129_900,
        category: "electronics",
      }),
    );
    expect(response.status).toBe(202);

    // 7.5% electronics rate of 1,299.00 = 97.425 → 9,742 paise (rounded down).
    await eventually(async () => (await balances(user)).pending === 9_742);
    expect((await balances(user)).confirmed ?? 0).toBe(0);

    const txns = (await (await userGet(user, "/v1/me/transactions")).json()) as {
      items: Array<{
        status: string;
        cashbackMinor: number;
        expectedConfirmationAt: string;
        rateBps: number;
      }>;
    };
    expect(txns.items).toHaveLength(1);
    expect(txns.items[0]).toMatchObject({ status: "pending", cashbackMinor: 9_742, rateBps: 750 });
    const expectedConfirmMs = Date.parse(txns.items[0]?.expectedConfirmationAt ?? "");
    expect(expectedConfirmMs).toBeGreaterThan(Date.now() + 29 * 86_400_000);

    // The D1 projection (used by the cron backstop) catches up through the ledger-events queue.
    await eventually(async () => (await d1Transaction(NETWORK, orderId))?.status === "pending");

    // Nothing is due yet.
    const early = await runConfirmations(new Date().toISOString());
    expect(early.confirmed).toBe(0);

    const later = await runConfirmations(new Date(expectedConfirmMs + 1000).toISOString());
    expect(later.confirmed).toBe(1);
    expect(await balances(user)).toMatchObject({ pending: 0, confirmed: 9_742 });
    await eventually(async () => (await d1Transaction(NETWORK, orderId))?.status === "confirmed");

    // Running the backstop again confirms nothing twice.
    const again = await runConfirmations(new Date(expectedConfirmMs + 2000).toISOString());
    expect(again.confirmed).toBe(0);
    expect(await balances(user)).toMatchObject({ pending: 0, confirmed: 9_742 });

    const ledger = (await (await userGet(user, "/v1/me/ledger")).json()) as {
      items: Array<{
        bucket: string;
        amountMinor: number;
        balanceAfterMinor: number;
        kind: string;
      }>;
    };
    expect(ledger.items.map((e) => [e.kind, e.bucket, e.amountMinor, e.balanceAfterMinor])).toEqual(
      [
        ["cashback_confirmed", "confirmed", 9_742, 9_742],
        ["cashback_confirmed", "pending", -9_742, 0],
        ["cashback_pending", "pending", 9_742, 9_742],
      ],
    );
    expect((await walletAudit(user)).ok).toBe(true);
  });

  it("confirms early when the network approves", async () => {
    const user = uniqueUser("approve");
    const { subId } = await clickThrough(user, OFFER);
    await waitForClicks(user);
    const orderId = `ORD-${user}`;
    await sendPostback(NETWORK, postbackBody({ order_id: orderId, sub_id: subId }));
    await eventually(async () => (await balances(user)).pending === 5_000);
    await sendPostback(
      NETWORK,
      postbackBody({ order_id: orderId, sub_id: subId, status: "approved" }),
    );
    await eventually(async () => (await balances(user)).confirmed === 5_000);
    expect((await balances(user)).pending).toBe(0);
  });

  it("reverses the pending credit when the order is cancelled before confirmation", async () => {
    const user = uniqueUser("cancel");
    const { subId } = await clickThrough(user, OFFER);
    await waitForClicks(user);
    const orderId = `ORD-${user}`;
    await sendPostback(NETWORK, postbackBody({ order_id: orderId, sub_id: subId }));
    await eventually(async () => (await balances(user)).pending === 5_000);
    await sendPostback(
      NETWORK,
      postbackBody({ order_id: orderId, sub_id: subId, status: "cancelled" }),
    );
    await eventually(async () => (await d1Transaction(NETWORK, orderId))?.status === "cancelled");
    expect(await balances(user)).toMatchObject({ pending: 0 });
    expect((await balances(user)).confirmed ?? 0).toBe(0);
    // A late approval cannot resurrect it, and the window passing confirms nothing.
    await sendPostback(
      NETWORK,
      postbackBody({ order_id: orderId, sub_id: subId, status: "approved" }),
    );
    const result = await runConfirmations(new Date(Date.now() + 40 * 86_400_000).toISOString());
    expect(result.failures).toBe(0);
    await settleQueues();
    expect((await balances(user)).confirmed ?? 0).toBe(0);
    expect((await walletAudit(user)).ok).toBe(true);
  });
});

async function runConfirmations(asOf: string) {
  const response = await api("/admin/v1/confirmations/run", {
    method: "POST",
    headers: { authorization: `Bearer ${env.ADMIN_API_KEY}`, "content-type": "application/json" },
    body: JSON.stringify({ asOf }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { confirmed: number; usersVisited: number; failures: number };
}

function walletAudit(userId: string) {
  return env.WALLET.get(env.WALLET.idFromName(userId)).audit();
}

/** Gives in-flight queue deliveries time to land before asserting nothing changed. */
function settleQueues() {
  return new Promise((r) => setTimeout(r, 2_500));
}

import {
  createExecutionContext,
  runInDurableObject,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { deliveryRequest, SandboxNetwork } from "#dev/sandbox-network/engine/index";
import { Mulberry32 } from "#dev/sandbox-network/engine/prng";
import { budgetFor } from "#durable-objects/budget/index";
import { applyPosting } from "#durable-objects/wallet/index";
import { campaignBudgetKey } from "#shared/campaigns/campaign-rule";
import { genericAdapter } from "#shared/networks/generic";
import { reconcileNetwork } from "#workers/api/src/features/reconciliation/index";
import postbackWorker from "#workers/postback/src/index";
import {
  ADMIN_HEADERS,
  adminPut,
  api,
  balances,
  eventually,
  followLink,
  NETWORK_SECRET,
  seedCatalog,
  trackingLinkFor,
  waitForClicks,
  walletStub,
} from "./helpers";

/**
 * The lifecycle at volume, end to end: 1,000 orders for 50 users through the sandbox
 * network, the real redirect, postback worker, queues, consumers and wallet objects —
 * 20% cancelled, 10% returned after confirmation (some after the money was paid out), 5%
 * partially refunded, 10% with every postback lost (recovered by reconciliation), 30%
 * duplicated, every delivery shuffled, with a campaign boost (a rule of the rules engine,
 * evaluated by the redirect, granted by its budget object) on every click. Each user's
 * buckets must equal an oracle computed here from the orders alone, the campaign's budget
 * must hold exactly the boosts of the orders that kept them, and reconciliation must leave
 * nothing unexplained.
 */
const NETWORK = "scn-net";
const OFFER = "scn-offer";
const USERS = 50;
const ORDERS = 1_000;
const RATE_BPS = 500;
const CAMPAIGN = "scn-camp";
const BOOST_BPS = 200;

type OrderClass = "cancelled" | "returned" | "partial" | "window" | "approved";

interface PlannedOrder {
  orderId: string;
  user: string;
  subId: string;
  saleMinor: number;
  finalSaleMinor: number;
  klass: OrderClass;
  lost: boolean;
  duplicated: boolean;
}

/**
 * The oracle's arithmetic, written independently of the production rounding helper: the base
 * cashback and the boost are each rounded down (the budget is large enough to grant every
 * boost in full).
 */
const boostOf = (saleMinor: number) => Math.floor((saleMinor * BOOST_BPS) / 10_000);
const cashbackOf = (saleMinor: number) =>
  Math.floor((saleMinor * RATE_BPS) / 10_000) + boostOf(saleMinor);

describe("1,000 orders through the sandbox network", () => {
  it("ends with every wallet equal to the oracle and nothing unexplained", {
    timeout: 600_000,
  }, async () => {
    await seedCatalog({
      networkId: NETWORK,
      merchantId: "scn-shop",
      offerId: OFFER,
      defaultRateBps: RATE_BPS,
      categoryRates: {},
    });
    const campaign = await adminPut(`/admin/v1/campaigns/${CAMPAIGN}`, {
      name: "Scenario boost",
      offerId: OFFER,
      boostRateBps: BOOST_BPS,
      currency: "INR",
      budgetMinor: 100_000_000,
    });
    expect(campaign.status, await campaign.clone().text()).toBe(200);
    const users = Array.from({ length: USERS }, (_, i) => `scn-user-${i}`);
    const perUser = ORDERS / USERS;

    // 1. Every order starts with a real click through the redirect worker.
    const subIds = new Map<string, string[]>();
    for (const user of users) {
      const link = await trackingLinkFor(user, OFFER);
      const list: string[] = [];
      for (let k = 0; k < perUser; k++) {
        const location = (await followLink(link)).headers.get("location") ?? "";
        list.push(new URL(location).searchParams.get("sub") ?? "");
      }
      subIds.set(user, list);
    }
    for (const user of users) await waitForClicks(user, perUser);

    // 2. Plan the orders from a seed.
    const prng = new Mulberry32(20261121);
    const classes: OrderClass[] = [];
    const push = (klass: OrderClass, n: number) => {
      for (let i = 0; i < n; i++) classes.push(klass);
    };
    push("cancelled", 200);
    push("returned", 100);
    push("partial", 50);
    push("window", 150);
    push("approved", ORDERS - 500);
    prng.shuffle(classes);
    const lostFlags = Array.from({ length: ORDERS }, (_, i) => i % 10 === 3);
    prng.shuffle(lostFlags);
    const orders: PlannedOrder[] = classes.map((klass, i) => {
      const user = users[i % USERS] as string;
      const saleMinor = 1_000 + prng.int(500_000);
      return {
        orderId: `SCN-${i}`,
        user,
        subId: (subIds.get(user) as string[])[Math.floor(i / USERS)] as string,
        saleMinor,
        finalSaleMinor: klass === "partial" ? Math.floor(saleMinor / 2) : saleMinor,
        klass,
        lost: lostFlags[i] as boolean,
        duplicated: prng.chance(0.3),
      };
    });
    const payoutUsers = new Set(users.filter((_, i) => i % 5 === 0));

    // 3. Phase 1: sales, cancellations, approvals, partial refunds — shuffled, duplicated, lost.
    const sandbox = new SandboxNetwork({
      networkId: NETWORK,
      postbackSecret: NETWORK_SECRET,
      seed: 7,
    });
    sandbox.setFaults({ shuffle: true });
    const t0 = Date.now() + 500;
    const faults = (o: PlannedOrder) => ({ lose: o.lost, duplicates: o.duplicated ? 2 : 1 });
    orders.forEach((o, i) => {
      sandbox.placeOrder({
        orderId: o.orderId,
        subId: o.subId,
        currency: "INR",
        saleAmountMinor: o.saleMinor,
        commissionMinor: Math.floor(o.saleMinor / 10),
        atMs: t0 + i,
        faults: faults(o),
      });
      if (o.klass === "cancelled") sandbox.cancel(o.orderId, t0 + 1_500 + i, faults(o));
      if (o.klass === "approved" || o.klass === "returned" || o.klass === "partial") {
        sandbox.approve(o.orderId, t0 + 3_000 + i, faults(o));
      }
      if (o.klass === "partial") {
        sandbox.refund(
          o.orderId,
          {
            saleAmountMinor: o.saleMinor - o.finalSaleMinor,
            commissionMinor: Math.floor(o.saleMinor / 10) - Math.floor(o.finalSaleMinor / 10),
          },
          t0 + 4_500 + i,
          faults(o),
        );
      }
    });
    const phase1Sent = await deliverAll(sandbox, t0 + 6_000);
    const phase1Orders = orders.filter((o) => !o.lost).length;
    await waitForTransactions(phase1Orders);

    const recon1 = await reconcile(sandbox, t0);
    expect(recon1.counts.created).toBe(orders.filter((o) => o.lost).length);
    expect(recon1.unexplained).toBe(0);
    const run1 = (await (
      await api(`/admin/v1/reconciliation/runs/${recon1.runId}`, { headers: ADMIN_HEADERS })
    ).json()) as {
      status: string;
      counts: Record<string, number>;
      items: Array<{ outcome: string }>;
    };
    expect(run1.status).toBe("completed");
    expect(run1.counts.created).toBe(recon1.counts.created);
    expect(run1.items.filter((i) => i.outcome === "created")).toHaveLength(recon1.counts.created);

    // The oracle after phase 1, then payouts of everything confirmed for every fifth user.
    const phase1Confirmed = new Map<string, number>();
    const returned = new Map<string, number>();
    const windowed = new Map<string, number>();
    const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
    for (const o of orders) {
      if (o.klass === "approved" || o.klass === "returned" || o.klass === "partial") {
        add(phase1Confirmed, o.user, cashbackOf(o.finalSaleMinor));
      }
      if (o.klass === "returned") add(returned, o.user, cashbackOf(o.saleMinor));
      if (o.klass === "window") add(windowed, o.user, cashbackOf(o.saleMinor));
    }
    for (const user of users) {
      await eventually(async () => {
        const b = await balances(user);
        return (
          (b.confirmed ?? 0) === (phase1Confirmed.get(user) ?? 0) &&
          (b.pending ?? 0) === (windowed.get(user) ?? 0)
        );
      }, 60_000);
    }
    for (const user of payoutUsers) await payOut(user, phase1Confirmed.get(user) ?? 0);

    // 4. Phase 2: returns after confirmation, the same faults.
    orders.forEach((o, i) => {
      if (o.klass === "returned") sandbox.cancel(o.orderId, t0 + 7_000 + i, faults(o));
    });
    const phase2Sent = await deliverAll(sandbox, t0 + 8_100);
    expect(phase1Sent + phase2Sent).toBeGreaterThan(ORDERS);
    await eventually(async () => {
      const row = await env.DB.prepare(
        `SELECT COUNT(*) AS n FROM transactions WHERE network_id = ?1 AND status = 'cancelled'`,
      )
        .bind(NETWORK)
        .first<{ n: number }>();
      const expected = orders.filter(
        (o) => o.klass === "cancelled" || (o.klass === "returned" && !o.lost),
      ).length;
      return (row?.n ?? 0) >= expected;
    }, 120_000);
    const recon2 = await reconcile(sandbox, t0);
    expect(recon2.unexplained).toBe(0);

    // 5. The return windows close for what was never approved.
    for (const user of users) await walletStub(user).runDue(Date.now() + 31 * 86_400_000);

    // 6. Every wallet equals the oracle, and its ledger audits clean.
    for (const user of users) {
      const paid = payoutUsers.has(user) ? (phase1Confirmed.get(user) ?? 0) : 0;
      const r = returned.get(user) ?? 0;
      const w = windowed.get(user) ?? 0;
      const expected = payoutUsers.has(user)
        ? { pending: 0, confirmed: Math.max(0, w - r), debt: Math.max(0, r - w), paid_out: paid }
        : { pending: 0, confirmed: (phase1Confirmed.get(user) ?? 0) - r + w, debt: 0, paid_out: 0 };
      const got = await balances(user);
      expect(
        {
          pending: got.pending ?? 0,
          confirmed: got.confirmed ?? 0,
          debt: got.debt ?? 0,
          paid_out: got.paid_out ?? 0,
        },
        user,
      ).toEqual(expected);
      const audit = await walletStub(user).audit();
      expect(audit.violations, user).toEqual([]);
    }

    // 7. The campaign's budget holds exactly the boosts of the orders that kept them.
    const kept = orders.filter(
      (o) => o.klass === "approved" || o.klass === "partial" || o.klass === "window",
    );
    const budget = budgetFor(env, campaignBudgetKey(CAMPAIGN));
    expect(await budget.usage(campaignBudgetKey(CAMPAIGN))).toMatchObject({
      outstanding: kept.reduce((sum, o) => sum + boostOf(o.finalSaleMinor), 0),
    });
    expect(await budget.audit()).toEqual({ ok: true, violations: [] });
  });
});

/** Drains the sandbox's outbox into the real postback worker; returns how many were sent. */
async function deliverAll(sandbox: SandboxNetwork, notBeforeMs: number): Promise<number> {
  while (Date.now() < notBeforeMs) await new Promise((r) => setTimeout(r, 100));
  let sent = 0;
  for (;;) {
    const batch = await sandbox.drainPostbacks(Date.now(), 500);
    if (batch.length === 0) return sent;
    for (const delivery of batch) {
      const ctx = createExecutionContext();
      const response = await postbackWorker.fetch(
        deliveryRequest(delivery, "https://postback.test") as Request<
          unknown,
          IncomingRequestCfProperties
        >,
        env,
        ctx,
      );
      await waitOnExecutionContext(ctx);
      expect(response.status, await response.clone().text()).toBe(202);
      sent++;
    }
  }
}

async function waitForTransactions(count: number): Promise<void> {
  await eventually(async () => {
    const row = await env.DB.prepare(`SELECT COUNT(*) AS n FROM transactions WHERE network_id = ?1`)
      .bind(NETWORK)
      .first<{ n: number }>();
    return (row?.n ?? 0) >= count;
  }, 120_000);
}

function reconcile(sandbox: SandboxNetwork, t0: number) {
  return reconcileNetwork(env, {
    adapter: genericAdapter,
    settings: {
      networkId: NETWORK,
      postbackSecret: NETWORK_SECRET,
      options: { reportUrl: "https://sandbox.test/report" },
    },
    fetcher: (request) => sandbox.handle(request),
    fromMs: t0 - 60_000,
    toMs: Date.now() + 1_000,
  });
}

/** A payout moves confirmed money out (what the payouts feature will do through the ledger). */
async function payOut(user: string, amountMinor: number): Promise<void> {
  if (amountMinor === 0) return;
  await runInDurableObject(walletStub(user), (_i, state) =>
    state.storage.transactionSync(() => {
      const result = applyPosting(
        state.storage.sql,
        {
          key: `scenario-payout-${user}`,
          kind: "payout",
          txnId: null,
          legs: [
            { bucket: "confirmed", currency: "INR", amountMinor: -amountMinor },
            { bucket: "paid_out", currency: "INR", amountMinor },
          ],
        },
        Date.now(),
      );
      if (result.status !== "created") throw new Error(`payout failed: ${result.status}`);
    }),
  );
}

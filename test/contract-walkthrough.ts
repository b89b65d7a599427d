import { env } from "cloudflare:workers";
import { expect } from "vitest";
import type { ContractRow } from "./contract-exchange";
import {
  ADMIN_HEADERS,
  api,
  clickThrough,
  d1Transaction,
  eventually,
  NETWORK_SECRET,
  postbackBody,
  sendPostback,
  uniqueUser,
  waitForClicks,
  walletStub,
} from "./helpers";
import { seasonedDestination, UPI } from "./payout-helpers";

/**
 * Every api request of the README's "Walkthrough with curl", in order, as contract rows
 * (test/contract.e2e.test.ts). The redirect and the postback are not in the api's document:
 * they run as setup through the helpers the other tests use.
 */

export interface Walk {
  user: string;
  link: string;
  destinationId: string;
  seasonedId: string;
  challengeId: string;
  code: string;
  payoutId: string;
}

const NET = "contract-net";
const SHOP = "contract-shop";
const OFFER = "contract-shop-electronics";
const inAMonth = () => new Date(Date.now() + 31 * 86_400_000).toISOString();
export const walk = { user: uniqueUser("contract-alice") } as Walk;
const alice = () => ({ user: walk.user });

export const WALKTHROUGH: Array<ContractRow<Walk>> = [
  {
    name: "the operator loads a network",
    request: () => ({
      method: "PUT",
      path: `/admin/v1/networks/${NET}`,
      as: "admin",
      body: {
        name: "Contract Network",
        trackingTemplate:
          "https://network.test/track?o={network_offer_ref}&sub={subid}&url={landing_url}",
        postbackFormat: "generic",
        postbackSecret: NETWORK_SECRET,
      },
    }),
    status: 200,
  },
  {
    name: "a merchant",
    request: () => ({
      method: "PUT",
      path: `/admin/v1/merchants/${SHOP}`,
      as: "admin",
      body: { networkId: NET, name: "ShopKart", landingUrl: "https://shopkart.test/" },
    }),
    status: 200,
  },
  {
    name: "an offer",
    request: () => ({
      method: "PUT",
      path: `/admin/v1/offers/${OFFER}`,
      as: "admin",
      body: {
        merchantId: SHOP,
        title: "Up to 7.5% cashback on ShopKart",
        description: "7.5% on electronics, 4% on everything else.",
        networkOfferRef: "sk-1001",
        currency: "INR",
        cashback: {
          basis: "sale",
          defaultRateBps: 400,
          categoryRates: { electronics: 750, "gift-cards": 0 },
        },
        returnWindowDays: 30,
      },
    }),
    status: 200,
  },
  {
    name: "a user record",
    request: (w) => ({
      method: "PUT",
      path: `/admin/v1/users/${w.user}`,
      as: "admin",
      body: { displayName: "Alice (demo)" },
    }),
    status: 200,
  },
  {
    name: "a gift card",
    request: () => ({
      method: "PUT",
      path: "/admin/v1/gift-cards/contract-gift",
      as: "admin",
      body: { brand: "ShopKart", currency: "INR", denominationsMinor: [10_000, 50_000] },
    }),
    status: 200,
  },
  {
    name: "2. the user lists offers, each with a personalised link",
    request: () => ({ method: "GET", path: "/v1/offers", as: alice() }),
    status: 200,
    keep: (body, w) => {
      const items = (body as { items: Array<{ id: string; trackingUrl: string }> }).items;
      w.link = items.find((o) => o.id === OFFER)?.trackingUrl ?? "";
    },
  },
  {
    name: "3–5. after a click and a postback, the wallet shows the pending cashback",
    request: async (w) => {
      // The redirect and postback workers are not in the api's document; they are driven
      // by the same helpers the other tests use.
      const { subId } = await clickThrough(w.user, OFFER);
      await waitForClicks(w.user);
      const sent = await sendPostback(
        NET,
        postbackBody({
          order_id: `ORD-${w.user}`,
          sub_id: subId,
          sale_amount_minor: 129_900,
          category: "electronics",
        }),
      );
      expect(sent.status).toBe(202);
      await eventually(async () => {
        const rows = await walletStub(w.user).getBalances();
        return rows.some((r) => r.bucket === "pending" && r.balanceMinor > 0);
      });
      return { method: "GET", path: "/v1/me/wallet", as: alice() };
    },
    status: 200,
  },
  {
    name: "5. the transactions",
    request: () => ({ method: "GET", path: "/v1/me/transactions", as: alice() }),
    status: 200,
  },
  {
    name: "6. the operator runs confirmation after the return window",
    request: async (w) => {
      // The D1 projection the backstop reads catches up through the ledger-events queue.
      await eventually(
        async () => (await d1Transaction(NET, `ORD-${w.user}`))?.status === "pending",
      );
      return {
        method: "POST",
        path: "/admin/v1/confirmations/run",
        as: "admin",
        body: { asOf: inAMonth() },
      } as const;
    },
    status: 200,
  },
  {
    name: "7. the wallet, confirmed",
    request: async (w) => {
      // Confirmation reaches the wallet asynchronously.
      await eventually(async () => {
        const rows = await walletStub(w.user).getBalances();
        return rows.some((r) => r.bucket === "confirmed" && r.balanceMinor > 0);
      });
      return { method: "GET", path: "/v1/me/wallet", as: alice() };
    },
    status: 200,
  },
  {
    name: "7. the ledger",
    request: () => ({ method: "GET", path: "/v1/me/ledger", as: alice() }),
    status: 200,
  },
  {
    name: "8. a UPI destination for Alice Demo",
    request: () => ({
      method: "POST",
      path: "/v1/me/payout-destinations",
      as: alice(),
      headers: { "idempotency-key": "alice-upi-1" },
      body: { type: "upi", vpa: "alice.demo@okaxis", holderName: "Alice Demo" },
    }),
    status: 201,
    keep: (body, w) => {
      w.destinationId = (body as { id: string }).id;
    },
  },
  {
    name: "8. the destinations, masked",
    request: () => ({ method: "GET", path: "/v1/me/payout-destinations", as: alice() }),
    status: 200,
  },
  {
    name: "9. a step-up code",
    request: () => ({ method: "POST", path: "/v1/me/step-up", as: alice() }),
    status: 201,
    keep: (body, w) => {
      w.challengeId = (body as { challengeId: string }).challengeId;
    },
  },
  {
    name: "9. the code, read from the dev outbox",
    // The code is a notification event the pipeline delivers after the step-up answered.
    request: async (w) => {
      await eventually(() =>
        env.DB.prepare(`SELECT 1 AS found FROM notification_outbox WHERE id = ?1`)
          .bind(w.challengeId)
          .first(),
      );
      return {
        method: "GET",
        path: `/admin/v1/dev/notifications?userId=${w.user}&kind=step_up_code&limit=1`,
        as: "admin",
      };
    },
    status: 200,
    keep: (body, w) => {
      const items = (body as { items: Array<{ body: string | { code: string } }> }).items;
      const first = items[0]?.body;
      w.code =
        typeof first === "string"
          ? (JSON.parse(first) as { code: string }).code
          : (first?.code ?? "");
    },
  },
  {
    // The README's dev runtime has no cooling-off (.dev.vars); the tests keep the default
    // 24 h, so the redemption goes to a destination added two days ago.
    name: "10. a redemption of ₹50.00",
    request: async (w) => {
      w.seasonedId = await seasonedDestination(w.user, UPI);
      return {
        method: "POST",
        path: "/v1/me/redemptions",
        as: alice(),
        headers: { "idempotency-key": "alice-redemption-1" },
        body: {
          amountMinor: 5_000,
          currency: "INR",
          destinationId: w.seasonedId,
          stepUp: { challengeId: w.challengeId, code: w.code },
        },
      };
    },
    status: 201,
    keep: (body, w) => {
      w.payoutId = (body as { id: string }).id;
    },
  },
  {
    name: "10. the redemptions",
    request: () => ({ method: "GET", path: "/v1/me/redemptions", as: alice() }),
    status: 200,
  },
  {
    name: "10. one redemption",
    request: (w) => ({ method: "GET", path: `/v1/me/redemptions/${w.payoutId}`, as: alice() }),
    status: 200,
  },
  {
    name: "10. the wallet after the redemption",
    request: () => ({ method: "GET", path: "/v1/me/wallet", as: alice() }),
    status: 200,
  },
  {
    name: "try also: the postbacks the operator received",
    request: () => ({ method: "GET", path: "/admin/v1/postbacks?limit=5", as: "admin" }),
    status: 200,
  },
  {
    name: "try also: the transactions the operator sees",
    request: (w) => ({
      method: "GET",
      path: `/admin/v1/transactions?userId=${w.user}`,
      as: "admin",
    }),
    status: 200,
  },
  {
    name: "the operator's payout list",
    request: (w) => ({ method: "GET", path: `/admin/v1/payouts?userId=${w.user}`, as: "admin" }),
    status: 200,
  },
  {
    name: "the operator's view of the payout",
    request: async (w) => {
      // The operator's payout directory is a projection that lags the wallet a little.
      const path = `/admin/v1/payouts/${w.payoutId}`;
      await eventually(async () => (await api(path, { headers: ADMIN_HEADERS })).ok);
      return { method: "GET", path, as: "admin" };
    },
    status: 200,
  },
];

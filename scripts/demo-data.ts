import { adminClient, type components, ok, type paths } from "#client/index";

type Schemas = components["schemas"];

/**
 * Demo catalog loaded by `npm run dev` through the admin API. Upserts keyed by id, so
 * loading it again changes nothing. The demo network's secret is public on purpose: it is
 * only for local use, and `npm run postback` signs with it.
 */
export const DEMO_NETWORK_ID = "demo-network";
export const DEMO_NETWORK_SECRET = "demo-network-postback-secret-local-only";

export const demoNetworks: Array<{ id: string; body: Schemas["NetworkInput"] }> = [
  {
    id: DEMO_NETWORK_ID,
    body: {
      name: "Demo Affiliate Network",
      trackingTemplate:
        "https://network.example/click?offer={network_offer_ref}&subid={subid}&url={landing_url}",
      postbackFormat: "generic",
      postbackSecret: DEMO_NETWORK_SECRET,
    },
  },
];

/** The sandbox network served by dev/sandbox-network at /sandbox/ (docs/sandbox.md). */
export const SANDBOX_NETWORK_ID = "sandbox-network";
export const SANDBOX_NETWORK_SECRET = "sandbox-network-postback-secret-local-only";

/** Networks whose URLs point at this runtime; built from its base URL. */
export function localNetworks(
  baseUrl: string,
): Array<{ id: string; body: Schemas["NetworkInput"] }> {
  return [
    {
      id: SANDBOX_NETWORK_ID,
      body: {
        name: "Sandbox Affiliate Network (local)",
        trackingTemplate: `${baseUrl}/sandbox/click?subid={subid}&url={landing_url}`,
        postbackFormat: "generic",
        postbackSecret: SANDBOX_NETWORK_SECRET,
        options: {
          reportUrl: `${baseUrl}/sandbox/report`,
          feedUrl: `${baseUrl}/sandbox/feed`,
        },
      },
    },
  ];
}

export const demoMerchants: Array<{ id: string; body: Schemas["MerchantInput"] }> = [
  {
    id: "shopkart",
    body: { networkId: DEMO_NETWORK_ID, name: "ShopKart", landingUrl: "https://shopkart.example/" },
  },
  {
    id: "stylehub",
    body: {
      networkId: DEMO_NETWORK_ID,
      name: "StyleHub",
      landingUrl: "https://stylehub.example/sale",
    },
  },
  {
    id: "flyaway",
    body: {
      networkId: DEMO_NETWORK_ID,
      name: "FlyAway Travel",
      landingUrl: "https://flyaway.example/",
    },
  },
  {
    id: "sandbox-store",
    body: {
      networkId: SANDBOX_NETWORK_ID,
      name: "Sandbox Store",
      landingUrl: "https://store.sandbox.example/",
    },
  },
];

export const demoOffers: Array<{ id: string; body: Schemas["OfferInput"] }> = [
  {
    id: "shopkart-electronics",
    body: {
      merchantId: "shopkart",
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
  },
  {
    id: "stylehub-fashion",
    body: {
      merchantId: "stylehub",
      title: "10% cashback on StyleHub",
      networkOfferRef: "sh-2002",
      currency: "INR",
      cashback: { basis: "sale", defaultRateBps: 1000, categoryRates: {} },
      returnWindowDays: 15,
    },
  },
  {
    id: "flyaway-flights",
    body: {
      merchantId: "flyaway",
      title: "60% of our commission on FlyAway bookings",
      networkOfferRef: "fa-3003",
      currency: "INR",
      cashback: { basis: "commission", defaultRateBps: 6000, categoryRates: {} },
      returnWindowDays: 60,
    },
  },
  {
    id: "stylehub-summer-ended",
    body: {
      merchantId: "stylehub",
      title: "Summer sale (ended)",
      networkOfferRef: "sh-2003",
      currency: "INR",
      cashback: { basis: "sale", defaultRateBps: 1500, categoryRates: {} },
      returnWindowDays: 15,
      startsAt: "2026-05-01T00:00:00Z",
      endsAt: "2026-06-30T00:00:00Z",
    },
  },
];

/** An offer on the sandbox network, for the offline lifecycle (npm run scenario). */
demoOffers.push({
  id: "sandbox-store-5pct",
  body: {
    merchantId: "sandbox-store",
    title: "5% cashback at Sandbox Store",
    networkOfferRef: "sbx-1",
    currency: "INR",
    cashback: { basis: "sale", defaultRateBps: 500, categoryRates: {} },
    returnWindowDays: 30,
  },
});

export const demoUsers: Array<{ id: string; body: UserInput }> = [
  { id: "demo-alice", body: { displayName: "Alice (demo)" } },
  { id: "demo-bob", body: { displayName: "Bob (demo)" } },
];

/** The gift-card catalog a user can redeem to (GET /v1/me/gift-cards). */
export const demoGiftCards: Array<{ id: string; body: Schemas["GiftCardInput"] }> = [
  {
    id: "shopkart-gift",
    body: { brand: "ShopKart", currency: "INR", denominationsMinor: [10_000, 50_000, 100_000] },
  },
  {
    id: "flyaway-gift",
    body: { brand: "FlyAway", currency: "INR", denominationsMinor: [100_000, 250_000] },
  },
];

/** The body of `PUT /admin/v1/users/{id}`, as the document gives it. */
type UserInput = NonNullable<
  paths["/admin/v1/users/{id}"]["put"]["requestBody"]
>["content"]["application/json"];

/**
 * PUTs every demo record through the admin API with the typed client, so a demo record the
 * document would refuse fails to compile.
 *
 * @example
 * const count = await loadDemoData("http://127.0.0.1:8787", vars.ADMIN_API_KEY);
 */
export async function loadDemoData(baseUrl: string, adminKey: string): Promise<number> {
  const admin = adminClient({ baseUrl }, adminKey);
  const path = (id: string) => ({ params: { path: { id } } });
  let count = 0;
  for (const n of [...demoNetworks, ...localNetworks(baseUrl)]) {
    ok(await admin.PUT("/admin/v1/networks/{id}", { ...path(n.id), body: n.body }));
    count++;
  }
  for (const m of demoMerchants) {
    ok(await admin.PUT("/admin/v1/merchants/{id}", { ...path(m.id), body: m.body }));
    count++;
  }
  for (const o of demoOffers) {
    ok(await admin.PUT("/admin/v1/offers/{id}", { ...path(o.id), body: o.body }));
    count++;
  }
  for (const u of demoUsers) {
    ok(await admin.PUT("/admin/v1/users/{id}", { ...path(u.id), body: u.body }));
    count++;
  }
  for (const g of demoGiftCards) {
    ok(await admin.PUT("/admin/v1/gift-cards/{id}", { ...path(g.id), body: g.body }));
    count++;
  }
  return count;
}

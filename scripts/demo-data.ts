/**
 * Demo catalog loaded by `npm run dev` through the admin API. Upserts keyed by id, so
 * loading it again changes nothing. The demo network's secret is public on purpose: it is
 * only for local use, and `npm run postback` signs with it.
 */
export const DEMO_NETWORK_ID = "demo-network";
export const DEMO_NETWORK_SECRET = "demo-network-postback-secret-local-only";

export const demoNetworks = [
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
export function localNetworks(baseUrl: string) {
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

export const demoMerchants = [
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

export const demoOffers = [
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

export const demoUsers = [
  { id: "demo-alice", body: { displayName: "Alice (demo)" } },
  { id: "demo-bob", body: { displayName: "Bob (demo)" } },
];

/** The gift-card catalog a user can redeem to (GET /v1/me/gift-cards). */
export const demoGiftCards = [
  {
    id: "shopkart-gift",
    body: { brand: "ShopKart", currency: "INR", denominationsMinor: [10_000, 50_000, 100_000] },
  },
  {
    id: "flyaway-gift",
    body: { brand: "FlyAway", currency: "INR", denominationsMinor: [100_000, 250_000] },
  },
];

/** PUTs every demo record through the admin API. */
export async function loadDemoData(baseUrl: string, adminKey: string): Promise<number> {
  const headers = { authorization: `Bearer ${adminKey}`, "content-type": "application/json" };
  const writes: Array<[string, unknown]> = [
    ...[...demoNetworks, ...localNetworks(baseUrl)].map((n): [string, unknown] => [
      `/admin/v1/networks/${n.id}`,
      n.body,
    ]),
    ...demoMerchants.map((m): [string, unknown] => [`/admin/v1/merchants/${m.id}`, m.body]),
    ...demoOffers.map((o): [string, unknown] => [`/admin/v1/offers/${o.id}`, o.body]),
    ...demoUsers.map((u): [string, unknown] => [`/admin/v1/users/${u.id}`, u.body]),
    ...demoGiftCards.map((g): [string, unknown] => [`/admin/v1/gift-cards/${g.id}`, g.body]),
  ];
  for (const [path, body] of writes) {
    const response = await fetch(`${baseUrl}${path}`, {
      method: "PUT",
      headers,
      body: JSON.stringify(body),
    });
    if (!response.ok)
      throw new Error(
        `loading demo data failed at ${path}: ${response.status} ${await response.text()}`,
      );
  }
  return writes.length;
}

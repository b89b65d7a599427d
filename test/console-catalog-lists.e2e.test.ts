import { describe, expect, test } from "vitest";
import { ADMIN_HEADERS, adminPut, api, NETWORK_SECRET } from "./helpers";

/**
 * The admin catalog lists the console pages page through: `q`, `active`, the parent filter
 * (networkId, merchantId, offerId) and id-keyset pages with `nextCursor`.
 */

const run = Date.now().toString(36);
const net = `lst-${run}-net`;
const other = `lst-${run}-other`;

async function ok(response: Promise<Response>) {
  const r = await response;
  if (r.status !== 200) throw new Error(`${r.status} ${await r.text()}`);
}

async function list<T = { id: string }>(path: string) {
  const response = await api(path, { headers: ADMIN_HEADERS });
  expect(response.status).toBe(200);
  return (await response.json()) as { items: T[]; nextCursor: string | null };
}

const network = (name: string) => ({
  name,
  trackingTemplate: "https://network.test/t?sub={subid}",
  postbackSecret: NETWORK_SECRET,
});

describe("catalog admin lists: filters and pages", () => {
  test("networks: q on name or id, active, pages by id with nextCursor", async () => {
    await ok(adminPut(`/admin/v1/networks/${net}`, network("Alpha Listing Net")));
    await ok(adminPut(`/admin/v1/networks/${other}`, { ...network("Beta"), active: false }));
    const byName = await list(`/admin/v1/networks?q=alpha%20listing`);
    expect(byName.items.map((n) => n.id)).toEqual([net]);
    const inactive = await list(`/admin/v1/networks?q=lst-${run}&active=false`);
    expect(inactive.items.map((n) => n.id)).toEqual([other]);
    const first = await list(`/admin/v1/networks?q=lst-${run}&limit=1`);
    expect(first.items.map((n) => n.id)).toEqual([net]);
    expect(first.nextCursor).toBe(net);
    const second = await list(`/admin/v1/networks?q=lst-${run}&limit=1&cursor=${first.nextCursor}`);
    expect(second.items.map((n) => n.id)).toEqual([other]);
    expect(second.nextCursor).toBeNull();
  });

  test("merchants and offers: by parent, LIKE wildcards taken literally", async () => {
    await ok(adminPut(`/admin/v1/networks/${net}`, network("Alpha Listing Net")));
    for (const i of [1, 2, 3]) {
      await ok(
        adminPut(`/admin/v1/merchants/${net}-m${i}`, {
          networkId: net,
          name: `Shop ${i}`,
          landingUrl: "https://shop.test/",
        }),
      );
    }
    const merchants = await list(`/admin/v1/merchants?networkId=${net}&limit=2`);
    expect(merchants.items.map((m) => m.id)).toEqual([`${net}-m1`, `${net}-m2`]);
    const rest = await list(
      `/admin/v1/merchants?networkId=${net}&limit=2&cursor=${merchants.nextCursor}`,
    );
    expect(rest.items.map((m) => m.id)).toEqual([`${net}-m3`]);
    expect(rest.nextCursor).toBeNull();

    await ok(
      adminPut(`/admin/v1/offers/${net}-o1`, {
        merchantId: `${net}-m1`,
        title: "Flat 100% off-the-charts deal",
        currency: "INR",
        cashback: { basis: "sale", defaultRateBps: 500, categoryRates: {} },
        returnWindowDays: 30,
      }),
    );
    await ok(
      adminPut(`/admin/v1/offers/${net}-o2`, {
        merchantId: `${net}-m2`,
        title: "Flat 1000 deal",
        currency: "INR",
        cashback: { basis: "sale", defaultRateBps: 500, categoryRates: {} },
        returnWindowDays: 30,
      }),
    );
    const percent = await list(`/admin/v1/offers?q=${encodeURIComponent("100%")}`);
    expect(percent.items.map((o) => o.id)).toEqual([`${net}-o1`]);
    const ofMerchant = await list(`/admin/v1/offers?merchantId=${net}-m2`);
    expect(ofMerchant.items.map((o) => o.id)).toEqual([`${net}-o2`]);
  });

  test("campaigns: by offer or merchant, and a bad filter is a 400 naming it", async () => {
    await ok(adminPut(`/admin/v1/networks/${net}`, network("Alpha Listing Net")));
    await ok(
      adminPut(`/admin/v1/merchants/${net}-cm`, {
        networkId: net,
        name: "Campaign shop",
        landingUrl: "https://shop.test/",
      }),
    );
    await ok(
      adminPut(`/admin/v1/campaigns/${net}-c1`, {
        name: "Merchant-wide boost",
        merchantId: `${net}-cm`,
        boostRateBps: 200,
        currency: "INR",
        budgetMinor: 100_000,
      }),
    );
    const byMerchant = await list(`/admin/v1/campaigns?merchantId=${net}-cm`);
    expect(byMerchant.items.map((c) => c.id)).toEqual([`${net}-c1`]);
    expect((await list(`/admin/v1/campaigns?offerId=${net}-nothing`)).items).toEqual([]);
    const bad = await api("/admin/v1/offers?active=maybe&limit=0", { headers: ADMIN_HEADERS });
    expect(bad.status).toBe(400);
    const paths = ((await bad.json()) as { errors: { path: string }[] }).errors.map((e) => e.path);
    expect(paths.sort()).toEqual(["active", "limit"]);
  });
});

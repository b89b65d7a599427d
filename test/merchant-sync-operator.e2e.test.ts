import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { SandboxNetwork } from "#dev/sandbox-network/engine/index";
import { type OfferConfig, offerConfigKey } from "#shared/config/offer-config";
import { feedRecordId } from "#shared/networks/feeds/feed-ids";
import { ADMIN_HEADERS, adminPut, api, uniqueUser, userGet } from "./helpers";

/**
 * Merchant sync must not override the operator, end to end: the sandbox network serves its
 * feed, every sync goes through the real admin route (POST /admin/v1/networks/{id}/sync), and
 * what the operator does goes through the admin API.
 */

const SECRET = "operator-net-postback-secret-0123456789";

interface SyncRunView {
  status: string;
  offers: { created: number; updated: number; deactivated: number; unchanged: number };
  offersHeld: number;
}

interface HeldChangeView {
  id: string;
  offerId: string;
  status: string;
  proposed: { terms: { defaultRateBps: number } };
  previousTerms: { defaultRateBps: number } | null;
  maxRateBps: number;
  ceilingBps: number;
}

function sandboxFor(networkId: string): SandboxNetwork {
  const sandbox = new SandboxNetwork({ networkId, postbackSecret: SECRET, seed: 11 });
  vi.spyOn(globalThis, "fetch").mockImplementation((input, init) =>
    sandbox.handle(new Request(input as RequestInfo, init)),
  );
  return sandbox;
}

async function putNetwork(id: string, options: Record<string, unknown> = {}) {
  const response = await adminPut(`/admin/v1/networks/${id}`, {
    name: `Operator network ${id}`,
    trackingTemplate: "https://opnet.test/t?o={network_offer_ref}&sub={subid}&url={landing_url}",
    postbackSecret: SECRET,
    options: { feedUrl: "https://sandbox.test/feed", ...options },
  });
  expect(response.status).toBe(200);
}

async function syncNow(networkId: string): Promise<SyncRunView> {
  const response = await api(`/admin/v1/networks/${networkId}/sync`, {
    method: "POST",
    headers: ADMIN_HEADERS,
  });
  expect(response.status).toBe(200);
  const run = (await response.json()) as SyncRunView;
  expect(run.status).toBe("succeeded");
  return run;
}

async function adminGet<T>(path: string): Promise<T> {
  const response = await api(path, { headers: ADMIN_HEADERS });
  expect(response.status).toBe(200);
  return (await response.json()) as T;
}

/** The operator's PUT of an offer as it stands, with `active` set. */
async function setOfferActive(offerId: string, active: boolean) {
  const o = await adminGet<Record<string, unknown>>(`/admin/v1/offers/${offerId}`);
  const response = await adminPut(`/admin/v1/offers/${offerId}`, {
    merchantId: o.merchantId,
    title: o.title,
    description: o.description,
    networkOfferRef: o.networkOfferRef,
    currency: o.currency,
    cashback: o.cashback,
    returnWindowDays: o.returnWindowDays,
    startsAt: o.startsAt,
    endsAt: o.endsAt,
    confirmationPolicy: o.confirmationPolicy,
    active,
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

async function setMerchantActive(merchantId: string, active: boolean) {
  const m = await adminGet<Record<string, unknown>>(`/admin/v1/merchants/${merchantId}`);
  const response = await adminPut(`/admin/v1/merchants/${merchantId}`, {
    networkId: m.networkId,
    name: m.name,
    landingUrl: m.landingUrl,
    active,
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

async function liveOfferIds(): Promise<string[]> {
  const response = await userGet(uniqueUser("op-list"), "/v1/offers?limit=200");
  const body = (await response.json()) as { items: Array<{ id: string }> };
  return body.items.map((o) => o.id);
}

async function heldChanges(networkId: string, status?: string): Promise<HeldChangeView[]> {
  const query = status ? `?status=${status}` : "";
  return (
    await adminGet<{ items: HeldChangeView[] }>(
      `/admin/v1/networks/${networkId}/held-feed-changes${query}`,
    )
  ).items;
}

async function decide(networkId: string, changeId: string, decision: "approve" | "dismiss") {
  return api(`/admin/v1/networks/${networkId}/held-feed-changes/${changeId}/${decision}`, {
    method: "POST",
    headers: ADMIN_HEADERS,
  });
}

async function cachedRateBps(offerId: string): Promise<number | undefined> {
  const config = await env.CONFIG_KV.get<OfferConfig>(offerConfigKey(offerId), "json");
  return config?.terms.defaultRateBps;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("merchant sync keeps what the operator switched off", () => {
  const NET = "op-off";
  let sandbox: SandboxNetwork;
  beforeEach(() => {
    sandbox = sandboxFor(NET);
  });

  it("an offer the operator deactivated stays inactive through syncs, until the operator reactivates it", async () => {
    await putNetwork(NET);
    await syncNow(NET);
    const offerId = await feedRecordId(NET, "sbx-shopkart", "sbx-1001");
    expect(await liveOfferIds()).toContain(offerId);

    const off = await setOfferActive(offerId, false);
    expect(off).toMatchObject({ active: false, deactivatedBy: "operator" });
    const run = await syncNow(NET); // the feed still says active
    expect(run.offers.updated).toBe(0);
    expect(await adminGet(`/admin/v1/offers/${offerId}`)).toMatchObject({
      active: false,
      deactivatedBy: "operator",
    });
    expect(await liveOfferIds()).not.toContain(offerId);

    const on = await setOfferActive(offerId, true);
    expect(on).toMatchObject({ active: true, deactivatedBy: null });
    await syncNow(NET);
    expect(await adminGet(`/admin/v1/offers/${offerId}`)).toMatchObject({ active: true });
    expect(await liveOfferIds()).toContain(offerId);
    expect(sandbox.feed().merchants.length).toBe(2);
  });

  it("a merchant the operator deactivated stays inactive, its offers hidden, until reactivated", async () => {
    const merchantId = await feedRecordId(NET, "sbx-stylehub");
    const offerId = await feedRecordId(NET, "sbx-stylehub", "sbx-2001");
    expect(await setMerchantActive(merchantId, false)).toMatchObject({
      active: false,
      deactivatedBy: "operator",
    });
    await syncNow(NET);
    expect(await adminGet(`/admin/v1/merchants/${merchantId}`)).toMatchObject({
      active: false,
      deactivatedBy: "operator",
    });
    expect(await liveOfferIds()).not.toContain(offerId);

    await setMerchantActive(merchantId, true);
    await syncNow(NET);
    expect(await adminGet(`/admin/v1/merchants/${merchantId}`)).toMatchObject({ active: true });
    expect(await liveOfferIds()).toContain(offerId);
  });

  it("an offer that left the feed is marked as switched off by the feed, and comes back with it", async () => {
    const offerId = await feedRecordId(NET, "sbx-stylehub", "sbx-2001");
    const kept = sandbox.feed().merchants[1]?.offers[0];
    sandbox.removeOffer("sbx-stylehub", "sbx-2001");
    await syncNow(NET);
    expect(await adminGet(`/admin/v1/offers/${offerId}`)).toMatchObject({
      active: false,
      deactivatedBy: "feed",
    });
    if (kept) sandbox.upsertOffer("sbx-stylehub", kept);
    await syncNow(NET);
    expect(await adminGet(`/admin/v1/offers/${offerId}`)).toMatchObject({
      active: true,
      deactivatedBy: null,
    });
  });
});

describe("merchant sync holds rates above the operator's ceiling for review", () => {
  const NET = "op-cap";
  let sandbox: SandboxNetwork;
  let offerId = "";
  beforeEach(async () => {
    sandbox = sandboxFor(NET);
    offerId = await feedRecordId(NET, "sbx-shopkart", "sbx-1001");
  });

  const setRate = (rateBps: number) =>
    sandbox.updateFeed((feed) => {
      const offer = feed.merchants[0]?.offers[0];
      if (offer) offer.default_rate_bps = rateBps;
    });

  it("rates under the ceiling apply as before", async () => {
    await putNetwork(NET, { maxFeedRateBps: 1_500 });
    const first = await syncNow(NET);
    expect(first.offersHeld).toBe(0);
    expect(first.offers.created).toBe(3);
    setRate(1_200);
    expect((await syncNow(NET)).offers.updated).toBe(1);
    expect(await cachedRateBps(offerId)).toBe(1_200);
  });

  it("a raise above it is held: the offer keeps its terms, the change is listed once", async () => {
    setRate(1_200);
    await syncNow(NET);
    setRate(2_500);
    const run = await syncNow(NET);
    expect(run.offersHeld).toBe(1);
    expect(await adminGet(`/admin/v1/offers/${offerId}`)).toMatchObject({
      cashback: { defaultRateBps: 1_200 },
    });
    expect(await cachedRateBps(offerId)).toBe(1_200);

    // The feed still proposes it: still one held change, not two.
    expect((await syncNow(NET)).offersHeld).toBe(1);
    const held = await heldChanges(NET, "held");
    expect(held).toHaveLength(1);
    expect(held[0]).toMatchObject({
      offerId,
      status: "held",
      proposed: { terms: { defaultRateBps: 2_500 } },
      previousTerms: { defaultRateBps: 1_200 },
      maxRateBps: 2_500,
      ceilingBps: 1_500,
    });
  });

  it("approving applies it; deciding again is a conflict", async () => {
    setRate(1_200);
    setRate(2_500);
    const [held] = await heldChanges(NET, "held");
    if (!held) throw new Error("nothing held");
    const approved = await decide(NET, held.id, "approve");
    expect(approved.status).toBe(200);
    expect(await approved.json()).toMatchObject({ status: "approved" });
    expect(await adminGet(`/admin/v1/offers/${offerId}`)).toMatchObject({
      cashback: { defaultRateBps: 2_500 },
    });
    expect(await cachedRateBps(offerId)).toBe(2_500);

    const again = await decide(NET, held.id, "dismiss");
    expect(again.status).toBe(409);
    expect(again.headers.get("content-type")).toContain("application/problem+json");

    // The approved terms are now the offer's: the same feed holds nothing.
    expect((await syncNow(NET)).offersHeld).toBe(0);
  });

  it("dismissing keeps the offer's terms, and the same proposal is not held again", async () => {
    setRate(2_500);
    await syncNow(NET); // the approved rate, unchanged
    setRate(3_000);
    expect((await syncNow(NET)).offersHeld).toBe(1);
    const [held] = await heldChanges(NET, "held");
    if (!held) throw new Error("nothing held");
    const dismissed = await decide(NET, held.id, "dismiss");
    expect(dismissed.status).toBe(200);
    expect((await syncNow(NET)).offersHeld).toBe(0);
    expect(await heldChanges(NET, "held")).toHaveLength(0);
    expect(await cachedRateBps(offerId)).toBe(2_500);
  });

  it("a held change the feed takes back is superseded", async () => {
    setRate(2_500);
    setRate(4_000);
    expect((await syncNow(NET)).offersHeld).toBe(1);
    setRate(2_500); // back to what the offer has
    expect((await syncNow(NET)).offersHeld).toBe(0);
    expect(await heldChanges(NET, "held")).toHaveLength(0);
    expect((await heldChanges(NET, "superseded")).length).toBeGreaterThan(0);
  });

  it("a new offer above the ceiling is not created until approved", async () => {
    setRate(2_500);
    sandbox.upsertOffer("sbx-shopkart", {
      id: "sbx-1009",
      title: "ShopKart: 60% launch (typo?)",
      currency: "INR",
      default_rate_bps: 6_000,
      category_rates: {},
      return_window_days: 30,
      active: true,
    });
    const newId = await feedRecordId(NET, "sbx-shopkart", "sbx-1009");
    expect((await syncNow(NET)).offersHeld).toBe(1);
    expect((await api(`/admin/v1/offers/${newId}`, { headers: ADMIN_HEADERS })).status).toBe(404);

    const held = (await heldChanges(NET, "held")).find((h) => h.offerId === newId);
    expect(held?.previousTerms).toBeNull();
    const approved = await decide(NET, held?.id ?? "", "approve");
    expect(approved.status).toBe(200);
    expect(await adminGet(`/admin/v1/offers/${newId}`)).toMatchObject({
      origin: "feed",
      active: true,
      cashback: { defaultRateBps: 6_000 },
    });
    expect(await liveOfferIds()).toContain(newId);
  });

  it("a change of another network, or an unknown id, is not found", async () => {
    const other = await api(`/admin/v1/networks/op-off/held-feed-changes/hfc_nothing/approve`, {
      method: "POST",
      headers: ADMIN_HEADERS,
    });
    expect(other.status).toBe(404);
  });
});

describe("merchant sync refuses terms too large to travel on a click", () => {
  it("a feed offer with more category rates than the admin API allows fails the run whole", async () => {
    const NET = "op-bound";
    const sandbox = sandboxFor(NET);
    await putNetwork(NET);
    await syncNow(NET);
    const offerId = await feedRecordId(NET, "sbx-shopkart", "sbx-1001");
    const before = await adminGet<{ cashback: unknown }>(`/admin/v1/offers/${offerId}`);

    sandbox.updateFeed((feed) => {
      const offer = feed.merchants[0]?.offers[0];
      if (offer) {
        offer.default_rate_bps = 900;
        offer.category_rates = Object.fromEntries(
          Array.from({ length: 201 }, (_, i) => [`category-${i}`, 100]),
        );
      }
    });
    const response = await api(`/admin/v1/networks/${NET}/sync`, {
      method: "POST",
      headers: ADMIN_HEADERS,
    });
    expect(response.status).toBe(200);
    const run = (await response.json()) as { status: string; error: string | null };
    expect(run.status).toBe("failed");
    expect(run.error).toContain("at most 200 category rates");
    // Nothing of the feed was applied, the oversized offer's old terms included.
    expect(await adminGet<{ cashback: unknown }>(`/admin/v1/offers/${offerId}`)).toEqual(before);
  });
});

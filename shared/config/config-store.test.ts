import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import { beforeAll, describe, expect, test } from "vitest";
import { campaigns, merchants, networks, offers } from "../db/schema";
import {
  loadNetworkConfig,
  loadOfferConfig,
  loadOfferConfigs,
  refreshCachedConfig,
} from "./config-store";
import { MAX_BOOSTS_PER_OFFER, networkConfigKey, offerConfigKey } from "./offer-config";

const NOW_MS = Date.now();
const NETWORK = "cfgstore-net";
const MERCHANT = "cfgstore-shop";
const OTHER_MERCHANT = "cfgstore-other";
/** More than one `IN (…)` chunk's worth, so the chunking is exercised. */
const OFFER_IDS = Array.from({ length: 95 }, (_, i) => `cfgstore-offer-${i}`);
const [FIRST = "", SECOND = ""] = OFFER_IDS;
const LAST = OFFER_IDS.at(-1) ?? "";
const OTHER_OFFER = "cfgstore-elsewhere";

function campaign(id: string, fields: Partial<typeof campaigns.$inferInsert>) {
  return {
    id,
    name: id,
    boostRateBps: 100,
    currency: "INR",
    budgetMinor: 1_000_000,
    createdAtMs: NOW_MS,
    updatedAtMs: NOW_MS,
    ...fields,
  };
}

beforeAll(async () => {
  const db = drizzle(env.DB);
  const stamp = { createdAtMs: NOW_MS, updatedAtMs: NOW_MS };
  await db.insert(networks).values({
    id: NETWORK,
    name: "Config store network",
    trackingTemplate: "https://net.test/t?s={subid}",
    postbackSecret: "a-long-enough-postback-secret-123",
    ...stamp,
  });
  await db.insert(merchants).values([
    { id: MERCHANT, networkId: NETWORK, name: "Shop", landingUrl: "https://shop.test/", ...stamp },
    {
      id: OTHER_MERCHANT,
      networkId: NETWORK,
      name: "Other",
      landingUrl: "https://other.test/",
      ...stamp,
    },
  ]);
  const offerRow = (id: string, merchantId: string) => ({
    id,
    merchantId,
    title: id,
    currency: "INR",
    cashbackTerms: { basis: "sale" as const, defaultRateBps: 500, categoryRates: {} },
    returnWindowDays: 30,
    ...stamp,
  });
  // D1 binds at most 100 parameters per statement: a few rows per insert.
  for (let i = 0; i < OFFER_IDS.length; i += 5) {
    await db.insert(offers).values(OFFER_IDS.slice(i, i + 5).map((id) => offerRow(id, MERCHANT)));
  }
  await db.insert(offers).values(offerRow(OTHER_OFFER, OTHER_MERCHANT));
  const campaignRows = [
    // Merchant-wide: every offer of the merchant gets it.
    campaign("cfgstore-c-merchant", { merchantId: MERCHANT }),
    // Scheduled to start later: carried, the redirect checks the schedule at click time.
    campaign("cfgstore-c-scheduled", { offerId: FIRST, startsAtMs: NOW_MS + 3_600_000 }),
    // Not carried: ended, switched off, another currency, another offer, another merchant.
    campaign("cfgstore-c-ended", { offerId: FIRST, endsAtMs: NOW_MS - 1 }),
    campaign("cfgstore-c-inactive", { offerId: FIRST, active: false }),
    campaign("cfgstore-c-usd", { offerId: FIRST, currency: "USD" }),
    campaign("cfgstore-c-other-offer", { offerId: OTHER_OFFER }),
    campaign("cfgstore-c-other-merchant", { merchantId: OTHER_MERCHANT }),
    // More than an offer's config may carry.
    ...Array.from({ length: MAX_BOOSTS_PER_OFFER + 2 }, (_, i) =>
      campaign(`cfgstore-c-many-${String(i).padStart(2, "0")}`, { offerId: SECOND }),
    ),
  ];
  for (const row of campaignRows) await db.insert(campaigns).values(row);
});

describe("loadOfferConfigs", () => {
  test("reads every offer across chunks, each with only its own boosts", async () => {
    const configs = await loadOfferConfigs(env.DB, [...OFFER_IDS, "cfgstore-missing"]);
    expect([...configs.keys()].sort()).toEqual([...OFFER_IDS].sort());
    expect(configs.get(FIRST)?.boosts?.map((b) => b.campaignId)).toEqual([
      "cfgstore-c-merchant",
      "cfgstore-c-scheduled",
    ]);
    expect(configs.get(LAST)).toMatchObject({
      offerId: LAST,
      merchantId: MERCHANT,
      networkId: NETWORK,
      active: true,
      landingUrl: "https://shop.test/",
      boosts: [expect.objectContaining({ campaignId: "cfgstore-c-merchant", boostRateBps: 100 })],
    });
  });

  test("carries at most MAX_BOOSTS_PER_OFFER boosts, in campaign id order", async () => {
    const config = await loadOfferConfig(env.DB, SECOND);
    expect(config?.boosts?.map((b) => b.campaignId)).toEqual([
      "cfgstore-c-many-00",
      "cfgstore-c-many-01",
      "cfgstore-c-many-02",
      "cfgstore-c-many-03",
      "cfgstore-c-many-04",
      "cfgstore-c-many-05",
      "cfgstore-c-many-06",
      "cfgstore-c-many-07",
    ]);
  });

  test("one offer alone reads the same as in a batch", async () => {
    const batch = await loadOfferConfigs(env.DB, OFFER_IDS);
    expect(await loadOfferConfig(env.DB, LAST)).toEqual(batch.get(LAST));
    expect(await loadOfferConfig(env.DB, "cfgstore-missing")).toBeNull();
  });
});

describe("refreshCachedConfig", () => {
  test("rewrites every offer and network in KV, and deletes the keys of ones that are gone", async () => {
    await env.CONFIG_KV.put(offerConfigKey("cfgstore-missing"), "{}");
    await refreshCachedConfig(env, {
      offerIds: [...OFFER_IDS, "cfgstore-missing"],
      networkIds: [NETWORK],
    });
    for (const id of [FIRST, SECOND, LAST]) {
      expect(await env.CONFIG_KV.get(offerConfigKey(id), "json")).toEqual(
        JSON.parse(JSON.stringify(await loadOfferConfig(env.DB, id))),
      );
    }
    expect(await env.CONFIG_KV.get(offerConfigKey("cfgstore-missing"))).toBeNull();
    expect(await env.CONFIG_KV.get(networkConfigKey(NETWORK), "json")).toEqual(
      await loadNetworkConfig(env.DB, NETWORK),
    );
  });
});

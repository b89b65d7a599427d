import { env } from "cloudflare:workers";
import { desc, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { beforeAll, describe, expect, test } from "vitest";
import {
  campaigns,
  customEventTypes,
  merchants,
  networkHealth,
  networks,
  offers,
  referralProgramVersions,
  referralRiskLists,
} from "../db/schema";
import { loadCustomEventTypesConfig } from "../events/custom-event-types-config";
import { referralProgramFromD1 } from "../referrals/live-program-settings";
import { riskListFromD1 } from "../referrals/live-risk-lists";
import {
  DEFAULT_REFERRAL_PROGRAM,
  validateReferralProgramSettings,
} from "../referrals/program-settings";
import { readNetworkConfigs, readOfferConfigs } from "./config-read";
import {
  loadNetworkConfig,
  loadNetworkConfigs,
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

/**
 * The edge workers read configs with prepared SQL (config-read.ts), the api with drizzle: for
 * the same rows, both give the same configs, so the SQL cannot drift from shared/db/schema.ts.
 */
describe("the SQL reader returns what the drizzle reader does", () => {
  const NET_B = "cfgsql-net-b";
  const SHOP_B = "cfgsql-shop-b";
  const SHOP_OFF = "cfgsql-shop-off";
  const VARIED = ["cfgsql-o-policy", "cfgsql-o-referrers", "cfgsql-o-feed", "cfgsql-o-off"];

  beforeAll(async () => {
    const db = drizzle(env.DB);
    const stamp = { createdAtMs: NOW_MS, updatedAtMs: NOW_MS };
    await db.insert(networks).values({
      id: NET_B,
      name: "Options network",
      trackingTemplate: "https://b.test/t?s={subid}&o={network_offer_ref}",
      postbackFormat: "cj",
      postbackSecret: "another-long-enough-postback-secret",
      reportApiToken: "never-in-kv",
      options: { confirmationPolicy: "both", ipAllowlist: ["10.0.0.0/8"], nested: { a: [1, 2] } },
      active: false,
      ...stamp,
    });
    await db.insert(networkHealth).values({
      networkId: NET_B,
      state: "open",
      consecutiveFailures: 3,
      updatedAtMs: NOW_MS,
    });
    await db.insert(merchants).values([
      { id: SHOP_B, networkId: NET_B, name: "B", landingUrl: "https://b.test/", ...stamp },
      {
        id: SHOP_OFF,
        networkId: NETWORK,
        name: "Off",
        landingUrl: "https://off.test/",
        active: false,
        ...stamp,
      },
    ]);
    const offer = (
      id: string,
      merchantId: string,
      fields: Partial<typeof offers.$inferInsert>,
    ) => ({
      id,
      merchantId,
      title: `Title of ${id} ✓`,
      currency: "INR",
      cashbackTerms: { basis: "sale" as const, defaultRateBps: 250, categoryRates: { books: 900 } },
      returnWindowDays: 45,
      ...stamp,
      ...fields,
    });
    await db.insert(offers).values([
      offer("cfgsql-o-policy", SHOP_B, {
        confirmationPolicy: "network_approval",
        networkOfferRef: "ref-9",
        startsAtMs: NOW_MS - 1000,
        endsAtMs: NOW_MS + 86_400_000,
      }),
      offer("cfgsql-o-referrers", SHOP_B, { allowedReferrers: ["a.test", "b.test"] }),
      offer("cfgsql-o-feed", MERCHANT, { origin: "feed", allowedReferrers: [] }),
      offer("cfgsql-o-off", SHOP_OFF, { active: false }),
    ]);
    await db.insert(campaigns).values([
      campaign("cfgsql-c-1", {
        offerId: "cfgsql-o-policy",
        category: "books",
        userSegment: "gold",
        endsAtMs: NOW_MS + 60_000,
        version: 4,
      }),
      campaign("cfgsql-c-2", { merchantId: SHOP_B, startsAtMs: NOW_MS + 5 }),
    ]);
  });

  test("offer configs: every seeded offer, across chunks, boosts included", async () => {
    const ids = [...OFFER_IDS, OTHER_OFFER, ...VARIED, "cfgstore-missing"];
    const viaDrizzle = await loadOfferConfigs(env.DB, ids, NOW_MS);
    const viaSql = await readOfferConfigs(env.DB, ids, NOW_MS);
    expect(viaSql.size).toBe(OFFER_IDS.length + 1 + VARIED.length);
    expect(new Map([...viaSql].sort())).toEqual(new Map([...viaDrizzle].sort()));
    // The varied rows exercised what they were meant to.
    expect(viaSql.get("cfgsql-o-policy")).toMatchObject({
      confirmationPolicy: "network_approval",
      active: false,
      networkFormat: "cj",
      boosts: [
        expect.objectContaining({ campaignId: "cfgsql-c-1", ruleVersion: 4 }),
        expect.objectContaining({ campaignId: "cfgsql-c-2" }),
      ],
    });
    expect(viaSql.get("cfgsql-o-referrers")?.allowedReferrers).toEqual(["a.test", "b.test"]);
    expect(viaSql.get("cfgsql-o-feed")?.confirmationPolicy).toBe("network_approval");
  });

  test("network configs: the same, without the report token", async () => {
    const ids = [NETWORK, NET_B, "cfgsql-missing"];
    const viaSql = await readNetworkConfigs(env.DB, ids);
    expect(viaSql).toEqual(await loadNetworkConfigs(env.DB, ids));
    expect(viaSql.size).toBe(2);
    expect(JSON.stringify([...viaSql.values()])).not.toContain("never-in-kv");
    expect(viaSql.get(NET_B)?.options).toEqual({
      confirmationPolicy: "both",
      ipAllowlist: ["10.0.0.0/8"],
      nested: { a: [1, 2] },
    });
  });

  test("referral program settings, risk lists and custom event types", async () => {
    const db = drizzle(env.DB);
    await db.insert(referralProgramVersions).values([
      {
        programId: "default",
        version: 1,
        settings: DEFAULT_REFERRAL_PROGRAM,
        savedAtMs: 1,
        savedBy: "t",
      },
      {
        programId: "default",
        version: 2,
        settings: {
          ...DEFAULT_REFERRAL_PROGRAM,
          attribution: { ...DEFAULT_REFERRAL_PROGRAM.attribution, windowDays: 14 },
        },
        savedAtMs: 2,
        savedBy: "t",
      },
    ]);
    const drizzleProgram = (
      await db
        .select({
          version: referralProgramVersions.version,
          settings: referralProgramVersions.settings,
        })
        .from(referralProgramVersions)
        .where(eq(referralProgramVersions.programId, "default"))
        .orderBy(desc(referralProgramVersions.version))
        .limit(1)
    )[0];
    const program = await referralProgramFromD1(env.DB);
    expect(program?.version).toBe(drizzleProgram?.version);
    expect(program?.version).toBe(2);
    const checked = validateReferralProgramSettings(drizzleProgram?.settings);
    expect(checked.ok && program?.settings).toEqual(checked.ok && checked.settings);
    expect(program?.settings.attribution.windowDays).toBe(14);
    expect(await referralProgramFromD1(env.DB, "cfgsql-no-program")).toBeNull();

    await db.insert(referralRiskLists).values({
      list: "disposable_email_domains",
      entries: ["mailinator.test", "ünï.test"],
      version: 7,
      updatedAtMs: 1,
      updatedBy: "t",
    });
    const drizzleList = (
      await db
        .select()
        .from(referralRiskLists)
        .where(eq(referralRiskLists.list, "disposable_email_domains"))
    )[0];
    expect(await riskListFromD1(env.DB, "disposable_email_domains")).toEqual({
      version: drizzleList?.version,
      entries: drizzleList?.entries,
    });
    expect(await riskListFromD1(env.DB, "datacenter_asns")).toEqual({ version: 0, entries: [] });

    await db.insert(customEventTypes).values([
      {
        type: "custom.cfgsql_a",
        description: "A",
        fields: { amount: { type: "integer", required: true } },
        version: 3,
        ...{ createdAtMs: 1, updatedAtMs: 1 },
      },
      {
        type: "custom.cfgsql_b",
        description: null,
        active: false,
        fields: {},
        version: 5,
        ...{ createdAtMs: 1, updatedAtMs: 1 },
      },
    ]);
    const drizzleRows = await db.select().from(customEventTypes);
    const config = await loadCustomEventTypesConfig(env.DB);
    expect(config.version).toBe(Math.max(...drizzleRows.map((r) => r.version)));
    expect(config.types).toEqual(
      Object.fromEntries(
        drizzleRows
          .filter((r) => r.active)
          .map((r) => [
            r.type,
            {
              ...(r.description === null ? {} : { description: r.description }),
              active: true,
              fields: r.fields,
            },
          ]),
      ),
    );
    expect(Object.keys(config.types)).toContain("custom.cfgsql_a");
    expect(Object.keys(config.types)).not.toContain("custom.cfgsql_b");
  });
});

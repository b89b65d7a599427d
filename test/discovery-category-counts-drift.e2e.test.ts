import { env } from "cloudflare:workers";
import { asc, count, eq, like } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { describe, expect, it } from "vitest";
import {
  catalogCategoryCounts,
  merchants,
  networkHealth,
  networks,
  offerSearchCategories,
  offers,
} from "#shared/db/schema";
import { liveOfferCondition } from "#workers/api/src/features/catalog/index";
import { reindexOffers } from "#workers/api/src/features/discovery/index";
import { categoryCounts } from "#workers/api/src/features/discovery/store";
import { syncNetwork } from "#workers/api/src/features/sync/index";
import { adminPut, api, NETWORK_SECRET } from "./helpers";

/**
 * The maintained category counts (catalog_category_counts) cannot drift from a recount: after
 * every step of a random sequence of catalog writes through the admin API (offers created,
 * changed, moved, scheduled, switched off; merchants and networks switched off and on),
 * merchant syncs (offers created, changed, dropped; merchants dropped), a breaker opened and
 * closed, and offers deleted (the repair path), the counts GET /v1/catalog/categories serves
 * equal the old per-request query (the category rows joined to the catalog, filtered by
 * liveOfferCondition) at several clock readings: before, inside and after every schedule,
 * since time moves offers in and out of the counts with no write.
 */

const DAY_MS = 86_400_000;
/** Every category of this file starts with it (other files' rows are left out of the checks). */
const PREFIX = "cc-";
const CATEGORIES = ["cc-books", "cc-garden", "cc-phones", "cc-shoes", "cc-toys"];
const ADMIN_NET = "cc-admin-net";
const FEED_NET = "cc-feed-net";
const FEED_URL = "https://counts-feed.test/feed";
const ADMIN_MERCHANTS = ["cc-shop-a", "cc-shop-b", "cc-shop-c"];
const ADMIN_OFFERS = ["cc-o1", "cc-o2", "cc-o3", "cc-o4", "cc-o5", "cc-o6", "cc-o7", "cc-o8"];
const FEED_MERCHANTS = ["fm-1", "fm-2"];
const FEED_OFFERS = ["fo-1", "fo-2", "fo-3", "fo-4", "fo-5", "fo-6"];
const STEPS = 60;

/** mulberry32: a small seeded generator, so a failure replays exactly. */
function randomFrom(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const chance = (p: number) => next() < p;
  const subset = <T>(items: readonly T[]): T[] => items.filter(() => chance(0.4));
  return { pick, chance, subset };
}

async function expectOk(response: Response) {
  expect(response.status, await response.clone().text()).toBe(200);
}

/** The definition: category rows joined to the catalog, filtered by the visibility rule. */
async function recount(nowMs: number) {
  return drizzle(env.DB)
    .select({ category: offerSearchCategories.category, offers: count() })
    .from(offerSearchCategories)
    .innerJoin(offers, eq(offers.id, offerSearchCategories.offerId))
    .innerJoin(merchants, eq(merchants.id, offers.merchantId))
    .innerJoin(networks, eq(networks.id, merchants.networkId))
    .leftJoin(networkHealth, eq(networkHealth.networkId, networks.id))
    .where(liveOfferCondition(nowMs))
    .groupBy(offerSearchCategories.category)
    .orderBy(asc(offerSearchCategories.category));
}

/** Checks the counts against the recount; returns how many of this file's categories count now. */
async function expectCountsEqualRecount(baseMs: number, step: string): Promise<number> {
  let countedNow = 0;
  // Before, inside and after each schedule the steps use (see `schedule` below).
  for (const offsetMs of [-3 * DAY_MS, 0, 1.5 * DAY_MS, 2.5 * DAY_MS, 10 * DAY_MS]) {
    const atMs = baseMs + offsetMs;
    const mine = (rows: Array<{ category: string; offers: number }>) =>
      rows.filter((r) => r.category.startsWith(PREFIX));
    const expected = mine(await recount(atMs));
    expect(mine(await categoryCounts(env.DB, atMs, 500)), `${step} at ${offsetMs}`).toEqual(
      expected,
    );
    if (offsetMs === 0) countedNow = expected.length;
  }
  // No negative or empty count is ever left behind.
  const stored = await drizzle(env.DB)
    .select()
    .from(catalogCategoryCounts)
    .where(like(catalogCategoryCounts.category, `${PREFIX}%`));
  expect(
    stored.filter((r) => r.activeOfferCount <= 0),
    step,
  ).toEqual([]);
  return countedNow;
}

describe("category counts drift", () => {
  it("equal a recount after every random catalog write, sync, deactivation and delete", async () => {
    const random = randomFrom(20261205);
    const baseMs = Date.now();
    let syncNowMs = baseMs;
    const iso = (ms: number) => new Date(ms).toISOString();
    // Schedules: none, started yesterday, starts in two days, ends tomorrow, a two-day window.
    const schedules = [
      { startsAt: null, endsAt: null },
      { startsAt: iso(baseMs - DAY_MS), endsAt: null },
      { startsAt: iso(baseMs + 2 * DAY_MS), endsAt: null },
      { startsAt: null, endsAt: iso(baseMs + DAY_MS) },
      { startsAt: iso(baseMs + DAY_MS), endsAt: iso(baseMs + 3 * DAY_MS) },
    ];
    const networkBody = (name: string, active: boolean, feedUrl?: string) => ({
      name,
      trackingTemplate: "https://counts.test/t?o={network_offer_ref}&sub={subid}&url={landing_url}",
      postbackSecret: NETWORK_SECRET,
      options: feedUrl ? { feedUrl, maxFeedRateBps: 5_000 } : {},
      active,
    });
    const merchantBody = (name: string, active: boolean) => ({
      networkId: ADMIN_NET,
      name,
      landingUrl: "https://counts.test/shop",
      active,
    });
    const rates = (categories: string[]) =>
      Object.fromEntries(categories.map((c, i) => [c, 200 + 100 * i]));

    await expectOk(await adminPut(`/admin/v1/networks/${ADMIN_NET}`, networkBody("Counts", true)));
    await expectOk(
      await adminPut(`/admin/v1/networks/${FEED_NET}`, networkBody("Feed", true, FEED_URL)),
    );
    for (const id of ADMIN_MERCHANTS) {
      await expectOk(await adminPut(`/admin/v1/merchants/${id}`, merchantBody(id, true)));
    }
    let feedNetActive = true;
    const writtenOffers = new Set<string>();

    const steps: Record<string, () => Promise<void>> = {
      async putOffer() {
        const id = random.pick(ADMIN_OFFERS);
        const categories = random.subset(CATEGORIES);
        const excluded = random.chance(0.3) ? random.subset(categories) : [];
        await expectOk(
          await adminPut(`/admin/v1/offers/${id}`, {
            merchantId: random.pick(ADMIN_MERCHANTS),
            title: `Offer ${id}`,
            currency: "INR",
            cashback: {
              basis: "sale",
              defaultRateBps: 300,
              categoryRates: rates(categories),
              ...(excluded.length > 0 ? { excludedCategories: excluded } : {}),
            },
            returnWindowDays: 30,
            active: random.chance(0.8),
            ...random.pick(schedules),
          }),
        );
        writtenOffers.add(id);
      },
      async putMerchant() {
        const id = random.pick(ADMIN_MERCHANTS);
        const renamed = random.chance(0.5) ? `${id} renamed` : id;
        await expectOk(
          await adminPut(`/admin/v1/merchants/${id}`, merchantBody(renamed, random.chance(0.6))),
        );
      },
      async putNetwork() {
        if (random.chance(0.5)) {
          await expectOk(
            await adminPut(
              `/admin/v1/networks/${ADMIN_NET}`,
              networkBody("Counts", random.chance(0.6)),
            ),
          );
        } else {
          feedNetActive = random.chance(0.6);
          await expectOk(
            await adminPut(
              `/admin/v1/networks/${FEED_NET}`,
              networkBody("Feed", feedNetActive, FEED_URL),
            ),
          );
        }
      },
      async sync() {
        if (!feedNetActive) return;
        syncNowMs += 60_000;
        const feed = random.subset(FEED_MERCHANTS).map((merchantId) => ({
          id: merchantId,
          name: random.chance(0.5) ? `Merchant ${merchantId}` : `Merchant ${merchantId} new`,
          landing_url: "https://counts-feed.test/",
          offers: random.subset(FEED_OFFERS).map((offerId) => ({
            id: `${merchantId}-${offerId}`,
            title: `Feed ${offerId}`,
            currency: "INR",
            default_rate_bps: 200,
            category_rates: rates(random.subset(CATEGORIES)),
            return_window_days: 30,
            active: random.chance(0.8),
          })),
        }));
        const outcome = await syncNetwork(env, FEED_NET, {
          fetcher: async () => Response.json({ merchants: feed }),
          nowMs: syncNowMs,
          trigger: "admin",
        });
        expect(outcome.kind === "ran" && outcome.run.status).toBe("succeeded");
      },
      async breaker() {
        if (!feedNetActive) return;
        // One failure opens it (threshold 1); the next sync is the probe that closes it.
        syncNowMs += 60_000;
        const failed = await syncNetwork(env, FEED_NET, {
          fetcher: async () => new Response("down", { status: 503 }),
          nowMs: syncNowMs,
          trigger: "admin",
          policy: { failureThreshold: 1, baseCooldownMs: 1_000, maxCooldownMs: 1_000 },
        });
        expect(failed.kind === "ran" && failed.run.status).toBe("failed");
        await expectCountsEqualRecount(baseMs, "breaker open");
      },
      async deleteOffer() {
        // An offer row gone (the repair path removes its document and category rows).
        const id = random.pick([...writtenOffers]);
        if (id === undefined) return;
        await env.DB.prepare("DELETE FROM offers WHERE id = ?").bind(id).run();
        await reindexOffers(env.DB, [id], Date.now());
        writtenOffers.delete(id);
      },
    };
    const weighted = [
      ...Array(5).fill("putOffer"),
      ...Array(2).fill("putMerchant"),
      "putNetwork",
      ...Array(3).fill("sync"),
      "breaker",
      "deleteOffer",
    ] as string[];

    const done: string[] = [];
    let nonEmptySteps = 0;
    for (let i = 0; i < STEPS; i++) {
      const name = random.pick(weighted);
      await steps[name]?.();
      done.push(name);
      if ((await expectCountsEqualRecount(baseMs, `step ${i} (${done.join(", ")})`)) > 0) {
        nonEmptySteps++;
      }
    }
    // The sequence reached every kind of step, and the comparisons were mostly not of empty
    // counts (the served route agrees with the function it calls).
    expect(new Set(done).size).toBe(Object.keys(steps).length);
    expect(nonEmptySteps).toBeGreaterThan(STEPS / 2);
    const served = await api("/v1/catalog/categories");
    expect(served.status).toBe(200);
  });

  it("follows the clock with no write: an offer that ends leaves the count, one that starts joins it", async () => {
    const nowMs = Date.now();
    await expectOk(
      await adminPut("/admin/v1/networks/cc-clock-net", {
        name: "Clock",
        trackingTemplate:
          "https://clock.test/t?o={network_offer_ref}&sub={subid}&url={landing_url}",
        postbackSecret: NETWORK_SECRET,
      }),
    );
    await expectOk(
      await adminPut("/admin/v1/merchants/cc-clock-shop", {
        networkId: "cc-clock-net",
        name: "Clock Shop",
        landingUrl: "https://clock.test/",
      }),
    );
    const offer = (startsAt: string | null, endsAt: string | null) => ({
      merchantId: "cc-clock-shop",
      title: "Timed",
      currency: "INR",
      cashback: { basis: "sale", defaultRateBps: 100, categoryRates: { "cc-clock": 200 } },
      returnWindowDays: 30,
      startsAt,
      endsAt,
    });
    await expectOk(
      await adminPut(
        "/admin/v1/offers/cc-ending",
        offer(null, new Date(nowMs + DAY_MS).toISOString()),
      ),
    );
    await expectOk(
      await adminPut(
        "/admin/v1/offers/cc-starting",
        offer(new Date(nowMs + 2 * DAY_MS).toISOString(), null),
      ),
    );
    const clockCount = async (atMs: number) =>
      (await categoryCounts(env.DB, atMs, 500)).find((c) => c.category === "cc-clock")?.offers ?? 0;
    expect(await clockCount(nowMs)).toBe(1); // the ending one
    expect(await clockCount(nowMs + 1.5 * DAY_MS)).toBe(0); // ended, not started
    expect(await clockCount(nowMs + 3 * DAY_MS)).toBe(1); // the starting one
  });
});

import { env } from "cloudflare:workers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { syncNetwork } from "#workers/api/src/features/sync/index";
import { ADMIN_HEADERS, adminPut, api, mintUserJwt, NETWORK_SECRET, uniqueUser } from "./helpers";

/**
 * Offer discovery through the real api worker: the public catalog (search, categories,
 * merchant pages) with and without a user token, its edge cache and purge, and what it must
 * never list. Every test makes its own network, merchants and words, so tests do not see each
 * other's offers.
 */

interface CatalogOffer {
  id: string;
  merchantId: string;
  merchantName: string;
  title: string;
  headlineRateBps: number;
  categories: string[];
  trackingUrl: string | null;
  trackingUrlExpiresAt: string | null;
  boosts: unknown[];
}
interface CatalogPage {
  items: CatalogOffer[];
  nextCursor: string | null;
}

let counter = 0;
/** A fresh id (and search word) per call: letters only, so it is one search token. */
function fresh(label: string): string {
  counter++;
  const letters = Math.random()
    .toString(36)
    .replace(/[^a-z]/g, "")
    .slice(0, 6);
  return `${label}${"abcdefghij"[counter % 10]}${letters}x${counter}`.replace(/[0-9]/g, "q");
}

interface ShopOffer {
  id: string;
  title: string;
  description?: string;
  defaultRateBps?: number;
  categoryRates?: Record<string, number>;
  active?: boolean;
  startsAt?: string;
}

async function ok(response: Response): Promise<Response> {
  if (response.status !== 200) throw new Error(`${response.status} ${await response.text()}`);
  return response;
}

async function putNetwork(networkId: string, options: Record<string, unknown> = {}, active = true) {
  await ok(
    await adminPut(`/admin/v1/networks/${networkId}`, {
      name: `Network ${networkId}`,
      trackingTemplate:
        "https://network.test/t?o={network_offer_ref}&sub={subid}&url={landing_url}",
      postbackSecret: NETWORK_SECRET,
      options,
      active,
    }),
  );
}

async function putMerchant(networkId: string, merchantId: string, name: string) {
  await ok(
    await adminPut(`/admin/v1/merchants/${merchantId}`, {
      networkId,
      name,
      landingUrl: `https://${merchantId}.test/`,
    }),
  );
}

async function putOffer(merchantId: string, offer: ShopOffer) {
  await ok(
    await adminPut(`/admin/v1/offers/${offer.id}`, {
      merchantId,
      title: offer.title,
      description: offer.description ?? "",
      currency: "INR",
      cashback: {
        basis: "sale",
        defaultRateBps: offer.defaultRateBps ?? 300,
        categoryRates: offer.categoryRates ?? {},
      },
      returnWindowDays: 30,
      active: offer.active ?? true,
      ...(offer.startsAt ? { startsAt: offer.startsAt } : {}),
    }),
  );
}

/** A network with one merchant and its offers. */
async function seedShop(merchantName: string, offers: ShopOffer[]) {
  const networkId = fresh("net").toLowerCase();
  const merchantId = fresh("shop").toLowerCase();
  await putNetwork(networkId);
  await putMerchant(networkId, merchantId, merchantName);
  for (const offer of offers) await putOffer(merchantId, offer);
  return { networkId, merchantId };
}

async function catalog(
  query: string,
  token?: string,
): Promise<{ response: Response; page: CatalogPage }> {
  const response = await api(`/v1/catalog/offers?${query}`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${response.status} ${text}`);
  return { response, page: JSON.parse(text) as CatalogPage };
}

const ids = (page: CatalogPage) => page.items.map((o) => o.id);

describe("public catalog search", () => {
  it("needs no token, finds offers by a prefix of the merchant's name in any case, and gives no link", async () => {
    const word = fresh("amaz");
    const { merchantId } = await seedShop(`${word} Marketplace`, [
      { id: fresh("o").toLowerCase(), title: "Echo speakers", categoryRates: { audio: 600 } },
    ]);
    const { response, page } = await catalog(
      `q=${word.slice(0, 4).toUpperCase()}${word.slice(4, 7)}`,
    );
    expect(response.headers.get("x-catalog-cache")).toBe("miss");
    expect(response.headers.get("cache-control")).toContain("public");
    const hit = page.items.find((o) => o.merchantId === merchantId);
    expect(hit).toMatchObject({
      merchantName: `${word} Marketplace`,
      title: "Echo speakers",
      headlineRateBps: 600,
      categories: ["audio"],
      trackingUrl: null,
      trackingUrlExpiresAt: null,
    });
  });

  it("ignores accents both ways: 'cafe' finds 'Café', 'crème' finds 'creme'", async () => {
    const tag = fresh("tag");
    const cafe = fresh("o").toLowerCase();
    const creme = fresh("o").toLowerCase();
    await seedShop("Lumière", [
      { id: cafe, title: `Café breakfast ${tag}` },
      { id: creme, title: `Ice creme ${tag}` },
    ]);
    expect(ids((await catalog(`q=cafe ${tag}`)).page)).toEqual([cafe]);
    expect(ids((await catalog(`q=CRÈME ${tag}`)).page)).toEqual([creme]);
    expect(ids((await catalog(`q=lumiere ${tag}`)).page).sort()).toEqual([cafe, creme].sort());
  });

  it("searches description and categories, every word must match, and ranks the better rate first among equal matches", async () => {
    const tag = fresh("rank");
    const low = fresh("o").toLowerCase();
    const high = fresh("o").toLowerCase();
    const described = fresh("o").toLowerCase();
    const other = fresh("o").toLowerCase();
    await seedShop("Rank Shop", [
      { id: low, title: `Widget ${tag}`, defaultRateBps: 200 },
      { id: high, title: `Widget ${tag}`, defaultRateBps: 900 },
      { id: described, title: "Gadget", description: `widgets and ${tag}`, defaultRateBps: 100 },
      { id: other, title: "Nothing", categoryRates: { [tag]: 100 } },
    ]);
    expect(ids((await catalog(`q=widget ${tag}`)).page)).toEqual([high, low, described]);
    expect(ids((await catalog(`q=${tag}&sort=rate`)).page)).toEqual([high, other, low, described]);
    expect(ids((await catalog(`q=${tag} nosuchword`)).page)).toEqual([]);
  });

  it("filters by category and merchant and sorts by rate, newest and merchant name", async () => {
    const category = fresh("cat").toLowerCase();
    const a = fresh("o").toLowerCase();
    const b = fresh("o").toLowerCase();
    const c = fresh("o").toLowerCase();
    const shopZ = await seedShop("Zeta store", [
      { id: a, title: "A", categoryRates: { [category]: 500 } },
      { id: b, title: "B", categoryRates: { [category]: 800 } },
    ]);
    await seedShop("Alpha store", [{ id: c, title: "C", categoryRates: { [category]: 100 } }]);
    expect(ids((await catalog(`category=${category}`)).page)).toEqual([b, a, c]);
    expect(ids((await catalog(`category=${category}&sort=newest`)).page)).toEqual([c, b, a]);
    expect(ids((await catalog(`category=${category}&sort=merchant`)).page)).toEqual(
      [c, a, b].slice(0, 1).concat([a, b].sort()),
    );
    expect(ids((await catalog(`category=${category}&merchant=${shopZ.merchantId}`)).page)).toEqual([
      b,
      a,
    ]);
  });

  it("walks every result exactly once with the cursor, in every sort", async () => {
    const tag = fresh("page");
    const category = tag.toLowerCase();
    const offerIds: string[] = [];
    const shop = await seedShop("Pager", []);
    for (let i = 0; i < 7; i++) {
      const id = fresh("o").toLowerCase();
      offerIds.push(id);
      await putOffer(shop.merchantId, {
        id,
        title: `Page ${tag} ${i % 2 === 0 ? "even" : "odd"}`,
        // Ties on purpose: the offer id breaks them.
        defaultRateBps: 100 + (i % 3) * 100,
        categoryRates: { [category]: 100 + (i % 3) * 100 },
      });
    }
    for (const query of [
      `category=${category}&sort=rate`,
      `category=${category}&sort=newest`,
      `category=${category}&sort=merchant`,
      `q=${tag}`,
      `q=page ${tag}&sort=rate`,
    ]) {
      const seen: string[] = [];
      let cursor: string | null = null;
      for (let pages = 0; pages < 10; pages++) {
        const { page } = await catalog(
          `${query}&limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
        );
        expect(page.items.length).toBeLessThanOrEqual(3);
        seen.push(...ids(page));
        cursor = page.nextCursor;
        if (!cursor) break;
      }
      expect(seen.sort(), query).toEqual([...offerIds].sort());
    }
  });
});

describe("categories and merchant pages", () => {
  it("counts visible offers per category", async () => {
    const shared = fresh("cnt").toLowerCase();
    const solo = fresh("cnt").toLowerCase();
    const excluded = fresh("cnt").toLowerCase();
    const shop = await seedShop("Counter", [
      { id: fresh("o").toLowerCase(), title: "one", categoryRates: { [shared]: 100, [solo]: 200 } },
      { id: fresh("o").toLowerCase(), title: "two", categoryRates: { [shared]: 100 } },
      // Hidden: never counted.
      {
        id: fresh("o").toLowerCase(),
        title: "off",
        categoryRates: { [shared]: 100 },
        active: false,
      },
    ]);
    // An excluded category is not one the offer is listed under.
    await ok(
      await adminPut(`/admin/v1/offers/${fresh("o").toLowerCase()}`, {
        merchantId: shop.merchantId,
        title: "three",
        currency: "INR",
        cashback: {
          basis: "sale",
          defaultRateBps: 100,
          categoryRates: { [excluded]: 100, [shared]: 100 },
          excludedCategories: [excluded],
        },
        returnWindowDays: 30,
      }),
    );
    const response = await api("/v1/catalog/categories");
    expect(response.status).toBe(200);
    const body = (await response.json()) as { items: Array<{ category: string; offers: number }> };
    const counts = Object.fromEntries(body.items.map((i) => [i.category, i.offers]));
    expect(counts[shared]).toBe(3);
    expect(counts[solo]).toBe(1);
    expect(counts[excluded]).toBeUndefined();
  });

  it("serves a merchant's page with its visible offers, and 404 for an unknown or hidden merchant", async () => {
    const visible = fresh("o").toLowerCase();
    const shop = await seedShop("Page Merchant", [
      { id: visible, title: "Visible", defaultRateBps: 400 },
      { id: fresh("o").toLowerCase(), title: "Hidden", active: false },
    ]);
    const response = await api(`/v1/catalog/merchants/${shop.merchantId}`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      merchant: { id: string; name: string };
      offers: CatalogPage;
    };
    expect(body.merchant).toMatchObject({ id: shop.merchantId, name: "Page Merchant" });
    expect(ids(body.offers)).toEqual([visible]);

    const unknown = await api("/v1/catalog/merchants/no-such-merchant");
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("content-type")).toContain("application/problem+json");

    const gone = await seedShop("Gone", [
      { id: fresh("o").toLowerCase(), title: "x", active: false },
    ]);
    expect((await api(`/v1/catalog/merchants/${gone.merchantId}`)).status).toBe(404);
  });
});

describe("personalised links", () => {
  it("gives a signed-in caller their tracking link per offer and never caches it shared", async () => {
    const tag = fresh("link");
    const offerId = fresh("o").toLowerCase();
    await seedShop("Linker", [{ id: offerId, title: `Link ${tag}` }]);
    const user = uniqueUser("catalog");
    const token = await mintUserJwt(user);

    const signedIn = await catalog(`q=${tag}`, token);
    expect(signedIn.response.headers.get("x-catalog-cache")).toBe("bypass");
    expect(signedIn.response.headers.get("cache-control")).toBe("private, no-store");
    const offer = signedIn.page.items[0];
    expect(offer?.trackingUrl).toMatch(/^https:\/\/go\.test\/c\//);
    expect(offer?.trackingUrlExpiresAt).not.toBeNull();

    // The same link GET /v1/offers builds (one builder).
    const listed = await api("/v1/offers?limit=200", {
      headers: { authorization: `Bearer ${token}` },
    });
    const mine = ((await listed.json()) as { items: Array<{ id: string; trackingUrl: string }> })
      .items;
    expect(mine.find((o) => o.id === offerId)?.trackingUrl).toBe(offer?.trackingUrl);

    // A second signed-in request is not served from the cache, and anonymous gets no link.
    expect((await catalog(`q=${tag}`, token)).response.headers.get("x-catalog-cache")).toBe(
      "bypass",
    );
    const anonymous = await catalog(`q=${tag}`);
    expect(anonymous.page.items[0]?.trackingUrl).toBeNull();
  });

  it("refuses a bad token instead of answering as anonymous", async () => {
    const response = await api("/v1/catalog/offers", { headers: { authorization: "Bearer nope" } });
    expect(response.status).toBe(401);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
  });

  it("keeps the rest of the user API behind its token", async () => {
    expect((await api("/v1/offers")).status).toBe(401);
    expect((await api("/v1/me/wallet")).status).toBe(401);
  });
});

describe("edge cache", () => {
  it("serves a repeat from the cache, and an admin update is visible on the next request", async () => {
    const tag = fresh("cache");
    const offerId = fresh("o").toLowerCase();
    const shop = await seedShop("Cacher", [{ id: offerId, title: `Old title ${tag}` }]);
    const first = await catalog(`q=${tag}`);
    expect(first.response.headers.get("x-catalog-cache")).toBe("miss");
    const second = await catalog(`q=${tag}`);
    expect(second.response.headers.get("x-catalog-cache")).toBe("hit");
    expect(second.page).toEqual(first.page);

    await putOffer(shop.merchantId, { id: offerId, title: `New title ${tag}` });
    const after = await catalog(`q=${tag}`);
    expect(after.response.headers.get("x-catalog-cache")).toBe("miss");
    expect(after.page.items[0]?.title).toBe(`New title ${tag}`);

    // A merchant rename is a catalog write too: the cached page with the old name is retired.
    await catalog(`q=${tag}`);
    await putMerchant(shop.networkId, shop.merchantId, "Renamed");
    const renamed = await catalog(`q=${tag}`);
    expect(renamed.response.headers.get("x-catalog-cache")).toBe("miss");
    expect(renamed.page.items[0]?.merchantName).toBe("Renamed");
    expect(ids((await catalog("q=renamed")).page)).toContain(offerId);
  });
});

describe("hidden offers are never listed", () => {
  it("leaves out inactive offers, offers not started, inactive networks and networks behind an open breaker", async () => {
    const tag = fresh("hide");
    const live = fresh("o").toLowerCase();
    const inactive = fresh("o").toLowerCase();
    const future = fresh("o").toLowerCase();
    await seedShop("Hider", [
      { id: live, title: `Live ${tag}` },
      { id: inactive, title: `Inactive ${tag}`, active: false },
      { id: future, title: `Future ${tag}`, startsAt: "2099-01-01T00:00:00Z" },
    ]);
    const offNetwork = await seedShop("Off network", [
      { id: fresh("o").toLowerCase(), title: `Off ${tag}` },
    ]);
    await putNetwork(offNetwork.networkId, {}, false);

    // A network whose feed keeps failing: its breaker opens and hides its offers.
    const broken = await seedShop("Broken feed", [
      { id: fresh("o").toLowerCase(), title: `Broken ${tag}` },
    ]);
    const feedUrl = `https://${broken.networkId}.test/feed`;
    expect(ids((await catalog(`q=${tag}`)).page)).toHaveLength(2);
    await putNetwork(broken.networkId, { feedUrl });
    const failing = async () => new Response("down", { status: 503 });
    let nowMs = Date.now();
    for (let i = 0; i < 3; i++) {
      await syncNetwork(env, broken.networkId, { fetcher: failing, nowMs, trigger: "admin" });
      nowMs += 1_000;
    }
    expect(ids((await catalog(`q=${tag}`)).page)).toEqual([live]);
    expect(ids((await catalog(`q=${tag}&sort=newest`)).page)).toEqual([live]);
  });
});

describe("bad requests", () => {
  it.each([
    { label: "limit 0", query: "limit=0" },
    { label: "limit over the page size", query: "limit=51" },
    { label: "unknown sort", query: "sort=price" },
    { label: "relevance without a search", query: "sort=relevance" },
    { label: "a cursor this API did not issue", query: "cursor=bm90LWEtY3Vyc29y" },
    {
      label: "a cursor of another sort",
      query: `sort=newest&cursor=${btoa('["rate",5,"x"]').replace(/=+$/, "")}`,
    },
    { label: "a search over 200 characters", query: `q=${"a".repeat(201)}` },
    { label: "a merchant that is not an id", query: "merchant=Not%20An%20Id" },
  ])("answers 400 problem+json for $label", async ({ query }) => {
    const response = await api(`/v1/catalog/offers?${query}`);
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
  });

  it("never answers a 5xx for any search string", async () => {
    await seedShop("Fuzz", [{ id: fresh("o").toLowerCase(), title: "fuzz target" }]);
    const fts5Syntax = fc.constantFrom(
      '"',
      "*",
      "^",
      "-",
      "+",
      ":",
      "(",
      ")",
      "NEAR(",
      "AND",
      "OR",
      "NOT",
      "title:",
      "{",
      "}",
      "\u0301",
      "\u0000",
      "é",
      "ß",
      "İ",
      "😀",
      "\\",
      "'",
      "%",
      "_",
    );
    const q = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.string({ unit: "binary", maxLength: 40 }),
      fc
        .array(fc.oneof(fts5Syntax, fc.string({ maxLength: 4 })), { maxLength: 12 })
        .map((p) => p.join("")),
    );
    await fc.assert(
      fc.asyncProperty(
        q,
        fc.constantFrom("", "&sort=rate", "&sort=relevance"),
        async (text, sort) => {
          const response = await api(`/v1/catalog/offers?q=${encodeURIComponent(text)}${sort}`);
          await response.arrayBuffer();
          expect(response.status).toBeLessThan(500);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe("admin headers are not needed", () => {
  it("an admin key is not a user token here", async () => {
    const response = await api("/v1/catalog/categories", {
      headers: { authorization: ADMIN_HEADERS.authorization },
    });
    expect(response.status).toBe(401);
  });
});

import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { describe, expect, it } from "vitest";
import { merchants, offerSearchCategories, offerSearchDocs, offers } from "#shared/db/schema";
import { reindexOffers } from "#workers/api/src/features/discovery/index";
import { searchDocument } from "#workers/api/src/features/discovery/search-document";
import { syncNetwork } from "#workers/api/src/features/sync/index";
import { ADMIN_HEADERS, adminPut, api, NETWORK_SECRET } from "./helpers";

/**
 * The search index cannot drift from the catalog: after a sequence of catalog writes through
 * the admin API and two merchant syncs (creating, changing, renaming, deactivating, holding
 * and approving), every offer's stored document is exactly what the one builder
 * (searchDocument) makes of the offer and its merchant, its category rows are the builder's
 * list, and the FTS5 index agrees with the documents (FTS5's own integrity check).
 */

const FEED_URL = "https://drift-feed.test/feed";
const NETWORKS = ["drift-net", "repair-net"];

interface WireOffer {
  id: string;
  title: string;
  currency: string;
  default_rate_bps: number;
  category_rates: Record<string, number>;
  return_window_days: number;
  active: boolean;
}

function feedOf(merchantName: string, feedOffers: WireOffer[]) {
  return async (request: Request): Promise<Response> => {
    if (request.url !== FEED_URL) return new Response("not found", { status: 404 });
    return Response.json({
      merchants: [
        {
          id: "drift-m",
          name: merchantName,
          landing_url: "https://drift.test/",
          offers: feedOffers,
        },
      ],
    });
  };
}

const wire = (id: string, title: string, rateBps: number, categories: Record<string, number>) => ({
  id,
  title,
  currency: "INR",
  default_rate_bps: rateBps,
  category_rates: categories,
  return_window_days: 30,
  active: true,
});

async function expectOk(response: Response) {
  expect(response.status, await response.clone().text()).toBe(200);
}

/** Every offer's document and categories against the builder; the FTS index against both. */
async function expectNoDrift() {
  const db = drizzle(env.DB);
  // This file's networks only: other suites may write offers straight into D1.
  const rows = (
    await db
      .select({ offer: offers, merchantName: merchants.name, networkId: merchants.networkId })
      .from(offers)
      .innerJoin(merchants, eq(merchants.id, offers.merchantId))
  ).filter((r) => NETWORKS.includes(r.networkId));
  const mine = new Set(rows.map((r) => r.offer.id));
  const docs = new Map(
    (await db.select().from(offerSearchDocs))
      .filter((d) => mine.has(d.offerId))
      .map((d) => [d.offerId, d] as const),
  );
  const categoryRows = (await db.select().from(offerSearchCategories)).filter((c) =>
    mine.has(c.offerId),
  );
  expect(docs.size).toBe(rows.length);
  for (const { offer, merchantName } of rows) {
    const { categoryList, ...expected } = searchDocument(offer, merchantName);
    const { rowId: _rowId, ...stored } = docs.get(offer.id) ?? { rowId: 0 };
    expect(stored, offer.id).toEqual(expected);
    expect(
      categoryRows
        .filter((c) => c.offerId === offer.id)
        .map((c) => c.category)
        .sort(),
      offer.id,
    ).toEqual(categoryList);
  }
  expect(categoryRows.every((c) => docs.has(c.offerId))).toBe(true);
  // FTS5's own check, with rank 1: the index matches its external content table row for row.
  await env.DB.prepare(
    "INSERT INTO offer_search(offer_search, rank) VALUES ('integrity-check', 1)",
  ).run();
  const indexed = await env.DB.prepare("SELECT count(*) AS n FROM offer_search").first<{
    n: number;
  }>();
  expect(indexed?.n).toBe(rows.length);
}

describe("search index drift", () => {
  it("stays exactly what the builder makes through admin writes, merchant syncs and a held change", async () => {
    let nowMs = Date.now();
    await expectOk(
      await adminPut("/admin/v1/networks/drift-net", {
        name: "Drift network",
        trackingTemplate:
          "https://drift.test/t?o={network_offer_ref}&sub={subid}&url={landing_url}",
        postbackSecret: NETWORK_SECRET,
        options: { feedUrl: FEED_URL, maxFeedRateBps: 2_000 },
      }),
    );
    await expectOk(
      await adminPut("/admin/v1/merchants/drift-shop", {
        networkId: "drift-net",
        name: "Drift Shop",
        landingUrl: "https://drift.test/shop",
      }),
    );
    const offerBody = (title: string, categoryRates: Record<string, number>, extra = {}) => ({
      merchantId: "drift-shop",
      title,
      description: "Descriptions are searched too",
      currency: "INR",
      cashback: { basis: "sale", defaultRateBps: 300, categoryRates, ...extra },
      returnWindowDays: 30,
    });
    await expectOk(await adminPut("/admin/v1/offers/drift-a", offerBody("First", { shoes: 500 })));
    await expectOk(await adminPut("/admin/v1/offers/drift-b", offerBody("Second", {})));
    await expectNoDrift();

    // Changed title, terms (a category added, one excluded), switched off, renamed merchant.
    await expectOk(
      await adminPut(
        "/admin/v1/offers/drift-a",
        offerBody("First, renamed", { shoes: 500, bags: 900 }, { excludedCategories: ["bags"] }),
      ),
    );
    await expectOk(
      await adminPut("/admin/v1/offers/drift-b", { ...offerBody("Second", {}), active: false }),
    );
    await expectOk(
      await adminPut("/admin/v1/merchants/drift-shop", {
        networkId: "drift-net",
        name: "Drift Shop Renamed",
        landingUrl: "https://drift.test/shop",
      }),
    );
    await expectNoDrift();

    // A sync creates a merchant and two offers.
    const first = await syncNetwork(env, "drift-net", {
      fetcher: feedOf("Feed Merchant", [
        wire("f1", "Feed one", 400, { phones: 600 }),
        wire("f2", "Feed two", 200, {}),
      ]),
      nowMs,
      trigger: "admin",
    });
    expect(first.kind === "ran" && first.run.status).toBe("succeeded");
    await expectNoDrift();

    // The next renames the merchant, changes one offer, drops the other (deactivated) and
    // proposes a rate above the ceiling for a new offer (held: not created yet).
    nowMs += 60_000;
    const second = await syncNetwork(env, "drift-net", {
      fetcher: feedOf("Feed Merchant Renamed", [
        wire("f1", "Feed one, new title", 450, { phones: 650, tablets: 700 }),
        wire("f3", "Feed three", 300, { gold: 5_000 }),
      ]),
      nowMs,
      trigger: "admin",
    });
    expect(second.kind === "ran" && second.run.offersHeld).toBe(1);
    await expectNoDrift();

    // Approving the held change creates the offer through the same write path.
    const held = await api("/admin/v1/networks/drift-net/held-feed-changes?status=held", {
      headers: ADMIN_HEADERS,
    });
    const [change] = ((await held.json()) as { items: Array<{ id: string }> }).items;
    expect(change).toBeDefined();
    await expectOk(
      await api(`/admin/v1/networks/drift-net/held-feed-changes/${change?.id}/approve`, {
        method: "POST",
        headers: ADMIN_HEADERS,
      }),
    );
    await expectNoDrift();

    // The search finds the renamed merchant's offers by the new name only.
    const found = await api("/v1/catalog/offers?q=feed%20merchant%20renamed");
    const titles = ((await found.json()) as { items: Array<{ title: string }> }).items.map(
      (o) => o.title,
    );
    expect(titles.sort()).toEqual(["Feed one, new title", "Feed three"]);
  });

  it("repairs a document that went missing (reindexOffers, the path a half-finished sync takes)", async () => {
    await expectOk(
      await adminPut("/admin/v1/networks/repair-net", {
        name: "Repair network",
        trackingTemplate:
          "https://repair.test/t?o={network_offer_ref}&sub={subid}&url={landing_url}",
        postbackSecret: NETWORK_SECRET,
      }),
    );
    await expectOk(
      await adminPut("/admin/v1/merchants/repair-shop", {
        networkId: "repair-net",
        name: "Repair Shop",
        landingUrl: "https://repair.test/",
      }),
    );
    await expectOk(
      await adminPut("/admin/v1/offers/repair-a", {
        merchantId: "repair-shop",
        title: "Repairable",
        currency: "INR",
        cashback: { basis: "sale", defaultRateBps: 100, categoryRates: { tools: 200 } },
        returnWindowDays: 30,
      }),
    );
    // Simulate a write that stopped between its rows and its document.
    await env.DB.prepare("DELETE FROM offer_search_docs WHERE offer_id = 'repair-a'").run();
    await env.DB.prepare("DELETE FROM offer_search_categories WHERE offer_id = 'repair-a'").run();
    await reindexOffers(env.DB, ["repair-a"], Date.now());
    await expectNoDrift();
  });
});

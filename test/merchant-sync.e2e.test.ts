import {
  createExecutionContext,
  createScheduledController,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { SandboxNetwork } from "#dev/sandbox-network/engine/index";
import { type OfferConfig, offerConfigKey } from "#shared/config/offer-config";
import type { ApiEnv } from "#shared/env";
import type { ClickMessage } from "#shared/messages";
import { feedRecordId } from "#shared/networks/feeds/feed-ids";
import { runMerchantSyncs, type SyncRun, syncNetwork } from "#workers/api/src/features/sync/index";
import apiWorker from "#workers/api/src/index";
import {
  ADMIN_HEADERS,
  adminPut,
  api,
  followLink,
  trackingLinkFor,
  uniqueUser,
  userGet,
} from "./helpers";

/**
 * Merchant sync end to end: the job runs against the real D1 and KV bindings with an in-test
 * feed, and its effects are read through the real api worker (admin and user API) and the
 * redirect worker. Time is injected (`nowMs`), so cool-downs pass without waiting.
 */

const MIN = 60_000;
const SECRET = "feed-network-postback-secret-0123456789";

// ---- an in-test network feed -----------------------------------------------------------------

interface WireOffer {
  id: string;
  title: string;
  currency: string;
  default_rate_bps: number;
  category_rates: Record<string, number>;
  return_window_days: number;
  active: boolean;
}
interface WireMerchant {
  id: string;
  name: string;
  landing_url: string;
  offers: WireOffer[];
}

type FeedMode =
  | { kind: "ok" }
  | { kind: "status"; status: number }
  | { kind: "body"; body: string }
  | { kind: "throw" };

/** Serves `GET <feedUrl>` the way a network would: bearer auth, the generic feed JSON. */
class FeedServer {
  merchants: WireMerchant[];
  mode: FeedMode = { kind: "ok" };
  requests = 0;

  constructor(
    readonly url: string,
    merchants: WireMerchant[],
  ) {
    this.merchants = structuredClone(merchants);
  }

  readonly fetcher = async (request: Request): Promise<Response> => {
    this.requests++;
    if (request.url !== this.url) return new Response("not found", { status: 404 });
    if (request.headers.get("authorization") !== `Bearer ${SECRET}`) {
      return new Response("unauthorized", { status: 401 });
    }
    switch (this.mode.kind) {
      case "status":
        return new Response("down", { status: this.mode.status });
      case "body":
        return new Response(this.mode.body, { headers: { "content-type": "application/json" } });
      case "throw":
        throw new TypeError("network connection lost");
      case "ok":
        return Response.json({ merchants: this.merchants });
    }
  };

  offer(merchantId: string, offerId: string): WireOffer {
    const offer = this.merchants
      .find((m) => m.id === merchantId)
      ?.offers.find((o) => o.id === offerId);
    if (!offer) throw new Error(`no offer ${merchantId}/${offerId} in the feed`);
    return offer;
  }
}

const FEED_V1: WireMerchant[] = [
  {
    id: "shopkart",
    name: "ShopKart",
    landing_url: "https://shopkart.test/",
    offers: [
      {
        id: "1001",
        title: "ShopKart: 7.5% on electronics, 4% on everything else",
        currency: "INR",
        default_rate_bps: 400,
        category_rates: { electronics: 750, "gift-cards": 0 },
        return_window_days: 30,
        active: true,
      },
      {
        id: "1002",
        title: "ShopKart: festive sale (ended)",
        currency: "INR",
        default_rate_bps: 1_000,
        category_rates: {},
        return_window_days: 30,
        active: false,
      },
      {
        id: "1003",
        title: "ShopKart: app-only 5%",
        currency: "INR",
        default_rate_bps: 500,
        category_rates: {},
        return_window_days: 30,
        active: true,
      },
    ],
  },
  {
    // Upper case and punctuation: the id is cleaned and hashed, still a slug.
    id: "StyleHub.IN",
    name: "StyleHub",
    landing_url: "https://stylehub.test/sale",
    offers: [
      {
        id: "sh-1",
        title: "StyleHub: 10% on fashion",
        currency: "INR",
        default_rate_bps: 1_000,
        category_rates: {},
        return_window_days: 15,
        active: true,
      },
    ],
  },
];

async function putFeedNetwork(networkId: string, feedUrl: string | null) {
  const response = await adminPut(`/admin/v1/networks/${networkId}`, {
    name: `Feed network ${networkId}`,
    trackingTemplate: "https://feednet.test/t?o={network_offer_ref}&sub={subid}&url={landing_url}",
    postbackSecret: SECRET,
    options: feedUrl === null ? {} : { feedUrl },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

/** Wraps the KV binding so a test can see which keys a sync wrote. */
function countingEnv(): { env: ApiEnv; puts: string[]; deletes: string[] } {
  const kv = env.CONFIG_KV;
  const puts: string[] = [];
  const deletes: string[] = [];
  const counting = {
    get: kv.get.bind(kv),
    getWithMetadata: kv.getWithMetadata.bind(kv),
    list: kv.list.bind(kv),
    put: (key: string, ...rest: unknown[]) => {
      puts.push(key);
      return (kv.put as (...args: unknown[]) => Promise<void>)(key, ...rest);
    },
    delete: (key: string) => {
      deletes.push(key);
      return kv.delete(key);
    },
  } as unknown as KVNamespace;
  return { env: { ...env, CONFIG_KV: counting } as ApiEnv, puts, deletes };
}

async function sync(
  networkId: string,
  feed: FeedServer,
  nowMs: number,
  options: { trigger?: "cron" | "admin"; workerEnv?: ApiEnv } = {},
): Promise<SyncRun> {
  const outcome = await syncNetwork(options.workerEnv ?? env, networkId, {
    fetcher: feed.fetcher,
    nowMs,
    trigger: options.trigger ?? "cron",
  });
  if (outcome.kind !== "ran") throw new Error(`sync of ${networkId} was skipped`);
  return outcome.run;
}

async function liveOfferIds(): Promise<string[]> {
  const response = await userGet(uniqueUser("sync-list"), "/v1/offers?limit=200");
  expect(response.status).toBe(200);
  const body = (await response.json()) as { items: Array<{ id: string }> };
  return body.items.map((o) => o.id);
}

async function kvConfig(offerId: string): Promise<OfferConfig | null> {
  return env.CONFIG_KV.get<OfferConfig>(offerConfigKey(offerId), "json");
}

async function health(networkId: string) {
  const response = await api(`/admin/v1/networks/${networkId}/health`, { headers: ADMIN_HEADERS });
  expect(response.status).toBe(200);
  return (await response.json()) as {
    state: string;
    consecutiveFailures: number;
    cooldownMs: number | null;
    retryAt: string | null;
    lastError: string | null;
  };
}

/** Follows a link with a queue stand-in, returning the response and the click it sent. */
async function clickWithCapture(url: string) {
  const sent: ClickMessage[] = [];
  const response = await followLink(url, {
    ...env,
    CLICKS: { send: async (message: ClickMessage) => void sent.push(message) },
  });
  return { response, click: sent[0] ?? null };
}

const counts = (created: number, updated: number, deactivated: number, unchanged: number) => ({
  created,
  updated,
  deactivated,
  unchanged,
});

afterEach(() => {
  vi.restoreAllMocks();
});

// ---- the catalog follows the feed ------------------------------------------------------------

describe("merchant sync: the catalog follows the feed", () => {
  const NET = "feed-net";
  const feed = new FeedServer("https://feednet.test/feed.json", FEED_V1);
  const T0 = Date.now();
  const ids = {
    shopkart: "feed-net-shopkart",
    o1001: "feed-net-shopkart-1001",
    o1002: "feed-net-shopkart-1002",
    o1003: "feed-net-shopkart-1003",
    stylehub: "",
    sh1: "",
  };

  it("first sync creates merchants and offers under ids namespaced by the network", async () => {
    await putFeedNetwork(NET, feed.url);
    ids.stylehub = await feedRecordId(NET, "StyleHub.IN");
    ids.sh1 = await feedRecordId(NET, "StyleHub.IN", "sh-1");
    expect(ids.stylehub).toMatch(/^feed-net-stylehub-in-[0-9a-f]{12}$/);

    const run = await sync(NET, feed, T0);
    expect(run).toMatchObject({
      status: "succeeded",
      probe: false,
      breakerState: "closed",
      offers: counts(4, 0, 0, 0),
      merchants: counts(2, 0, 0, 0),
      error: null,
    });

    const merchant = await api(`/admin/v1/merchants/${ids.shopkart}`, { headers: ADMIN_HEADERS });
    expect(await merchant.json()).toMatchObject({
      networkId: NET,
      name: "ShopKart",
      landingUrl: "https://shopkart.test/",
      active: true,
    });
    const offer = await api(`/admin/v1/offers/${ids.o1001}`, { headers: ADMIN_HEADERS });
    expect(await offer.json()).toMatchObject({
      merchantId: ids.shopkart,
      networkOfferRef: "1001",
      currency: "INR",
      cashback: {
        basis: "sale",
        defaultRateBps: 400,
        categoryRates: { electronics: 750, "gift-cards": 0 },
      },
      returnWindowDays: 30,
      active: true,
    });

    const live = await liveOfferIds();
    expect(live).toEqual(expect.arrayContaining([ids.o1001, ids.o1003, ids.sh1]));
    expect(live).not.toContain(ids.o1002); // inactive in the feed

    const { response, click } = await clickWithCapture(
      await trackingLinkFor(uniqueUser("sync"), ids.o1001),
    );
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get("location") ?? "");
    expect(location.searchParams.get("o")).toBe("1001");
    expect(location.searchParams.get("url")).toBe("https://shopkart.test/");
    expect(click?.terms.defaultRateBps).toBe(400);
  });

  it("a second identical sync changes nothing and rewrites no cached config", async () => {
    const before = await kvConfig(ids.o1001);
    const offerBefore = await (
      await api(`/admin/v1/offers/${ids.o1001}`, { headers: ADMIN_HEADERS })
    ).json();
    const counting = countingEnv();

    const run = await sync(NET, feed, T0 + MIN, { workerEnv: counting.env });

    expect(run).toMatchObject({
      status: "succeeded",
      offers: counts(0, 0, 0, 4),
      merchants: counts(0, 0, 0, 2),
    });
    expect(counting.puts).toEqual([]);
    expect(counting.deletes).toEqual([]);
    expect(await kvConfig(ids.o1001)).toEqual(before);
    const offerAfter = await (
      await api(`/admin/v1/offers/${ids.o1001}`, { headers: ADMIN_HEADERS })
    ).json();
    expect(offerAfter).toEqual(offerBefore); // not even updatedAt moved
  });

  it("a changed rate updates exactly that offer, and the redirect pays the new rate", async () => {
    feed.offer("shopkart", "1001").default_rate_bps = 600;
    const counting = countingEnv();

    const run = await sync(NET, feed, T0 + 2 * MIN, { workerEnv: counting.env });

    expect(run.offers).toEqual(counts(0, 1, 0, 3));
    expect(run.merchants).toEqual(counts(0, 0, 0, 2));
    expect(counting.puts).toEqual([offerConfigKey(ids.o1001)]);
    expect((await kvConfig(ids.o1001))?.terms.defaultRateBps).toBe(600);

    const { response, click } = await clickWithCapture(
      await trackingLinkFor(uniqueUser("sync"), ids.o1001),
    );
    expect(response.status).toBe(302);
    expect(click?.terms).toMatchObject({ basis: "sale", defaultRateBps: 600 });
  });

  it("a merchant's new landing URL refreshes exactly that merchant's offer configs", async () => {
    const shopkart = feed.merchants.find((m) => m.id === "shopkart");
    if (!shopkart) throw new Error("feed fixture");
    shopkart.landing_url = "https://shopkart.test/cashback";
    const counting = countingEnv();

    const run = await sync(NET, feed, T0 + 2 * MIN + 30_000, { workerEnv: counting.env });

    expect(run.merchants).toEqual(counts(0, 1, 0, 1));
    expect(run.offers).toEqual(counts(0, 0, 0, 4));
    expect([...counting.puts].sort()).toEqual(
      [ids.o1001, ids.o1002, ids.o1003].map(offerConfigKey).sort(),
    );
    const { response } = await clickWithCapture(
      await trackingLinkFor(uniqueUser("sync"), ids.o1001),
    );
    const location = new URL(response.headers.get("location") ?? "");
    expect(location.searchParams.get("url")).toBe("https://shopkart.test/cashback");
  });

  it("keeps what the operator set that feeds do not carry (description, exclusions, cap)", async () => {
    const current = (await (
      await api(`/admin/v1/offers/${ids.o1003}`, { headers: ADMIN_HEADERS })
    ).json()) as Record<string, unknown>;
    const put = await adminPut(`/admin/v1/offers/${ids.o1003}`, {
      merchantId: ids.shopkart,
      title: current.title,
      description: "Only in the ShopKart app",
      networkOfferRef: "1003",
      currency: "INR",
      cashback: {
        basis: "sale",
        defaultRateBps: 500,
        categoryRates: {},
        excludedCategories: ["gift-cards"],
        capMinor: 50_000,
      },
      returnWindowDays: 30,
    });
    expect(put.status).toBe(200);

    const run = await sync(NET, feed, T0 + 3 * MIN);
    expect(run.offers).toEqual(counts(0, 0, 0, 4));
    feed.offer("shopkart", "1003").default_rate_bps = 550;
    const changed = await sync(NET, feed, T0 + 4 * MIN);
    expect(changed.offers).toEqual(counts(0, 1, 0, 3));

    const offer = (await (
      await api(`/admin/v1/offers/${ids.o1003}`, { headers: ADMIN_HEADERS })
    ).json()) as { description: string; cashback: Record<string, unknown> };
    expect(offer.description).toBe("Only in the ShopKart app");
    expect(offer.cashback).toMatchObject({
      defaultRateBps: 550,
      excludedCategories: ["gift-cards"],
      capMinor: 50_000,
    });
  });

  it("an offer that left the feed is deactivated, never deleted: unlisted, and its link is 410", async () => {
    const link = await trackingLinkFor(uniqueUser("sync"), ids.o1003);
    const shopkart = feed.merchants.find((m) => m.id === "shopkart");
    if (!shopkart) throw new Error("feed fixture");
    shopkart.offers = shopkart.offers.filter((o) => o.id !== "1003");

    const run = await sync(NET, feed, T0 + 5 * MIN);

    expect(run.offers).toEqual(counts(0, 0, 1, 3));
    expect(await liveOfferIds()).not.toContain(ids.o1003);
    expect((await followLink(link)).status).toBe(410);
    const stored = await api(`/admin/v1/offers/${ids.o1003}`, { headers: ADMIN_HEADERS });
    expect(stored.status).toBe(200);
    expect(await stored.json()).toMatchObject({ active: false });
  });

  it("a merchant that left the feed is deactivated with its offers; one that returns is reactivated", async () => {
    const stylehub = feed.merchants.find((m) => m.id === "StyleHub.IN");
    if (!stylehub) throw new Error("feed fixture");
    feed.merchants = feed.merchants.filter((m) => m !== stylehub);

    const gone = await sync(NET, feed, T0 + 6 * MIN);
    expect(gone.merchants).toEqual(counts(0, 0, 1, 1));
    expect(gone.offers).toEqual(counts(0, 0, 1, 3));
    expect(await liveOfferIds()).not.toContain(ids.sh1);
    const merchant = await api(`/admin/v1/merchants/${ids.stylehub}`, { headers: ADMIN_HEADERS });
    expect(await merchant.json()).toMatchObject({ active: false });
    expect((await kvConfig(ids.sh1))?.active).toBe(false);

    feed.merchants.push(stylehub);
    const back = await sync(NET, feed, T0 + 7 * MIN);
    expect(back.merchants).toEqual(counts(0, 1, 0, 1));
    expect(back.offers).toEqual(counts(0, 1, 0, 3));
    expect(await liveOfferIds()).toContain(ids.sh1);
    expect((await kvConfig(ids.sh1))?.active).toBe(true);
  });

  it("a bad feed is an error, not a partial sync", async () => {
    const snapshot = await liveOfferIds();
    feed.merchants[0]?.offers.push({
      id: "1004",
      title: "Broken",
      currency: "INR",
      default_rate_bps: 12_000, // above 100%
      category_rates: {},
      return_window_days: 30,
      active: true,
    });
    feed.offer("shopkart", "1001").default_rate_bps = 650;

    const run = await sync(NET, feed, T0 + 8 * MIN);

    expect(run.status).toBe("failed");
    expect(run.error).toMatch(/default_rate_bps/);
    expect(run.offers).toEqual(counts(0, 0, 0, 0));
    expect(await liveOfferIds()).toEqual(snapshot);
    expect((await kvConfig(ids.o1001))?.terms.defaultRateBps).toBe(600);
    // Repair the feed for the next tests; the failure counted once towards the breaker.
    feed.merchants[0]?.offers.pop();
    feed.offer("shopkart", "1001").default_rate_bps = 600;
    expect((await health(NET)).consecutiveFailures).toBe(1);
    expect((await sync(NET, feed, T0 + 9 * MIN)).status).toBe("succeeded");
    expect((await health(NET)).consecutiveFailures).toBe(0);
  });

  it("two networks serving the same feed ids never share a record", async () => {
    const other = new FeedServer("https://other.test/feed", FEED_V1);
    await putFeedNetwork("other-net", other.url);
    const run = await sync("other-net", other, T0 + 10 * MIN);
    expect(run.offers).toEqual(counts(4, 0, 0, 0));
    const offer = await api("/admin/v1/offers/other-net-shopkart-1001", { headers: ADMIN_HEADERS });
    expect(await offer.json()).toMatchObject({ merchantId: "other-net-shopkart" });
    // feed-net's offer kept its own rate and merchant.
    expect((await kvConfig(ids.o1001))?.merchantId).toBe(ids.shopkart);
    expect((await kvConfig(ids.o1001))?.terms.defaultRateBps).toBe(600);
  });
});

// ---- the circuit breaker ---------------------------------------------------------------------

describe("merchant sync: circuit breaker", () => {
  const NET = "flaky-net";
  const feed = new FeedServer("https://flaky.test/feed", FEED_V1);
  const T0 = Date.now();
  const o1001 = "flaky-net-shopkart-1001";
  const o1003 = "flaky-net-shopkart-1003";
  let link1001 = "";

  it("three failing syncs open the breaker: the network's offers are hidden and links 410", async () => {
    await putFeedNetwork(NET, feed.url);
    expect((await sync(NET, feed, T0)).status).toBe("succeeded");
    link1001 = await trackingLinkFor(uniqueUser("breaker"), o1001);
    expect(await liveOfferIds()).toEqual(expect.arrayContaining([o1001, o1003]));

    const failures: FeedMode[] = [
      { kind: "status", status: 503 },
      { kind: "body", body: "<html>maintenance</html>" },
      { kind: "throw" },
    ];
    for (const [i, mode] of failures.entries()) {
      feed.mode = mode;
      const run = await sync(NET, feed, T0 + (i + 1) * 60 * MIN);
      expect(run.status).toBe("failed");
      expect(run.breakerState).toBe(i < 2 ? "closed" : "open");
      if (i < 2) {
        // Below the threshold nothing is hidden.
        expect(await liveOfferIds()).toContain(o1001);
        expect((await health(NET)).consecutiveFailures).toBe(i + 1);
      }
    }
    const openedAt = T0 + 3 * 60 * MIN;

    const h = await health(NET);
    expect(h).toMatchObject({ state: "open", consecutiveFailures: 3, cooldownMs: 30 * MIN });
    expect(h.retryAt).toBe(new Date(openedAt + 30 * MIN).toISOString());
    expect(h.lastError).toMatch(/network connection lost/);

    const live = await liveOfferIds();
    expect(live).not.toContain(o1001);
    expect(live).not.toContain(o1003);
    expect((await kvConfig(o1001))?.active).toBe(false);
    expect((await followLink(link1001)).status).toBe(410);
    // Other networks are unaffected.
    expect(live).toContain("feed-net-shopkart-1001");
  });

  it("while cooling down, the cron leaves the network alone", async () => {
    feed.mode = { kind: "ok" };
    const requestsBefore = feed.requests;
    const outcome = await syncNetwork(env, NET, {
      fetcher: feed.fetcher,
      nowMs: T0 + 3 * 60 * MIN + 29 * MIN,
      trigger: "cron",
    });
    expect(outcome).toEqual({
      kind: "skipped",
      networkId: NET,
      retryAtMs: T0 + 3 * 60 * MIN + 30 * MIN,
    });
    expect(feed.requests).toBe(requestsBefore);
  });

  it("after the cool-down a successful probe closes it and the offers come back", async () => {
    feed.mode = { kind: "ok" };
    const run = await sync(NET, feed, T0 + 3 * 60 * MIN + 30 * MIN);
    expect(run).toMatchObject({ status: "succeeded", probe: true, breakerState: "closed" });
    expect((await health(NET)).state).toBe("closed");
    expect(await liveOfferIds()).toEqual(expect.arrayContaining([o1001, o1003]));
    expect((await kvConfig(o1001))?.active).toBe(true);
    expect((await followLink(link1001)).status).toBe(302);
  });

  it("a failing probe re-opens it with a doubled cool-down", async () => {
    const base = T0 + 5 * 60 * MIN;
    feed.mode = { kind: "status", status: 500 };
    for (let i = 0; i < 3; i++) await sync(NET, feed, base + i * MIN);
    const opened = await health(NET);
    expect(opened).toMatchObject({ state: "open", cooldownMs: 30 * MIN });

    const probeAt = base + 2 * MIN + 30 * MIN;
    const probe = await sync(NET, feed, probeAt);
    expect(probe).toMatchObject({ status: "failed", probe: true, breakerState: "open" });
    const reopened = await health(NET);
    expect(reopened).toMatchObject({ state: "open", consecutiveFailures: 4, cooldownMs: 60 * MIN });
    expect(reopened.retryAt).toBe(new Date(probeAt + 60 * MIN).toISOString());
    expect(await liveOfferIds()).not.toContain(o1001);
    expect((await followLink(link1001)).status).toBe(410);

    // Still cooling down 59 minutes later; the probe an hour later succeeds.
    feed.mode = { kind: "ok" };
    const early = await syncNetwork(env, NET, {
      fetcher: feed.fetcher,
      nowMs: probeAt + 59 * MIN,
      trigger: "cron",
    });
    expect(early.kind).toBe("skipped");
    const recovered = await sync(NET, feed, probeAt + 60 * MIN);
    expect(recovered).toMatchObject({ status: "succeeded", probe: true });
    expect(await liveOfferIds()).toContain(o1001);
  });

  it("removing the feedUrl from a network resets an open breaker", async () => {
    feed.mode = { kind: "status", status: 502 };
    const base = T0 + 10 * 60 * MIN;
    for (let i = 0; i < 3; i++) await sync(NET, feed, base + i * MIN);
    expect((await health(NET)).state).toBe("open");
    expect(await liveOfferIds()).not.toContain(o1001);

    await putFeedNetwork(NET, null);

    expect((await health(NET)).state).toBe("closed");
    expect(await liveOfferIds()).toContain(o1001);
  });
});

// ---- against the sandbox network -------------------------------------------------------------

describe("merchant sync: against the sandbox network", () => {
  const NET = "sbx-net";
  const T0 = Date.now();

  it("reads the sandbox's feed, follows its edits, and opens the breaker on its feed faults", async () => {
    const sandbox = new SandboxNetwork({ networkId: NET, postbackSecret: SECRET, seed: 7 });
    const fetcher = (request: Request) => sandbox.handle(request);
    const run = (nowMs: number) =>
      syncNetwork(env, NET, { fetcher, nowMs, trigger: "cron" }).then((outcome) => {
        if (outcome.kind !== "ran") throw new Error("skipped");
        return outcome.run;
      });
    await putFeedNetwork(NET, "https://sandbox.test/feed");

    const first = await run(T0);
    expect(first).toMatchObject({ status: "succeeded", offers: counts(3, 0, 0, 0) });
    const offerId = await feedRecordId(NET, "sbx-shopkart", "sbx-1001");
    expect(await liveOfferIds()).toContain(offerId);

    sandbox.updateFeed((feed) => {
      const offer = feed.merchants[0]?.offers[0];
      if (offer) offer.default_rate_bps = 250;
    });
    const second = await run(T0 + MIN);
    expect(second.offers).toEqual(counts(0, 1, 0, 2));
    expect((await kvConfig(offerId))?.terms.defaultRateBps).toBe(250);

    sandbox.setFaults({ feed: { kind: "status", status: 503, times: 3 } });
    for (let i = 0; i < 3; i++) expect((await run(T0 + (2 + i) * MIN)).status).toBe("failed");
    expect((await health(NET)).state).toBe("open");
    expect(await liveOfferIds()).not.toContain(offerId);

    // The fault was for three requests: the probe after the cool-down finds the feed back.
    const probe = await run(T0 + 4 * MIN + 30 * MIN);
    expect(probe).toMatchObject({ status: "succeeded", probe: true, breakerState: "closed" });
    expect(await liveOfferIds()).toContain(offerId);
  });
});

// ---- admin API and cron ----------------------------------------------------------------------

describe("merchant sync: admin API and cron", () => {
  const NET = "admin-net";
  const feed = new FeedServer("https://admin-net.test/feed", FEED_V1);

  it("the network upsert stores options and shows them, never the secret", async () => {
    const view = await putFeedNetwork(NET, feed.url);
    expect(view.options).toEqual({ feedUrl: feed.url });
    expect(JSON.stringify(view)).not.toContain(SECRET);
    const read = await api(`/admin/v1/networks/${NET}`, { headers: ADMIN_HEADERS });
    expect(await read.json()).toMatchObject({ options: { feedUrl: feed.url } });

    const bad = await adminPut("/admin/v1/networks/bad-options", {
      name: "x",
      trackingTemplate: "https://x.test/?s={subid}",
      postbackSecret: SECRET,
      options: { feedUrl: "ftp://x.test/feed" },
    });
    expect(bad.status).toBe(400);
    const problem = (await bad.json()) as { errors: Array<{ path: string }> };
    expect(problem.errors.map((e) => e.path)).toContain("options.feedUrl");
  });

  it("POST /admin/v1/networks/{id}/sync runs now and returns the run", async () => {
    vi.spyOn(globalThis, "fetch").mockImplementation((input, init) =>
      feed.fetcher(new Request(input as RequestInfo, init)),
    );
    const response = await api(`/admin/v1/networks/${NET}/sync`, {
      method: "POST",
      headers: ADMIN_HEADERS,
    });
    expect(response.status).toBe(200);
    const run = (await response.json()) as Record<string, unknown>;
    expect(run).toMatchObject({
      networkId: NET,
      trigger: "admin",
      status: "succeeded",
      offers: counts(4, 0, 0, 0),
      merchants: counts(2, 0, 0, 0),
      breakerState: "closed",
    });
    expect(run.id).toMatch(/^run_/);
    expect(feed.requests).toBeGreaterThan(0);
  });

  it("GET /admin/v1/sync/runs lists runs newest first, filtered by network", async () => {
    await sync(NET, feed, Date.now() + MIN, { trigger: "admin" });
    const response = await api(`/admin/v1/sync/runs?networkId=${NET}`, { headers: ADMIN_HEADERS });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      items: Array<{ networkId: string; startedAt: string; offers: unknown }>;
    };
    expect(body.items).toHaveLength(2);
    expect(body.items.every((r) => r.networkId === NET)).toBe(true);
    expect(body.items[0]?.offers).toEqual(counts(0, 0, 0, 4));
    expect(Date.parse(body.items[0]?.startedAt ?? "")).toBeGreaterThan(
      Date.parse(body.items[1]?.startedAt ?? ""),
    );
    const all = (await (
      await api("/admin/v1/sync/runs?limit=100", { headers: ADMIN_HEADERS })
    ).json()) as { items: Array<{ networkId: string }> };
    expect(new Set(all.items.map((r) => r.networkId)).size).toBeGreaterThan(1);
  });

  it("GET /admin/v1/networks/{id}/health shows a closed breaker for a healthy network", async () => {
    expect(await health(NET)).toMatchObject({
      state: "closed",
      consecutiveFailures: 0,
      retryAt: null,
    });
  });

  it.each([
    { label: "unknown network", path: "/admin/v1/networks/nope/sync", status: 404 },
    { label: "network without a feedUrl", path: "/admin/v1/networks/no-feed/sync", status: 409 },
  ])("sync of an $label is $status problem+json", async ({ path, status }) => {
    await putFeedNetwork("no-feed", null);
    const response = await api(path, { method: "POST", headers: ADMIN_HEADERS });
    expect(response.status).toBe(status);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
  });

  it("the routes need the admin key", async () => {
    for (const [method, path] of [
      ["POST", `/admin/v1/networks/${NET}/sync`],
      ["GET", "/admin/v1/sync/runs"],
      ["GET", `/admin/v1/networks/${NET}/health`],
    ] as const) {
      expect((await api(path, { method })).status).toBe(401);
    }
  });

  it("the hourly cron syncs every network with a feed; the 10-minute cron still runs the backstop", async () => {
    const feeds = new Map<string, FeedServer>([
      [feed.url, feed],
      ["https://feednet.test/feed.json", new FeedServer("https://feednet.test/feed.json", FEED_V1)],
      ["https://other.test/feed", new FeedServer("https://other.test/feed", FEED_V1)],
      ["https://sandbox.test/feed", new FeedServer("https://sandbox.test/feed", FEED_V1)],
    ]);
    vi.spyOn(globalThis, "fetch").mockImplementation((input, init) => {
      const request = new Request(input as RequestInfo, init);
      const server = feeds.get(request.url);
      return server
        ? server.fetcher(request)
        : Promise.resolve(new Response(null, { status: 404 }));
    });
    const log = spyOnCronReports();
    const runsBefore = await countRuns(NET);

    const hourly = Date.now() + 2 * MIN;
    const ctx = createExecutionContext();
    await apiWorker.scheduled(
      createScheduledController({ cron: "0 * * * *", scheduledTime: hourly }),
      env,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(await countRuns(NET)).toBe(runsBefore + 1);
    expect(log).toHaveBeenCalledWith("merchant sync", expect.objectContaining({ failed: 0 }));

    const ctx2 = createExecutionContext();
    await apiWorker.scheduled(
      createScheduledController({ cron: "*/10 * * * *", scheduledTime: hourly }),
      env,
      ctx2,
    );
    await waitOnExecutionContext(ctx2);
    expect(await countRuns(NET)).toBe(runsBefore + 1);
    expect(log).toHaveBeenCalledWith("confirmation backstop", expect.anything());
  });

  it("runMerchantSyncs skips networks without a feed and inactive ones", async () => {
    const report = await runMerchantSyncs(env, { fetcher: feed.fetcher, nowMs: Date.now() });
    // admin-net, feed-net, other-net and sbx-net have feeds; flaky-net and no-feed do not.
    expect(report.networks).toBe(4);
  });
});

async function countRuns(networkId: string): Promise<number> {
  const row = await env.DB.prepare(`SELECT COUNT(*) AS n FROM sync_runs WHERE network_id = ?`)
    .bind(networkId)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

/**
 * Cron reports as `(job, report)` calls, read back from the api logger's JSON lines (the
 * worker logs each job's report as one `cron.<job>` event).
 */
function spyOnCronReports() {
  const jobs: Record<string, string> = {
    "cron.merchant_sync": "merchant sync",
    "cron.confirmation_backstop": "confirmation backstop",
  };
  const reports = vi.fn();
  vi.spyOn(console, "log").mockImplementation((line: unknown) => {
    if (typeof line !== "string" || !line.startsWith("{")) return;
    const { event, ...fields } = JSON.parse(line) as { event?: string };
    const job = event ? jobs[event] : undefined;
    if (job) reports(job, fields);
  });
  return reports;
}

import {
  createExecutionContext,
  runInDurableObject,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { sign } from "hono/jwt";
import { signPostback } from "#shared/postback/signature";
import postbackWorker from "#workers/postback/src/index";
import redirectWorker from "#workers/redirect/src/index";

/** Helpers that drive the real workers: the api worker is the test runtime's main worker. */

export const NETWORK_SECRET = "demo-network-postback-secret-0123456789";
export const ADMIN_HEADERS = {
  authorization: `Bearer ${env.ADMIN_API_KEY}`,
  "content-type": "application/json",
};

const mainWorker = (exports as unknown as { default: Fetcher }).default;

export function api(path: string, init?: RequestInit): Promise<Response> {
  return mainWorker.fetch(new Request(`https://api.test${path}`, init));
}

export function adminPut(path: string, body: unknown): Promise<Response> {
  return api(path, { method: "PUT", headers: ADMIN_HEADERS, body: JSON.stringify(body) });
}

export async function mintUserJwt(userId: string, ttlSec = 3600): Promise<string> {
  return sign(
    { sub: userId, exp: Math.floor(Date.now() / 1000) + ttlSec },
    env.USER_JWT_SECRET,
    "HS256",
  );
}

export async function userGet(userId: string, path: string): Promise<Response> {
  const token = await mintUserJwt(userId);
  return api(path, { headers: { authorization: `Bearer ${token}` } });
}

export interface SeedOptions {
  networkId?: string;
  merchantId?: string;
  offerId?: string;
  defaultRateBps?: number;
  categoryRates?: Record<string, number>;
  returnWindowDays?: number;
  basis?: "sale" | "commission";
}

/** Creates a network, a merchant and an offer through the admin API. */
export async function seedCatalog(options: SeedOptions = {}) {
  const networkId = options.networkId ?? "test-net";
  const merchantId = options.merchantId ?? "test-shop";
  const offerId = options.offerId ?? "test-shop-offer";
  const responses = [
    await adminPut(`/admin/v1/networks/${networkId}`, {
      name: "Test Network",
      trackingTemplate:
        "https://network.test/track?o={network_offer_ref}&sub={subid}&url={landing_url}",
      postbackSecret: NETWORK_SECRET,
    }),
    await adminPut(`/admin/v1/merchants/${merchantId}`, {
      networkId,
      name: "Test Shop",
      landingUrl: "https://shop.test/deals?ref=boomerang",
    }),
    await adminPut(`/admin/v1/offers/${offerId}`, {
      merchantId,
      title: "Up to 7.5% cashback",
      networkOfferRef: "cmp-42",
      currency: "INR",
      cashback: {
        basis: options.basis ?? "sale",
        defaultRateBps: options.defaultRateBps ?? 500,
        categoryRates: options.categoryRates ?? { electronics: 750 },
      },
      returnWindowDays: options.returnWindowDays ?? 30,
    }),
  ];
  for (const r of responses) {
    if (r.status !== 200) throw new Error(`seed failed: ${r.status} ${await r.text()}`);
  }
  return { networkId, merchantId, offerId };
}

/** The personalised tracking link the user API hands this user for `offerId`. */
export async function trackingLinkFor(userId: string, offerId: string): Promise<string> {
  const response = await userGet(userId, "/v1/offers");
  const body = (await response.json()) as { items: Array<{ id: string; trackingUrl: string }> };
  const offer = body.items.find((o) => o.id === offerId);
  if (!offer) throw new Error(`offer ${offerId} not listed for ${userId}`);
  return offer.trackingUrl;
}

/** Calls the redirect worker and waits for its waitUntil work (the queue send). */
export async function followLink(url: string, workerEnv: unknown = env): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await redirectWorker.fetch(
    new Request(url) as Request<unknown, IncomingRequestCfProperties>,
    workerEnv as typeof env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

/** Follows a link and returns the sub-ID the network would receive. */
export async function clickThrough(
  userId: string,
  offerId: string,
): Promise<{ subId: string; location: string }> {
  const response = await followLink(await trackingLinkFor(userId, offerId));
  if (response.status !== 302) throw new Error(`expected 302, got ${response.status}`);
  const location = response.headers.get("location") ?? "";
  const subId = new URL(location).searchParams.get("sub");
  if (!subId) throw new Error("no sub-ID on the tracking URL");
  return { subId, location };
}

export interface PostbackFields {
  order_id: string;
  sub_id: string;
  status?: "pending" | "approved" | "cancelled";
  currency?: string;
  sale_amount_minor?: number;
  commission_minor?: number;
  category?: string | null;
  occurred_at?: string;
}

export function postbackBody(fields: PostbackFields): string {
  return JSON.stringify({
    status: "pending",
    currency: "INR",
    sale_amount_minor: 100_000,
    commission_minor: 8_000,
    occurred_at: new Date().toISOString(),
    ...fields,
  });
}

/** Sends a postback to the postback worker, signed unless told otherwise. */
export async function sendPostback(
  networkId: string,
  rawBody: string,
  options: {
    secret?: string;
    timestampSec?: number;
    signature?: string | null;
    /** The env the postback worker sees (a test's own queue shards); the test env otherwise. */
    workerEnv?: unknown;
  } = {},
): Promise<Response> {
  const timestampSec = options.timestampSec ?? Math.floor(Date.now() / 1000);
  const signature =
    options.signature !== undefined
      ? options.signature
      : await signPostback(options.secret ?? NETWORK_SECRET, networkId, rawBody, timestampSec);
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (signature !== null) headers["boomerang-signature"] = signature;
  const ctx = createExecutionContext();
  const response = await postbackWorker.fetch(
    new Request(`https://postback.test/postback/${networkId}`, {
      method: "POST",
      headers,
      body: rawBody,
    }) as Request<unknown, IncomingRequestCfProperties>,
    (options.workerEnv ?? env) as typeof env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

export function walletStub(userId: string) {
  return env.WALLET.get(env.WALLET.idFromName(userId));
}

export async function balances(userId: string): Promise<Record<string, number>> {
  const rows = await walletStub(userId).getBalances();
  return Object.fromEntries(rows.map((r) => [`${r.bucket}`, r.balanceMinor]));
}

/** Polls until `check` returns a truthy value: queues deliver asynchronously. */
export async function eventually<T>(
  check: () => Promise<T | null | undefined | false>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ""}`);
}

export async function d1Transaction(networkId: string, orderId: string) {
  return env.DB.prepare(`SELECT * FROM transactions WHERE network_id = ? AND order_id = ?`)
    .bind(networkId, orderId)
    .first<Record<string, unknown>>();
}

let counter = 0;
/** A user id unique within the test file, so tests never share a wallet. */
export function uniqueUser(label: string): string {
  counter++;
  return `u-${label}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
}

/** How many clicks the user's wallet object holds (read inside the object). */
export function storedClickCount(userId: string): Promise<number> {
  return runInDurableObject(walletStub(userId), (_instance, state) =>
    Number(state.storage.sql.exec(`SELECT COUNT(*) AS n FROM clicks`).one().n),
  );
}

/** Waits until the clicks queue has delivered `count` clicks to the user's wallet. */
export async function waitForClicks(userId: string, count = 1): Promise<void> {
  await eventually(async () => (await storedClickCount(userId)) === count);
}

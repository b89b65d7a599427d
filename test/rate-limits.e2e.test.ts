import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { signPostback } from "#shared/postback/signature";
import apiWorker from "#workers/api/src/index";
import postbackWorker from "#workers/postback/src/index";
import redirectWorker from "#workers/redirect/src/index";
import {
  balances,
  eventually,
  mintUserJwt,
  NETWORK_SECRET,
  postbackBody,
  seedCatalog,
  storedClickCount,
  trackingLinkFor,
  uniqueUser,
  waitForClicks,
} from "./helpers";

/**
 * Abuse limits through the real workers (docs/operations.md "Rate limits"). The emulated
 * rate-limiting binding counts in memory per fixed window; each test swaps the small
 * TEST_TIGHT_LIMITER (3 a minute, vitest.config.ts) in for the limiter it exercises, uses keys
 * no other test uses (its own IP or user), and starts its burst away from a window edge, so
 * the fourth request is refused every time.
 */

const NETWORK = "limits-net";
const OFFER = "limits-offer";
const TIGHT_LIMIT = 3;

beforeAll(async () => {
  await seedCatalog({ networkId: NETWORK, merchantId: "limits-shop", offerId: OFFER });
});

let ipCounter = 0;
/** An address no other test uses (TEST-NET-3). */
const freshIp = () => `203.0.113.${++ipCounter}`;

/** Waits out the end of a fixed window when fewer than `neededMs` remain of it. */
async function awayFromWindowEdge(windowSec: number, neededMs = 5_000): Promise<void> {
  const windowMs = windowSec * 1000;
  const leftMs = windowMs - (Date.now() % windowMs);
  if (leftMs < neededMs) await new Promise((r) => setTimeout(r, leftMs + 50));
}

async function click(url: string, ip: string, workerEnv: object = env): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await redirectWorker.fetch(
    new Request(url, { headers: { "cf-connecting-ip": ip } }) as Request<
      unknown,
      IncomingRequestCfProperties
    >,
    workerEnv as typeof env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

async function postback(
  rawBody: string,
  ip: string,
  workerEnv: object,
  signature?: string,
): Promise<Response> {
  const timestampSec = Math.floor(Date.now() / 1000);
  const ctx = createExecutionContext();
  const response = await postbackWorker.fetch(
    new Request(`https://postback.test/postback/${NETWORK}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "cf-connecting-ip": ip,
        "boomerang-signature":
          signature ?? (await signPostback(NETWORK_SECRET, NETWORK, rawBody, timestampSec)),
      },
      body: rawBody,
    }) as Request<unknown, IncomingRequestCfProperties>,
    workerEnv as typeof env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

/** The api worker with some bindings replaced. */
async function asUserWith(
  workerEnv: object,
  userId: string,
  path: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Response> {
  const headers: Record<string, string> = {
    authorization: `Bearer ${await mintUserJwt(userId)}`,
    ...(init.body !== undefined ? { "content-type": "application/json" } : {}),
    ...init.headers,
  };
  const ctx = createExecutionContext();
  const response = await apiWorker.fetch(
    new Request(`https://api.test${path}`, {
      method: init.method ?? (init.body !== undefined ? "POST" : "GET"),
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    }) as Request<unknown, IncomingRequestCfProperties>,
    workerEnv as typeof env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

async function expectTooMany(response: Response, code = "too_many_requests"): Promise<number> {
  expect(response.status).toBe(429);
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  expect(((await response.json()) as { code: string }).code).toBe(code);
  const retryAfterSec = Number(response.headers.get("retry-after"));
  expect(retryAfterSec).toBeGreaterThan(0);
  return retryAfterSec;
}

async function clickRollup(offerId: string) {
  return env.DB.prepare(
    `SELECT COALESCE(SUM(clicks), 0) AS clicks, COALESCE(SUM(repeat_clicks), 0) AS repeats
     FROM click_rollups WHERE offer_id = ?`,
  )
    .bind(offerId)
    .first<{ clicks: number; repeats: number }>();
}

describe("the redirect", () => {
  it("answers 429 with Retry-After once a client IP is over its limit", async () => {
    const tight = { ...env, REDIRECT_IP_LIMITER: env.TEST_TIGHT_LIMITER };
    const ip = freshIp();
    const links = await Promise.all(
      [0, 1, 2, 3].map(async () => trackingLinkFor(uniqueUser("ip-flood"), OFFER)),
    );
    await awayFromWindowEdge(60);
    for (const link of links.slice(0, TIGHT_LIMIT)) {
      expect((await click(link, ip, tight)).status).toBe(302);
    }
    expect(await expectTooMany(await click(links[3] as string, ip, tight))).toBe(60);
    // Another address is not affected.
    expect((await click(links[3] as string, freshIp(), tight)).status).toBe(302);
  });

  it("answers 429 once one link is over its limit, from whatever address", async () => {
    const tight = { ...env, REDIRECT_LINK_LIMITER: env.TEST_TIGHT_LIMITER };
    const link = await trackingLinkFor(uniqueUser("link-flood"), OFFER);
    await awayFromWindowEdge(60);
    for (let i = 0; i < TIGHT_LIMIT; i++) {
      expect((await click(link, freshIp(), tight)).status).toBe(302);
    }
    await expectTooMany(await click(link, freshIp(), tight));
  });

  it("stores repeated clicks on one link by one client as one click, counts every one, and redirects each", async () => {
    const offerId = "limits-dedupe-offer";
    await seedCatalog({ networkId: NETWORK, merchantId: "limits-shop", offerId });
    const user = uniqueUser("dedupe");
    const link = await trackingLinkFor(user, offerId);
    const ip = freshIp();
    const taps = 6;
    await awayFromWindowEdge(30);
    const responses = [];
    for (let i = 0; i < taps; i++) responses.push(await click(link, ip));
    for (const response of responses) expect(response.status).toBe(302);
    const subIds = responses.map(
      (r) => new URL(r.headers.get("location") ?? "").searchParams.get("sub") ?? "",
    );

    await waitForClicks(user, 1);
    const rollup = await eventually(async () => {
      const row = await clickRollup(offerId);
      return row && row.clicks + row.repeats === taps ? row : null;
    });
    expect(rollup).toEqual({ clicks: 1, repeats: taps - 1 });
    expect(await storedClickCount(user)).toBe(1);

    // The last tap's sub-ID names the one stored click: its purchase is credited.
    const lastSubId = subIds[taps - 1] as string;
    const accepted = await postback(
      postbackBody({ order_id: `ORD-${user}`, sub_id: lastSubId }),
      freshIp(),
      env,
    );
    expect(accepted.status).toBe(202);
    await eventually(async () => ((await balances(user)).pending ?? 0) > 0);
  });

  it("stores clicks from two clients on one link as two clicks", async () => {
    const user = uniqueUser("two-clients");
    const link = await trackingLinkFor(user, OFFER);
    await awayFromWindowEdge(30);
    expect((await click(link, freshIp())).status).toBe(302);
    expect((await click(link, freshIp())).status).toBe(302);
    await waitForClicks(user, 2);
  });
});

describe("the postback intake", () => {
  it("answers 429 to an address whose postbacks keep failing authentication, and still takes its authenticated ones", async () => {
    const tight = { ...env, POSTBACK_AUTH_FAILURE_LIMITER: env.TEST_TIGHT_LIMITER };
    const ip = freshIp();
    const body = postbackBody({ order_id: "ORD-limits-auth", sub_id: "not-a-real-sub-id" });
    const forged = `t=${Math.floor(Date.now() / 1000)},v1=${"0".repeat(64)}`;
    await awayFromWindowEdge(60);
    for (let i = 0; i < TIGHT_LIMIT; i++) {
      expect((await postback(body, ip, tight, forged)).status).toBe(401);
    }
    expect(await expectTooMany(await postback(body, ip, tight, forged))).toBe(60);
    // Authentication succeeds: never throttled, whatever the address did before.
    for (let i = 0; i < TIGHT_LIMIT + 1; i++) {
      const signed = postbackBody({ order_id: `ORD-limits-ok-${i}`, sub_id: "not-a-real-sub-id" });
      expect((await postback(signed, ip, tight)).status).toBe(202);
    }
  });
});

describe("the user API", () => {
  it("answers 429 with Retry-After once a user is over the write limit; reads go on", async () => {
    const tight = { ...env, API_USER_WRITE_LIMITER: env.TEST_TIGHT_LIMITER };
    const user = uniqueUser("writes");
    await awayFromWindowEdge(60);
    for (let i = 0; i < TIGHT_LIMIT; i++) {
      expect((await asUserWith(tight, user, "/v1/me/step-up", { method: "POST" })).status).toBe(
        201,
      );
    }
    expect(
      await expectTooMany(await asUserWith(tight, user, "/v1/me/step-up", { method: "POST" })),
    ).toBe(60);
    expect((await asUserWith(tight, user, "/v1/me/wallet")).status).toBe(200);
    // Another user's writes are counted apart.
    expect(
      (await asUserWith(tight, uniqueUser("writes-other"), "/v1/me/step-up", { method: "POST" }))
        .status,
    ).toBe(201);
  });

  it("answers 429 once a user is over the request limit", async () => {
    const tight = { ...env, API_USER_LIMITER: env.TEST_TIGHT_LIMITER };
    const user = uniqueUser("reads");
    await awayFromWindowEdge(60);
    for (let i = 0; i < TIGHT_LIMIT; i++) {
      expect((await asUserWith(tight, user, "/v1/me/wallet")).status).toBe(200);
    }
    await expectTooMany(await asUserWith(tight, user, "/v1/me/wallet"));
  });
});

describe("caps per user", () => {
  it("refuses a claim past the monthly cap with 429 claim_cap_reached; a repeated request still answers", async () => {
    const capped = { ...env, CLAIMS_PER_MONTH: "2" };
    const user = uniqueUser("claim-cap");
    const link = await trackingLinkFor(user, OFFER);
    expect((await click(link, freshIp())).status).toBe(302);
    await waitForClicks(user, 1);
    const clicks = (await (await asUserWith(env, user, "/v1/me/clicks")).json()) as {
      items: Array<{ clickId: string }>;
    };
    const clickId = clicks.items[0]?.clickId ?? "";
    const purchasedAt = new Date().toISOString();
    const file = (n: number) =>
      asUserWith(capped, user, "/v1/me/claims", {
        headers: { "idempotency-key": `claim-cap-key-${n}` },
        body: {
          clickId,
          orderId: `ORD-CAP-${n}`,
          amountMinor: 10_000,
          currency: "INR",
          purchasedAt,
        },
      });
    expect((await file(1)).status).toBe(201);
    expect((await file(2)).status).toBe(201);
    const retryAfterSec = await expectTooMany(await file(3), "claim_cap_reached");
    const now = new Date();
    const nextMonthMs = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
    expect(retryAfterSec).toBeLessThanOrEqual(Math.ceil((nextMonthMs - Date.now()) / 1000) + 1);
    expect((await file(1)).status).toBe(200);

    const listed = (await (await asUserWith(env, user, "/v1/me/claims")).json()) as {
      items: unknown[];
    };
    expect(listed.items).toHaveLength(2);
  });

  it("refuses destination adds and removes past the daily cap with 429 destination_change_cap_reached", async () => {
    const capped = { ...env, PAYOUT_POLICY: JSON.stringify({ destinationChangesPerDay: 3 }) };
    const user = uniqueUser("destination-cap");
    const add = (vpa: string, key?: string) =>
      asUserWith(capped, user, "/v1/me/payout-destinations", {
        body: { type: "upi", vpa, holderName: "Asha Rao" },
        headers: key ? { "idempotency-key": key } : {},
      });
    const first = await add("asha.one@okaxis", "destination-cap-1");
    expect(first.status).toBe(201);
    const { id: firstId } = (await first.json()) as { id: string };
    expect((await add("asha.two@okaxis")).status).toBe(201);
    // A repeated add (same Idempotency-Key) changes nothing and is not counted.
    expect((await add("asha.one@okaxis", "destination-cap-1")).status).toBe(200);
    const removed = await asUserWith(capped, user, `/v1/me/payout-destinations/${firstId}`, {
      method: "DELETE",
    });
    expect(removed.status).toBe(200);

    const retryAfterSec = await expectTooMany(
      await add("asha.three@okaxis"),
      "destination_change_cap_reached",
    );
    expect(retryAfterSec).toBeLessThanOrEqual(86_400);
    const listed = (await (await asUserWith(env, user, "/v1/me/payout-destinations")).json()) as {
      items: Array<{ status: string }>;
    };
    expect(listed.items.filter((d) => d.status === "active")).toHaveLength(1);
  });
});

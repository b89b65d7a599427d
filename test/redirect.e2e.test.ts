import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { offerConfigKey } from "#shared/config/offer-config";
import { signLinkToken } from "#shared/links/link-token";
import { decodeSubId } from "#shared/links/sub-id";
import {
  adminPut,
  eventually,
  followLink,
  seedCatalog,
  trackingLinkFor,
  uniqueUser,
  walletStub,
} from "./helpers";

const OFFER = "test-shop-offer";

beforeAll(async () => {
  await seedCatalog();
});

async function linkFor(userId: string, offerId: string, expiresInSec = 3600) {
  const token = await signLinkToken(env.LINK_SIGNING_KEY, {
    userId,
    offerId,
    expiresAtSec: Math.floor(Date.now() / 1000) + expiresInSec,
  });
  return `https://go.test/c/${token}`;
}

describe("GET /c/:token", () => {
  it("answers 302 to the network with a signed sub-ID carrying user, offer and click time", async () => {
    const user = uniqueUser("redirect");
    const before = Math.floor(Date.now() / 1000);
    const response = await followLink(await trackingLinkFor(user, OFFER));
    expect(response.status).toBe(302);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const location = new URL(response.headers.get("location") ?? "");
    expect(location.origin).toBe("https://network.test");
    expect(location.searchParams.get("o")).toBe("cmp-42");
    expect(location.searchParams.get("url")).toBe("https://shop.test/deals?ref=boomerang");
    const decoded = await decodeSubId(
      env.SUBID_SIGNING_KEY,
      location.searchParams.get("sub") ?? "",
    );
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    expect(decoded.claims).toMatchObject({ userId: user, offerId: OFFER });
    expect(decoded.claims.clickAtSec).toBeGreaterThanOrEqual(before);
    expect(decoded.claims.clickId).toMatch(/^clk_/);
    // The click, with the rate shown frozen into it, arrives in the user's wallet via the queue.
    const { runInDurableObject } = await import("cloudflare:test");
    const stored = await eventually(() =>
      runInDurableObject(
        walletStub(user),
        (_i, state) =>
          state.storage.sql
            .exec<{ terms_json: string }>(
              `SELECT terms_json FROM clicks WHERE click_id = ?`,
              decoded.claims.clickId,
            )
            .toArray()[0],
      ),
    );
    expect(JSON.parse(stored.terms_json)).toEqual({
      basis: "sale",
      defaultRateBps: 500,
      categoryRates: { electronics: 750 },
    });
  });

  it("each click mints a new click id", async () => {
    const user = uniqueUser("twice");
    const link = await trackingLinkFor(user, OFFER);
    const a = (await followLink(link)).headers.get("location");
    const b = (await followLink(link)).headers.get("location");
    expect(a).not.toEqual(b);
  });

  it("does no D1 work when the config is cached: the redirect never writes D1", async () => {
    const user = uniqueUser("nod1");
    await followLink(await linkFor(user, OFFER)); // warms KV and the isolate cache
    const touched: string[] = [];
    const trap = new Proxy(env.DB, {
      get(target, prop, receiver) {
        touched.push(String(prop));
        return Reflect.get(target, prop, receiver);
      },
    });
    const response = await followLink(await linkFor(user, OFFER), { ...env, DB: trap });
    expect(response.status).toBe(302);
    expect(touched).toEqual([]);
  });

  it("reads the offer from KV when this isolate has not cached it, D1 only on a KV miss", async () => {
    const stored = await env.CONFIG_KV.get(offerConfigKey(OFFER), "json");
    expect(stored).toMatchObject({ offerId: OFFER, networkId: "test-net", active: true });
  });

  it.each([
    { label: "garbage", token: "not-a-token", status: 400 },
    { label: "two dots", token: "a.b.c", status: 400 },
    { label: "tampered", token: null, status: 400 },
  ])("a bad token ($label) gets a clear 4xx page, not a redirect", async ({ token, status }) => {
    let url = `https://go.test/c/${token}`;
    if (token === null) {
      const good = await linkFor("someone", OFFER);
      url = `${good.slice(0, -3)}${good.endsWith("AAA") ? "BBB" : "AAA"}`;
    }
    const response = await followLink(url);
    expect(response.status).toBe(status);
    expect(response.headers.get("location")).toBeNull();
    expect(response.headers.get("content-type")).toContain("text/html");
    expect(await response.text()).toContain("not valid");
  });

  it("an expired link gets a 410 page", async () => {
    const response = await followLink(await linkFor("someone", OFFER, -10));
    expect(response.status).toBe(410);
    expect(await response.text()).toContain("expired");
  });

  it("an unknown offer gets a 404 page", async () => {
    const response = await followLink(await linkFor("someone", "no-such-offer"));
    expect(response.status).toBe(404);
  });

  it("an inactive or ended offer gets a friendly 410 page, and the admin change is seen at once", async () => {
    await seedCatalog({ offerId: "soon-gone" });
    const link = await linkFor("someone", "soon-gone");
    expect((await followLink(link)).status).toBe(302);

    const offer = (await (
      await (
        await import("./helpers")
      ).api("/admin/v1/offers/soon-gone", {
        headers: { authorization: `Bearer ${env.ADMIN_API_KEY}` },
      })
    ).json()) as Record<string, unknown>;
    const { id: _id, updatedAt: _u, ...rest } = offer;
    const deactivate = await adminPut("/admin/v1/offers/soon-gone", { ...rest, active: false });
    expect(deactivate.status).toBe(200);
    const inactive = await followLink(link);
    expect(inactive.status).toBe(410);
    expect(await inactive.text()).toContain("no longer available");

    await adminPut("/admin/v1/offers/soon-gone", {
      ...rest,
      active: true,
      startsAt: "2020-01-01T00:00:00Z",
      endsAt: "2021-01-01T00:00:00Z",
    });
    const ended = await followLink(link);
    expect(ended.status).toBe(410);
    expect(await ended.text()).toContain("ended");
  });

  it("a network template change reaches the redirect through the cache refresh", async () => {
    await seedCatalog({ networkId: "tmpl-net", merchantId: "tmpl-shop", offerId: "tmpl-offer" });
    const link = await linkFor("someone", "tmpl-offer");
    expect((await followLink(link)).headers.get("location")).toMatch(/^https:\/\/network\.test\//);
    await adminPut("/admin/v1/networks/tmpl-net", {
      name: "Moved Network",
      trackingTemplate: "https://moved.test/t?s={subid}",
      postbackSecret: "a-long-enough-postback-secret-123",
    });
    expect((await followLink(link)).headers.get("location")).toMatch(
      /^https:\/\/moved\.test\/t\?s=/,
    );
  });
});

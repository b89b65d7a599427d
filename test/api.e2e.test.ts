import { env } from "cloudflare:workers";
import { sign } from "hono/jwt";
import { beforeAll, describe, expect, it } from "vitest";
import {
  ADMIN_HEADERS,
  adminPut,
  api,
  balances,
  clickThrough,
  eventually,
  NETWORK_SECRET,
  postbackBody,
  seedCatalog,
  sendPostback,
  uniqueUser,
  userGet,
  waitForClicks,
} from "./helpers";

beforeAll(async () => {
  await seedCatalog();
});

async function expectProblem(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toContain("application/problem+json");
  const body = (await response.json()) as { code: string; errors?: Array<{ path: string }> };
  expect(body.code).toBe(code);
  return body;
}

describe("admin catalog API", () => {
  it("requires the admin key", async () => {
    await expectProblem(await api("/admin/v1/networks"), 401, "unauthorized");
    await expectProblem(
      await api("/admin/v1/networks", { headers: { authorization: "Bearer wrong" } }),
      401,
      "unauthorized",
    );
  });

  it("upserts are idempotent and never return the postback secret", async () => {
    const body = {
      name: "Idem Net",
      trackingTemplate: "https://idem.test/t?s={subid}",
      postbackSecret: "idempotent-network-secret-0123456789",
    };
    const first = await adminPut("/admin/v1/networks/idem-net", body);
    const second = await adminPut("/admin/v1/networks/idem-net", body);
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    const a = (await first.json()) as Record<string, unknown>;
    const b = (await second.json()) as Record<string, unknown>;
    expect({ ...a, updatedAt: null }).toEqual({ ...b, updatedAt: null });
    expect(JSON.stringify(b)).not.toContain(body.postbackSecret);
    expect(b.postbackSecretSet).toBe(true);
    const list = await (await api("/admin/v1/networks", { headers: ADMIN_HEADERS })).text();
    expect(list).not.toContain(body.postbackSecret);
    expect(list).not.toContain(NETWORK_SECRET);
  });

  it.each([
    {
      label: "template without {subid}",
      path: "/admin/v1/networks/bad-net",
      body: { name: "x", trackingTemplate: "https://x.test/", postbackSecret: "x".repeat(30) },
      field: "trackingTemplate",
    },
    {
      label: "short secret",
      path: "/admin/v1/networks/bad-net",
      body: { name: "x", trackingTemplate: "https://x.test/?s={subid}", postbackSecret: "short" },
      field: "postbackSecret",
    },
    {
      label: "rate above 100%",
      path: "/admin/v1/offers/bad-offer",
      body: {
        merchantId: "test-shop",
        title: "x",
        currency: "INR",
        cashback: { basis: "sale", defaultRateBps: 10_001, categoryRates: {} },
        returnWindowDays: 30,
      },
      field: "cashback.defaultRateBps",
    },
    {
      label: "fractional rate",
      path: "/admin/v1/offers/bad-offer",
      body: {
        merchantId: "test-shop",
        title: "x",
        currency: "INR",
        cashback: { basis: "sale", defaultRateBps: 2.5, categoryRates: {} },
        returnWindowDays: 30,
      },
      field: "cashback.defaultRateBps",
    },
    {
      label: "unknown merchant",
      path: "/admin/v1/offers/bad-offer",
      body: {
        merchantId: "nope",
        title: "x",
        currency: "INR",
        cashback: { basis: "sale", defaultRateBps: 100, categoryRates: {} },
        returnWindowDays: 30,
      },
      field: "merchantId",
    },
    {
      label: "ends before it starts",
      path: "/admin/v1/offers/bad-offer",
      body: {
        merchantId: "test-shop",
        title: "x",
        currency: "INR",
        cashback: { basis: "sale", defaultRateBps: 100, categoryRates: {} },
        returnWindowDays: 30,
        startsAt: "2027-01-02T00:00:00Z",
        endsAt: "2027-01-01T00:00:00Z",
      },
      field: "endsAt",
    },
    {
      label: "id that is not a slug",
      path: "/admin/v1/merchants/Bad%20Id",
      body: { networkId: "test-net", name: "x", landingUrl: "https://x.test/" },
      field: "id",
    },
  ])(
    "rejects $label with 400 problem+json naming the field, and writes nothing",
    async ({ path, body, field }) => {
      const problem = await expectProblem(await adminPut(path, body), 400, "validation_failed");
      expect(problem.errors?.map((e) => e.path)).toContain(field);
      const read = await api(path, { headers: ADMIN_HEADERS });
      expect(read.status === 404 || read.status === 400).toBe(true);
    },
  );

  it("rejects a body that is not JSON with 400, and a wrong content type with 415", async () => {
    await expectProblem(
      await api("/admin/v1/networks/x-net", {
        method: "PUT",
        headers: ADMIN_HEADERS,
        body: "{not json",
      }),
      400,
      "bad_request",
    );
    await expectProblem(
      await api("/admin/v1/networks/x-net", {
        method: "PUT",
        headers: { authorization: ADMIN_HEADERS.authorization, "content-type": "text/plain" },
        body: "hello",
      }),
      415,
      "unsupported_media_type",
    );
  });

  it("reconciling a network without a report API is a 404 problem", async () => {
    const response = await api("/admin/v1/networks/test-net/reconcile", {
      method: "POST",
      headers: ADMIN_HEADERS,
      body: "{}",
    });
    await expectProblem(response, 404, "not_found");
  });

  it("an unknown route is a 404 problem", async () => {
    await expectProblem(await api("/nope"), 404, "not_found");
  });
});

describe("user API", () => {
  it.each([
    { label: "no token", header: undefined },
    { label: "garbage token", header: "Bearer abc.def.ghi" },
  ])("rejects $label with 401", async ({ header }) => {
    const response = await api(
      "/v1/me/wallet",
      header ? { headers: { authorization: header } } : undefined,
    );
    await expectProblem(response, 401, "unauthorized");
  });

  it("rejects an expired token and one signed with another secret", async () => {
    const expired = await sign(
      { sub: "someone", exp: Math.floor(Date.now() / 1000) - 10 },
      env.USER_JWT_SECRET,
      "HS256",
    );
    await expectProblem(
      await api("/v1/me/wallet", { headers: { authorization: `Bearer ${expired}` } }),
      401,
      "unauthorized",
    );
    const foreign = await sign(
      { sub: "someone", exp: Math.floor(Date.now() / 1000) + 60 },
      "another-secret",
      "HS256",
    );
    await expectProblem(
      await api("/v1/me/wallet", { headers: { authorization: `Bearer ${foreign}` } }),
      401,
      "unauthorized",
    );
  });

  it("lists live offers with a personalised link and hides inactive ones", async () => {
    await seedCatalog({ offerId: "hidden-offer" });
    const offer = (await (
      await api("/admin/v1/offers/hidden-offer", { headers: ADMIN_HEADERS })
    ).json()) as Record<string, unknown>;
    const { id: _id, updatedAt: _u, ...rest } = offer;
    await adminPut("/admin/v1/offers/hidden-offer", { ...rest, active: false });
    const user = uniqueUser("offers");
    const body = (await (await userGet(user, "/v1/offers")).json()) as {
      items: Array<{ id: string; trackingUrl: string; headlineRateBps: number }>;
    };
    const ids = body.items.map((o) => o.id);
    expect(ids).toContain("test-shop-offer");
    expect(ids).not.toContain("hidden-offer");
    const listed = body.items.find((o) => o.id === "test-shop-offer");
    expect(listed?.headlineRateBps).toBe(750);
    expect(listed?.trackingUrl).toMatch(/^https:\/\/go\.test\/c\//);
  });

  it("honours the rate shown at click time even after the offer's rate drops", async () => {
    await seedCatalog({ offerId: "dropping-offer", defaultRateBps: 1_000, categoryRates: {} });
    const user = uniqueUser("snapshot");
    const { subId } = await clickThrough(user, "dropping-offer");
    await seedCatalog({ offerId: "dropping-offer", defaultRateBps: 100, categoryRates: {} });
    await waitForClicks(user, 1);
    await sendPostback(
      "test-net",
      postbackBody({ order_id: `ORD-${user}`, sub_id: subId, sale_amount_minor: 50_000 }),
    );
    // 10% of 500.00 as shown at click time, not the 1% the offer pays now.
    await eventually(async () => (await balances(user)).pending === 5_000);
  });

  it("pages through the ledger and transactions with opaque cursors", async () => {
    const user = uniqueUser("pages");
    for (let i = 0; i < 3; i++) {
      const { subId } = await clickThrough(user, "test-shop-offer");
      await waitForClicks(user, i + 1);
      await sendPostback("test-net", postbackBody({ order_id: `ORD-${user}-${i}`, sub_id: subId }));
    }
    await eventually(async () => (await balances(user)).pending === 15_000);

    const seen: number[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 5; page++) {
      const path = `/v1/me/ledger?limit=2${cursor ? `&cursor=${cursor}` : ""}`;
      const body = (await (await userGet(user, path)).json()) as {
        items: Array<{ seq: number }>;
        nextCursor: string | null;
      };
      seen.push(...body.items.map((e) => e.seq));
      cursor = body.nextCursor;
      if (!cursor) break;
    }
    expect(seen).toEqual([3, 2, 1]);

    const txnIds: string[] = [];
    cursor = null;
    for (let page = 0; page < 5; page++) {
      const path = `/v1/me/transactions?limit=2${cursor ? `&cursor=${cursor}` : ""}`;
      const body = (await (await userGet(user, path)).json()) as {
        items: Array<{ id: string }>;
        nextCursor: string | null;
      };
      txnIds.push(...body.items.map((t) => t.id));
      cursor = body.nextCursor;
      if (!cursor) break;
    }
    expect(new Set(txnIds).size).toBe(3);

    await expectProblem(await userGet(user, "/v1/me/ledger?cursor=%%%"), 400, "validation_failed");
    await expectProblem(
      await userGet(user, "/v1/me/transactions?cursor=bm90LWEtY3Vyc29y"),
      400,
      "validation_failed",
    );
    await expectProblem(await userGet(user, "/v1/me/ledger?limit=1000"), 400, "validation_failed");
  });
});

describe("OpenAPI", () => {
  it("serves a document that describes every route, generated from the zod schemas", async () => {
    const response = await api("/openapi.json");
    expect(response.status).toBe(200);
    const doc = (await response.json()) as {
      paths: Record<string, Record<string, unknown>>;
      components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
    };
    for (const path of [
      "/v1/offers",
      "/v1/me/wallet",
      "/v1/me/ledger",
      "/v1/me/transactions",
      "/admin/v1/networks/{id}",
      "/admin/v1/merchants/{id}",
      "/admin/v1/offers/{id}",
      "/admin/v1/confirmations/run",
      "/v1/me/payout-destinations",
      "/v1/me/step-up",
      "/v1/me/redemptions",
      "/admin/v1/payouts",
      "/admin/v1/payouts/{id}/cancel",
      "/webhooks/payouts/{processorId}",
      "/admin/v1/finance/summary",
    ]) {
      expect(doc.paths[path], path).toBeDefined();
    }
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining([
        "OfferInput",
        "Offer",
        "Wallet",
        "LedgerEntry",
        "Transaction",
        "Problem",
        "PayoutDestination",
        "RedemptionInput",
        "Redemption",
      ]),
    );
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(["adminKey", "userJwt"]);
    const docs = await api("/docs");
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain("/v1/me/wallet");
  });
});

describe("confirmation clock override", () => {
  it("refuses a future asOf unless ALLOW_CLOCK_OVERRIDE is true", async () => {
    const { createApp } = await import("#workers/api/src/app");
    const app = createApp();
    const request = new Request("https://api.test/admin/v1/confirmations/run", {
      method: "POST",
      headers: ADMIN_HEADERS,
      body: JSON.stringify({ asOf: "2099-01-01T00:00:00Z" }),
    });
    const response = await app.fetch(request, { ...env, ALLOW_CLOCK_OVERRIDE: "false" });
    await expectProblem(response, 403, "forbidden");
  });
});

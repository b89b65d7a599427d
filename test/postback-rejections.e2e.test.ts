import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { transactionIdFor } from "#shared/ids";
import { encodeSubId } from "#shared/links/sub-id";
import { signPostback } from "#shared/postback/signature";
import {
  balances,
  d1Transaction,
  eventually,
  postbackBody,
  seedCatalog,
  sendPostback,
  uniqueUser,
  walletStub,
} from "./helpers";

const NETWORK = "test-net";
const OFFER = "test-shop-offer";
const DAY_MS = 86_400_000;

beforeAll(async () => {
  await seedCatalog();
});

async function receivedRow(orderId: string) {
  return eventually(() =>
    env.DB.prepare(
      `SELECT * FROM received_postbacks WHERE order_id = ? ORDER BY received_at_ms DESC`,
    )
      .bind(orderId)
      .first<{ verdict: string; reject_reason: string | null; raw_body: string }>(),
  );
}

async function expectProblem(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toContain("application/problem+json");
  const body = (await response.json()) as { code: string; status: number; detail: string };
  expect(body).toMatchObject({ code, status });
  return body;
}

/** A genuine sub-ID for a click the wallet never stored. */
async function subIdWithoutClick(userId: string, clickAtMs: number) {
  return encodeSubId(env.SUBID_SIGNING_KEY, {
    userId,
    offerId: OFFER,
    clickId: `clk_${crypto.randomUUID().replaceAll("-", "")}`,
    clickAtSec: Math.floor(clickAtMs / 1000),
  });
}

describe("postback intake rejects and records bad requests", () => {
  it("bad signature → 401 problem+json, recorded as rejected, nothing credited", async () => {
    const user = uniqueUser("badsig");
    const orderId = `ORD-${user}`;
    const subId = await subIdWithoutClick(user, Date.now());
    const response = await sendPostback(
      NETWORK,
      postbackBody({ order_id: orderId, sub_id: subId }),
      {
        secret: "not-the-network-secret-at-all-000000",
      },
    );
    await expectProblem(response, 401, "invalid_signature");
    const row = await receivedRow(orderId);
    expect(row).toMatchObject({ verdict: "rejected", reject_reason: "bad_signature" });
    expect(await d1Transaction(NETWORK, orderId)).toBeNull();
    expect(await walletStub(user).getBalances()).toEqual([]);
  });

  it("missing signature → 401", async () => {
    const orderId = `ORD-${uniqueUser("nosig")}`;
    const response = await sendPostback(
      NETWORK,
      postbackBody({ order_id: orderId, sub_id: "x".repeat(40) }),
      {
        signature: null,
      },
    );
    await expectProblem(response, 401, "invalid_signature");
    expect(await receivedRow(orderId)).toMatchObject({
      verdict: "rejected",
      reject_reason: "missing_signature",
    });
  });

  it("stale timestamp (replay) → 401 even with a correct signature", async () => {
    const orderId = `ORD-${uniqueUser("stale")}`;
    const body = postbackBody({ order_id: orderId, sub_id: "x".repeat(40) });
    const response = await sendPostback(NETWORK, body, {
      timestampSec: Math.floor(Date.now() / 1000) - 301,
    });
    await expectProblem(response, 401, "invalid_signature");
    expect(await receivedRow(orderId)).toMatchObject({
      verdict: "rejected",
      reject_reason: "stale_timestamp",
    });
  });

  it("a signature made for another network is rejected", async () => {
    const orderId = `ORD-${uniqueUser("othernet")}`;
    const body = postbackBody({ order_id: orderId, sub_id: "x".repeat(40) });
    const signature = await signPostback(
      "demo-network-postback-secret-0123456789",
      "other-net",
      body,
      Math.floor(Date.now() / 1000),
    );
    await expectProblem(await sendPostback(NETWORK, body, { signature }), 401, "invalid_signature");
  });

  it.each([
    { label: "not JSON", body: "order_id=1&sub_id=2" },
    {
      label: "negative amount",
      body: postbackBody({ order_id: "ORD-neg", sub_id: "x".repeat(40), sale_amount_minor: -5 }),
    },
    {
      label: "fractional amount",
      body: postbackBody({ order_id: "ORD-frac", sub_id: "x".repeat(40), sale_amount_minor: 10.5 }),
    },
    {
      label: "unknown status",
      body: JSON.stringify({
        ...JSON.parse(postbackBody({ order_id: "ORD-st", sub_id: "x".repeat(40) })),
        status: "paid",
      }),
    },
    {
      label: "lowercase currency",
      body: postbackBody({ order_id: "ORD-cur", sub_id: "x".repeat(40), currency: "inr" }),
    },
    {
      label: "extra field",
      body: JSON.stringify({
        ...JSON.parse(postbackBody({ order_id: "ORD-x", sub_id: "x".repeat(40) })),
        bonus: 1,
      }),
    },
    {
      label: "missing order id",
      body: JSON.stringify({ sub_id: "x".repeat(40), status: "pending" }),
    },
  ])("malformed body ($label) → 400 problem+json listing the fields", async ({ body }) => {
    const response = await sendPostback(NETWORK, body);
    const problem = await expectProblem(response, 400, "validation_failed");
    expect(problem.detail).toMatch(/not valid/);
  });

  it("unknown network → 404 problem+json", async () => {
    const response = await sendPostback(
      "no-such-network",
      postbackBody({ order_id: "ORD-nn", sub_id: "x".repeat(40) }),
    );
    await expectProblem(response, 404, "not_found");
  });

  it("oversized body → 413", async () => {
    const response = await sendPostback(NETWORK, JSON.stringify({ pad: "x".repeat(20_000) }));
    await expectProblem(response, 413, "payload_too_large");
  });
});

describe("accepted postbacks that cannot be attributed are recorded as rejected transactions", () => {
  it("forged sub-ID → rejected with reason, nobody credited", async () => {
    const victim = uniqueUser("victim");
    const orderId = `ORD-${victim}`;
    const genuine = await subIdWithoutClick(victim, Date.now() - DAY_MS);
    // Flip one character in the payload: the MAC no longer matches.
    const forged = `${genuine[0] === "A" ? "B" : "A"}${genuine.slice(1)}`;
    const response = await sendPostback(
      NETWORK,
      postbackBody({ order_id: orderId, sub_id: forged }),
    );
    expect(response.status).toBe(202);
    const txn = await eventually(() => d1Transaction(NETWORK, orderId));
    expect(txn).toMatchObject({ status: "rejected", user_id: null, cashback_minor: 0 });
    expect(["forged_sub_id", "malformed_sub_id"]).toContain(txn.reject_reason);
    expect(await walletStub(victim).getBalances()).toEqual([]);
  });

  it("valid sub-ID but the click was never recorded → rejected click_not_found", async () => {
    const user = uniqueUser("noclick");
    const orderId = `ORD-${user}`;
    const subId = await subIdWithoutClick(user, Date.now() - 2 * DAY_MS);
    expect(
      (await sendPostback(NETWORK, postbackBody({ order_id: orderId, sub_id: subId }))).status,
    ).toBe(202);
    const txn = await eventually(async () => {
      const row = await d1Transaction(NETWORK, orderId);
      return row?.status === "rejected" ? row : null;
    });
    expect(txn).toMatchObject({
      reject_reason: "click_not_found",
      cashback_minor: 0,
      user_id: user,
    });
    expect(await balances(user)).toEqual({});
  });

  it("click outside the 30-day window → rejected, no credit", async () => {
    const user = uniqueUser("window");
    const orderId = `ORD-${user}`;
    const clickedAtMs = Math.floor((Date.now() - 31 * DAY_MS) / 1000) * 1000;
    const clickId = `clk_${crypto.randomUUID().replaceAll("-", "")}`;
    await walletStub(user).recordClicks(user, [
      {
        clickId,
        offerId: OFFER,
        merchantId: "test-shop",
        networkId: NETWORK,
        clickedAtMs,
        currency: "INR",
        terms: { basis: "sale", defaultRateBps: 500, categoryRates: {} },
        returnWindowDays: 30,
      },
    ]);
    const subId = await encodeSubId(env.SUBID_SIGNING_KEY, {
      userId: user,
      offerId: OFFER,
      clickId,
      clickAtSec: clickedAtMs / 1000,
    });
    await sendPostback(NETWORK, postbackBody({ order_id: orderId, sub_id: subId }));
    const txn = await eventually(async () => {
      const row = await d1Transaction(NETWORK, orderId);
      return row?.status === "rejected" ? row : null;
    });
    expect(txn.reject_reason).toBe("outside_attribution_window");
    expect(await balances(user)).toEqual({});
    const detail = await walletStub(user).getTransaction(await transactionIdFor(NETWORK, orderId));
    expect(detail?.history.map((h) => h.event)).toEqual(["rejected"]);
  });
});

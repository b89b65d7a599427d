import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, test } from "vitest";
import { FRAUD_STARTER_RULES } from "#shared/fraud/starter-rules";
import { refreshReturnRates } from "#workers/api/src/features/fraud/index";
import {
  ADMIN_HEADERS,
  api,
  clickThrough,
  eventually,
  postbackBody,
  seedCatalog,
  sendPostback,
  uniqueUser,
} from "./helpers";
import { publishRuleSet } from "./referral-helpers";

/**
 * Return abuse through the real workers (docs/fraud.md "Return abuse"): orders arrive by
 * postback, their cancellations too; the postback consumer reports each order, the wallet each
 * cancellation (through its outbox), the risk consumer records them in D1 `risk_orders`, which
 * counts each user's orders and returns over 90 days, and hands the returns (and an order only
 * when a rule could judge it) to the user's risk object with those counts. Under the starter
 * rule, a user who returned 8 of 10 orders has their payouts held (`return_abuse`), and their
 * next order in an abuse-prone category is held pending; one who returned 1 of 10 is not held.
 * The operator's abuse-prone categories round-trip through the list API and mark the orders in
 * them; the hourly refresh puts merchant and category rates on later observations.
 */

const NETWORK = "ret-net";
const MERCHANT = "ret-shop";
const OFFER = "ret-shop-offer";
const RETURN_RULES = FRAUD_STARTER_RULES.filter((r) =>
  ["fraud-return-abuse", "fraud-abuse-prone-category"].includes(r.id),
);

interface ObservationRow {
  observationId: string;
  kind: string;
  facts: Record<string, string | number | boolean>;
}

const riskObject = (userId: string) => env.RISK.get(env.RISK.idFromName(userId));

function observationsOf(userId: string, kind: string): Promise<ObservationRow[]> {
  return runInDurableObject(riskObject(userId), (_instance, state) =>
    state.storage.sql
      .exec<{ observation_id: string; kind: string; facts_json: string }>(
        `SELECT observation_id, kind, facts_json FROM observations WHERE kind = ? ORDER BY at_ms`,
        kind,
      )
      .toArray()
      .map((r) => ({
        observationId: r.observation_id,
        kind: r.kind,
        facts: JSON.parse(r.facts_json),
      })),
  );
}

async function atLeast(userId: string, kind: string, count: number): Promise<ObservationRow[]> {
  return eventually(async () => {
    const rows = await observationsOf(userId, kind);
    return rows.length >= count ? rows : null;
  }, 30_000);
}

interface UserRisk {
  risk: { score: number; reasons: Array<{ code: string }> } | null;
  holds: Array<{ kind: string; status: string; reasons: Array<{ code: string }> }>;
}

async function userRisk(userId: string): Promise<UserRisk> {
  const response = await api(`/admin/v1/risk/users/${userId}`, { headers: ADMIN_HEADERS });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as UserRisk;
}

const returnAbuseHolds = (view: UserRisk) =>
  view.holds.filter(
    (h) => h.kind === "payouts" && h.reasons.some((r) => r.code === "return_abuse"),
  );

/** A user with `orders` orders in `category`, the first `returned` of them cancelled by the network. */
async function shopAndReturn(
  label: string,
  orders: number,
  returned: number,
  category: string,
): Promise<string> {
  const userId = uniqueUser(label);
  const { subId } = await clickThrough(userId, OFFER);
  const ids = Array.from({ length: orders }, (_, i) => `ord-${userId}-${i}`);
  for (const orderId of ids) {
    const body = postbackBody({ order_id: orderId, sub_id: subId, category });
    expect((await sendPostback(NETWORK, body)).status).toBe(202);
  }
  // Every order is counted before the cancellations arrive, as they would be days apart.
  await eventually(async () => (await ordersInD1(userId)).orders >= orders, 30_000);
  for (const orderId of ids.slice(0, returned)) {
    const body = postbackBody({ order_id: orderId, sub_id: subId, category, status: "cancelled" });
    expect((await sendPostback(NETWORK, body)).status).toBe(202);
  }
  await atLeast(userId, "return", returned);
  return userId;
}

/** What D1 `risk_orders` holds of the user's orders (the risk consumer is its one writer). */
async function ordersInD1(userId: string) {
  return (await env.DB.prepare(
    `SELECT COUNT(*) AS orders, COUNT(returned_at_ms) AS returned FROM risk_orders WHERE user_id = ?`,
  )
    .bind(userId)
    .first<{ orders: number; returned: number }>()) as { orders: number; returned: number };
}

const putCategories = (entries: string[]) =>
  api("/admin/v1/risk-lists/abuse_prone_categories", {
    method: "PUT",
    headers: ADMIN_HEADERS,
    body: JSON.stringify({ entries }),
  });

describe("return abuse", () => {
  beforeAll(async () => {
    await seedCatalog({ networkId: NETWORK, merchantId: MERCHANT, offerId: OFFER });
    await publishRuleSet(
      { timeZone: "UTC", groups: [{ name: "fraud", mode: "stackable" }], rules: RETURN_RULES },
      "return abuse starter rules",
    );
  });

  test("the abuse-prone categories round-trip through the list API, normalised", async () => {
    const bad = await putCategories(["fashion", "   "]);
    expect(bad.status).toBe(400);
    const saved = await putCategories([" Fashion ", "fashion", "Home   Decor"]);
    expect(saved.status, await saved.clone().text()).toBe(200);
    expect(await saved.json()).toMatchObject({
      list: "abuse_prone_categories",
      entries: ["fashion", "home decor"],
    });
    const read = await api("/admin/v1/risk-lists/abuse_prone_categories", {
      headers: ADMIN_HEADERS,
    });
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ entries: ["fashion", "home decor"] });
  });

  test("a user who returned 8 of 10 orders has their payouts held for return abuse", async () => {
    const userId = await shopAndReturn("ret-abuser", 10, 8, "Fashion");
    const held = await eventually(async () => {
      const view = await userRisk(userId);
      return returnAbuseHolds(view).length > 0 ? view : null;
    }, 30_000);
    expect(returnAbuseHolds(held)[0]?.status).toBe("active");
    expect(held.risk?.reasons.map((r) => r.code)).toContain("return_abuse");

    const returns = await observationsOf(userId, "return");
    expect(returns).toHaveLength(8);
    expect(returns[0]?.observationId).toMatch(/^return:/);
    expect(returns[0]?.facts).toMatchObject({
      "signal.returnOutcome": "cancelled",
      "signal.merchantId": MERCHANT,
      "signal.category": "fashion",
      "signal.categoryAbuseProne": true,
    });
    // Counted in D1 (orders can be screened away from the object; returns are not).
    expect(await ordersInD1(userId)).toEqual({ orders: 10, returned: 8 });
    const orderRow = await env.DB.prepare(
      `SELECT merchant_id, category FROM risk_orders WHERE user_id = ? LIMIT 1`,
    )
      .bind(userId)
      .first();
    // The merchant comes from the offer's config; the category is normalised.
    expect(orderRow).toEqual({ merchant_id: MERCHANT, category: "fashion" });

    // Their next order in an abuse-prone category can be judged: it reaches the risk object,
    // marked, and stays pending (`abuse_prone_category`).
    const { subId } = await clickThrough(userId, OFFER);
    const nextOrder = `ord-${userId}-next`;
    const body = postbackBody({ order_id: nextOrder, sub_id: subId, category: "Fashion" });
    expect((await sendPostback(NETWORK, body)).status).toBe(202);
    // Only this one: the ten were counted, and their cancellations were updates, not judged.
    const [order] = await atLeast(userId, "conversion", 1);
    expect(order?.observationId).toBe(`conversion:${NETWORK}:${nextOrder}`);
    expect(order?.facts).toMatchObject({
      "signal.merchantId": MERCHANT,
      "signal.category": "fashion",
      "signal.categoryAbuseProne": true,
    });
    const pending = await eventually(async () => {
      const view = await userRisk(userId);
      return view.holds.find((h) => h.kind === "transaction") ?? null;
    }, 30_000);
    expect(pending.reasons.map((r) => r.code)).toContain("abuse_prone_category");
  });

  test("a user who returned 1 of 10 orders is not held", async () => {
    const userId = await shopAndReturn("ret-shopper", 10, 1, "Groceries");
    // Give the wallet time to place a hold, had the rule fired.
    await new Promise((r) => setTimeout(r, 1_500));
    const view = await userRisk(userId);
    expect(returnAbuseHolds(view)).toEqual([]);
    expect(view.holds).toEqual([]);
    expect(await ordersInD1(userId)).toEqual({ orders: 10, returned: 1 });
    // No order of theirs could be judged by a rule: none reached the risk object; the return did.
    expect(await observationsOf(userId, "conversion")).toEqual([]);
    const [returned] = await observationsOf(userId, "return");
    expect(returned?.facts["signal.categoryAbuseProne"]).toBe(false);
  });

  test("the hourly refresh puts merchant and category rates on later observations", async () => {
    // Both users above: 21 orders at the merchant, 9 returned; 11 fashion orders (the abuser's
    // ten and the one held pending), 8 returned.
    await refreshReturnRates(env, Date.now());
    const { results } = await env.DB.prepare(
      `SELECT scope, key, orders, returns FROM risk_return_rates ORDER BY scope, key`,
    ).all<{ scope: string; key: string; orders: number; returns: number }>();
    expect(results).toEqual([
      { scope: "category", key: "fashion", orders: 11, returns: 8 },
      { scope: "category", key: "groceries", orders: 10, returns: 1 },
      { scope: "merchant", key: MERCHANT, orders: 21, returns: 9 },
    ]);
    const userId = await shopAndReturn("ret-later", 1, 1, "fashion");
    const [returned] = await observationsOf(userId, "return");
    expect(returned?.facts).toMatchObject({
      "signal.merchantOrders90d": 21,
      "signal.merchantReturnRateBps": 4_286,
      // 11 orders: under the 20 a category's rate needs.
      "signal.categoryOrders90d": 11,
      "signal.categoryReturnRateBps": 0,
    });
  });
});

import { beforeAll, describe, expect, test } from "vitest";
import { signedIn } from "./console-client";
import {
  ADMIN_HEADERS,
  api,
  clickThrough,
  d1Transaction,
  eventually,
  postbackBody,
  seedCatalog,
  sendPostback,
  uniqueUser,
} from "./helpers";

/**
 * The console's Transactions and Postbacks pages through the real worker, with real
 * postbacks: a transaction found by its order id shows its history in order (the postbacks,
 * the wallet's decisions, each money movement with the balance after); the search filters and
 * pages; a postback's body is shown as text with credentials redacted.
 */

const NETWORK = "ct-net";
const OFFER = "ct-offer";
const ORDER = `CT-${Math.random().toString(36).slice(2, 8).toUpperCase()}`;
const OTHER_ORDER = `${ORDER}-B`;
let user = "";
let txnId = "";
const today = new Date().toISOString().slice(0, 10);
const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  await seedCatalog({ networkId: NETWORK, merchantId: "ct-shop", offerId: OFFER });
  user = uniqueUser("console-txns");
  const { subId } = await clickThrough(user, OFFER);
  // Pending at ₹50.00 (5% of ₹1,000.00), then cancelled by the network: the money goes back.
  const first = await sendPostback(NETWORK, postbackBody({ order_id: ORDER, sub_id: subId }));
  expect(first.status).toBeLessThan(300);
  await eventually(() => d1Transaction(NETWORK, ORDER));
  const cancel = await sendPostback(
    NETWORK,
    postbackBody({ order_id: ORDER, sub_id: subId, status: "cancelled" }),
  );
  expect(cancel.status).toBeLessThan(300);
  const row = await eventually(async () => {
    const r = await d1Transaction(NETWORK, ORDER);
    return r?.status === "cancelled" ? r : null;
  });
  txnId = String(row.id);
  const other = await sendPostback(
    NETWORK,
    postbackBody({ order_id: OTHER_ORDER, sub_id: subId, sale_amount_minor: 40_000 }),
  );
  expect(other.status).toBeLessThan(300);
  await eventually(() => d1Transaction(NETWORK, OTHER_ORDER));
});

describe("transactions", () => {
  test("a transaction found by order id shows its history in order", async () => {
    const { client } = await signedIn("viewer");
    const search = await client.get(`/console/transactions?orderId=${ORDER}`);
    expect(search.status).toBe(200);
    const list = await search.text();
    expect(list).toContain(`href="/console/transactions/${txnId}">${ORDER}<`);
    expect(list).not.toContain(OTHER_ORDER);

    const detail = await client.get(`/console/transactions/${txnId}`);
    expect(detail.status).toBe(200);
    const html = await detail.text();
    expect(html).toContain(`<h1>Order ${ORDER}</h1>`);
    expect(html).toContain("₹1,000.00");
    const history = html.slice(html.indexOf("<h2>History</h2>"));
    const steps = [
      "postback accepted",
      "created",
      "₹50.00</span> to pending, balance after",
      "postback accepted",
      "-₹50.00</span> to pending, balance after",
    ];
    let at = 0;
    for (const step of steps) {
      const found = history.indexOf(step, at);
      expect(found, `"${step}" after position ${at}`).toBeGreaterThan(-1);
      at = found + step.length;
    }
    expect(history).toMatch(/href="\/console\/postbacks\/[^"]+">Postback /);
  });

  test("the API's history lists every postback, event and money movement oldest first", async () => {
    const response = await api(`/admin/v1/transactions/${txnId}`, { headers: ADMIN_HEADERS });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      transaction: { orderId: string; status: string };
      timeline: { at: string; source: string; money: { amountMinor: number } | null }[];
    };
    expect(body.transaction).toMatchObject({ orderId: ORDER, status: "cancelled" });
    const times = body.timeline.map((i) => Date.parse(i.at));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(body.timeline.filter((i) => i.source === "postback")).toHaveLength(2);
    const moves = body.timeline.filter((i) => i.money).map((i) => i.money?.amountMinor);
    expect(moves.reduce((a = 0, b = 0) => a + b, 0)).toBe(0);
    expect(moves).toContain(5_000);
    const missing = await api("/admin/v1/transactions/txn_nope", { headers: ADMIN_HEADERS });
    expect(missing.status).toBe(404);
  });

  test.each([
    { label: "network", query: `networkId=${NETWORK}`, shows: [ORDER, OTHER_ORDER] },
    { label: "user", query: `userId=USER`, shows: [ORDER, OTHER_ORDER] },
    { label: "status", query: `networkId=${NETWORK}&status=cancelled`, shows: [ORDER] },
    { label: "today", query: `networkId=${NETWORK}&from=${today}&to=${today}`, shows: [ORDER] },
    { label: "another network", query: "networkId=no-such-net", shows: [] },
    { label: "a later day", query: `networkId=${NETWORK}&from=${tomorrow}`, shows: [] },
  ])("filter by $label", async ({ query, shows }) => {
    const { client } = await signedIn("support");
    const response = await client.get(`/console/transactions?${query.replace("USER", user)}`);
    expect(response.status).toBe(200);
    const html = await response.text();
    for (const order of shows) expect(html).toContain(`>${order}<`);
    if (shows.length === 0) expect(html).toContain("No transaction matches these filters.");
  });

  test("pages by cursor: the next page holds the older transaction", async () => {
    const { client } = await signedIn("finance");
    const first = await (await client.get(`/console/transactions?networkId=${NETWORK}`)).text();
    expect(first).not.toContain("Next page"); // 2 rows, 50 a page
    const page = await api(`/admin/v1/transactions?networkId=${NETWORK}&limit=1`, {
      headers: ADMIN_HEADERS,
    });
    const one = (await page.json()) as { items: { orderId: string }[]; nextCursor: string };
    expect(one.items.map((t) => t.orderId)).toEqual([OTHER_ORDER]);
    const next = await client.get(
      `/console/transactions?networkId=${NETWORK}&cursor=${encodeURIComponent(one.nextCursor)}`,
    );
    const html = await next.text();
    expect(html).toContain(`>${ORDER}<`);
    expect(html).not.toContain(`>${OTHER_ORDER}<`);
  });

  test("a bad filter comes back as a readable message", async () => {
    const { client } = await signedIn("viewer");
    const response = await client.get("/console/transactions?from=soon");
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toContain('role="alert"');
    expect(html).toContain("<code>from</code>");
    const unknown = await client.get("/console/transactions/txn_nope");
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain("no such transaction");
  });
});

describe("postbacks", () => {
  const HOSTILE_ORDER = `${ORDER}-X`;
  let postbackId = "";

  beforeAll(async () => {
    const body = JSON.stringify({
      ...JSON.parse(postbackBody({ order_id: HOSTILE_ORDER, sub_id: "not-a-real-sub-id" })),
      note: "<script>alert('pwned')</script>",
      api_key: "leaked-key-123",
    });
    await sendPostback(NETWORK, body);
    // Unsigned: rejected with its reason.
    await sendPostback(NETWORK, postbackBody({ order_id: `${ORDER}-U`, sub_id: "x" }), {
      signature: null,
    });
    const found = await eventually(async () => {
      const r = await api(`/admin/v1/postbacks?orderId=${HOSTILE_ORDER}`, {
        headers: ADMIN_HEADERS,
      });
      return ((await r.json()) as { items: { id: string }[] }).items[0];
    });
    postbackId = found.id;
  });

  test("a postback's body is shown as text, credentials redacted", async () => {
    const { client } = await signedIn("viewer");
    const response = await client.get(`/console/postbacks/${postbackId}`);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain("&lt;script&gt;alert(");
    expect(html).not.toContain("<script>alert(");
    expect(html).not.toContain("leaked-key-123");
    expect(html).toContain("&quot;api_key&quot;: &quot;•••&quot;");
    expect(html).toContain(HOSTILE_ORDER);
  });

  test("the list filters by network, verdict, order and day", async () => {
    const { client } = await signedIn("catalog");
    const all = await (await client.get(`/console/postbacks?networkId=${NETWORK}`)).text();
    expect(all).toContain(`>${ORDER}<`);
    expect(all).toContain(`>${ORDER}-U<`);
    const rejected = await (
      await client.get(`/console/postbacks?networkId=${NETWORK}&verdict=rejected`)
    ).text();
    expect(rejected).toContain(`>${ORDER}-U<`);
    expect(rejected).not.toContain(`>${OTHER_ORDER}<`);
    const byOrder = await (await client.get(`/console/postbacks?orderId=${OTHER_ORDER}`)).text();
    expect(byOrder).toContain(`>${OTHER_ORDER}<`);
    expect(byOrder).not.toContain(`>${ORDER}<`);
    const later = await (
      await client.get(`/console/postbacks?networkId=${NETWORK}&from=${tomorrow}`)
    ).text();
    expect(later).toContain("No postback matches these filters.");
    const page = await api(`/admin/v1/postbacks?networkId=${NETWORK}&limit=1`, {
      headers: ADMIN_HEADERS,
    });
    const one = (await page.json()) as { items: unknown[]; nextCursor: string | null };
    expect(one.items).toHaveLength(1);
    expect(one.nextCursor).not.toBeNull();
  });
});

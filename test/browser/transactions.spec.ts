import { type APIRequestContext, expect, test } from "@playwright/test";
import { sign } from "hono/jwt";
import { runtimeInfo } from "./support/runtime-info";

/**
 * "A transaction found by order id shows its history" (issue 10), against the browser tests' local runtime
 * with its demo data: a real click through the redirect on the sandbox network's offer, an order
 * placed at the sandbox and its signed postbacks delivered (pending, then approved), then an
 * operator signs in, searches the order id and reads the history: the postbacks, the
 * wallet's decisions and each money movement with the balance after it.
 */

const OFFER = "sandbox-store-5pct";
const ORDER = `BRW-${Date.now().toString(36).toUpperCase()}`;
const PASSWORD = "browser-test-password-0123";

async function ok(response: Awaited<ReturnType<APIRequestContext["get"]>>) {
  expect(response.ok(), `${response.url()} → ${response.status()}`).toBe(true);
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

/** Waits until `check` holds: clicks and postbacks travel through queues. */
async function until<T>(check: () => Promise<T | null | undefined | false>, what: string) {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const value = await check();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

test("a transaction found by order id shows its history", async ({ page, request }) => {
  const runtime = runtimeInfo();
  const admin = { authorization: `Bearer ${runtime.adminKey}` };
  const user = `brw-${Date.now().toString(36)}`;

  // A support operator for the console.
  const email = `${user}@ops.test`;
  await ok(
    await request.post("/admin/v1/operators", {
      headers: admin,
      data: { email, displayName: "Browser support", role: "support", password: PASSWORD },
    }),
  );

  // The user clicks the sandbox offer's tracking link: the redirect mints the sub-ID.
  const token = await sign(
    { sub: user, exp: Math.floor(Date.now() / 1000) + 3600 },
    runtime.userJwtSecret,
    "HS256",
  );
  const offers = await ok(
    await request.get("/v1/offers", { headers: { authorization: `Bearer ${token}` } }),
  );
  const link = (offers.items as { id: string; trackingUrl: string }[]).find(
    (o) => o.id === OFFER,
  )?.trackingUrl;
  expect(link, `offer ${OFFER} is in the demo data`).toBeTruthy();
  const click = await request.get(link as string, { maxRedirects: 0 });
  const subId = new URL(click.headers().location ?? "").searchParams.get("subid");
  expect(subId).toBeTruthy();
  await new Promise((r) => setTimeout(r, 2_000)); // the click reaches the wallet by queue

  // The order at the sandbox network, then its approval: two signed postbacks.
  await ok(
    await request.post("/sandbox/orders", {
      data: {
        order_id: ORDER,
        sub_id: subId,
        currency: "INR",
        sale_amount_minor: 129_900,
        commission_minor: 9_000,
      },
    }),
  );
  await ok(await request.post("/sandbox/deliver", { data: {} }));
  await until(async () => {
    const r = await ok(
      await request.get(`/admin/v1/transactions?orderId=${ORDER}`, { headers: admin }),
    );
    return r.items.length > 0;
  }, "the pending transaction");
  await ok(await request.post(`/sandbox/orders/${ORDER}/approve`, { data: {} }));
  await ok(await request.post("/sandbox/deliver", { data: {} }));
  await until(async () => {
    const r = await ok(
      await request.get(`/admin/v1/postbacks?orderId=${ORDER}`, { headers: admin }),
    );
    return r.items.length >= 2;
  }, "the approval postback");

  // The operator signs in, searches by order id and opens the transaction.
  await page.goto("/console/sign-in");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("link", { name: "Transactions" }).click();
  await page.getByLabel("Order id").fill(ORDER);
  await page.getByRole("button", { name: "Search" }).click();
  await page.getByRole("link", { name: ORDER }).click();

  await expect(page.getByRole("heading", { level: 1 })).toHaveText(`Order ${ORDER}`);
  await expect(page.locator("main")).toContainText("₹1,299.00");
  const history = page.locator("ol.timeline > li");
  await expect(history.first()).toContainText("postback accepted");
  // 5% of ₹1,299.00 pending, in the ledger with the balance after it.
  await expect(page.locator("ol.timeline")).toContainText("₹64.95");
  await expect(page.locator("ol.timeline")).toContainText("balance after");
  await expect(history.filter({ hasText: "postback accepted" })).toHaveCount(2);
  await page.screenshot({
    path: "test-results/screenshots/transaction-history.png",
    fullPage: true,
  });
});

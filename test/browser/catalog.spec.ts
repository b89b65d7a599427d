import { randomBytes } from "node:crypto";
import {
  expect,
  expectNoSeriousA11yViolations,
  runtimeInfo,
  screenshot,
  test,
} from "./support/index";

/** A PUT to the admin API with the runtime's admin key (the context a test sets up). */
async function adminPut(path: string, body: object): Promise<number> {
  const { baseUrl, adminKey } = runtimeInfo();
  const response = await fetch(`${baseUrl}/admin/v1/${path}`, {
    method: "PUT",
    headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return response.status;
}

/**
 * Issue 10's catalog scenario: an offer created in the console appears in a shopper's
 * catalog search. A catalog operator makes a merchant and an offer through the console's
 * forms; the public catalog API (anonymous) then finds the offer by a word of its title.
 * The network is set up through the admin API: it is the context, not the subject.
 */

test.describe("as a catalog operator", () => {
  test.use({ signInAs: "catalog" });

  test("an offer created in the console appears in a shopper's catalog search", async ({
    page,
  }) => {
    const unique = randomBytes(4).toString("hex");
    // A word no other offer has, letters only, so the search is exact whatever the tokenizer.
    const word = `zephyr${unique.replace(/\d/g, (d) => "abcdefghij"[Number(d)] ?? "x")}`;
    const networkId = `browser-net-${unique}`;
    const merchantId = `browser-shop-${unique}`;
    const offerId = `browser-offer-${unique}`;

    const { baseUrl, adminKey } = runtimeInfo();
    const network = await fetch(`${baseUrl}/admin/v1/networks/${networkId}`, {
      method: "PUT",
      headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
      body: JSON.stringify({
        name: `Browser network ${unique}`,
        trackingTemplate: "https://network.example/t?sub={subid}&url={landing_url}",
        postbackSecret: `browser-postback-secret-${unique}-0123456789`,
      }),
    });
    expect(network.status).toBe(200);

    // The merchant, through the console's form.
    await page.goto("/console/catalog/merchants/new");
    await page.getByLabel("Id", { exact: true }).fill(merchantId);
    await page.getByLabel("Name", { exact: true }).fill(`Browser Shop ${unique}`);
    await page.getByLabel("Network id", { exact: true }).fill(networkId);
    await page.getByLabel("Landing URL").fill("https://shop.example/");
    await screenshot(page, "catalog-merchant-new");
    await page.getByRole("button", { name: "Create merchant" }).click();
    await expect(page.getByRole("status")).toContainText(`Merchant ${merchantId} created`);

    // The offer, through the console's form (from the merchant's page, as an operator would).
    await page.getByRole("link", { name: "New offer for this merchant" }).click();
    await expect(page.getByLabel("Merchant id", { exact: true })).toHaveValue(merchantId);
    await page.getByLabel("Id", { exact: true }).fill(offerId);
    await page.getByLabel("Title").fill(`Cashback on ${word} gadgets`);
    await page.getByLabel("Currency").fill("INR");
    await page.getByLabel("Default rate (%)").fill("6.5");
    await page.getByLabel("Rates by category (JSON, basis points)").fill('{"electronics": 800}');
    await page.getByLabel("Return window (days)").fill("30");
    await screenshot(page, "catalog-offer-new");
    await page.getByRole("button", { name: "Create offer" }).click();
    await expect(page.getByRole("status")).toContainText(`Offer ${offerId} created`);

    // The offer's page previews the shopper's card and the tracking URL (shown, not linked).
    const card = page.getByRole("article", { name: "Shopper's offer card preview" });
    await expect(card).toContainText("Up to 8% cashback");
    await expect(page.locator("pre.tracking-url")).toContainText("sub=PREVIEW-SUBID");
    await screenshot(page, "catalog-offer");

    // A shopper (no login) searches the public catalog for the word.
    await expect
      .poll(
        async () => {
          const response = await fetch(
            `${baseUrl}/v1/catalog/offers?q=${encodeURIComponent(word)}`,
          );
          if (response.status !== 200) return [];
          const body = (await response.json()) as { items: { id: string; title: string }[] };
          return body.items.map((item) => item.id);
        },
        { timeout: 10_000 },
      )
      .toContain(offerId);
  });

  test("a campaign's budget parts are set in its form and shown on its page", async ({ page }) => {
    const unique = randomBytes(4).toString("hex");
    const networkId = `browser-net-${unique}`;
    const merchantId = `browser-shop-${unique}`;
    const campaignId = `browser-campaign-${unique}`;
    // The network, merchant and campaign through the admin API: the context, not the subject.
    expect(
      await adminPut(`networks/${networkId}`, {
        name: `Browser network ${unique}`,
        trackingTemplate: "https://network.example/t?sub={subid}&url={landing_url}",
        postbackSecret: `browser-postback-secret-${unique}-0123456789`,
      }),
    ).toBe(200);
    expect(
      await adminPut(`merchants/${merchantId}`, {
        networkId,
        name: `Browser Shop ${unique}`,
        landingUrl: "https://shop.example/",
      }),
    ).toBe(200);
    expect(
      await adminPut(`campaigns/${campaignId}`, {
        name: `Browser boost ${unique}`,
        merchantId,
        boostRateBps: 250,
        currency: "EUR",
        budgetMinor: 100_000,
      }),
    ).toBe(200);

    await page.goto(`/console/catalog/campaigns/${campaignId}`);
    const shown = page
      .locator("dt", { hasText: /^Budget parts$/ })
      .locator("xpath=following-sibling::dd[1]");
    await expect(shown).toHaveText("1");
    const field = page.getByLabel("Budget parts");
    await expect(field).toHaveValue("");

    // Out of 1–64: the field says so, and nothing is saved.
    // The post's own answer, awaited: the page before it already shows the last error.
    const save = async () => {
      const answered = page.waitForResponse(
        (r) => r.request().method() === "POST" && r.url().endsWith(`/campaigns/${campaignId}`),
      );
      await page.getByRole("button", { name: "Save campaign" }).click();
      const response = await answered;
      await page.waitForLoadState();
      return response.status();
    };
    for (const typed of ["0", "65"]) {
      await field.fill(typed);
      expect(await save()).toBe(400);
      await expect(field).toHaveValue(typed);
      await expect(field).toHaveAttribute("aria-invalid", "true");
      await expect(field).toHaveAccessibleDescription(/whole number from 1 to 64/);
      await expect(shown).toHaveText("1");
    }
    // The form with its error, as a screen reader meets it.
    await expectNoSeriousA11yViolations(page);

    await field.fill("4");
    expect(await save()).toBe(303);
    await expect(page.getByRole("status")).toContainText(`Campaign ${campaignId} saved`);
    await expect(shown).toHaveText("4");
    await expect(page.getByLabel("Budget parts")).toHaveValue("");
    await screenshot(page, "catalog-campaign-parts");
  });
});

import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, test } from "vitest";
import { partName } from "#durable-objects/budget/index";
import { campaignBudgetKey } from "#shared/campaigns/campaign-rule";
import { type Role, signedIn } from "./console-client";
import { ADMIN_HEADERS, adminPut, api, NETWORK_SECRET, seedCatalog } from "./helpers";

/**
 * The catalog pages of the console (docs/console.md, Catalog), through the real worker:
 * lists with filters and pages, create and edit of each entity through the forms (read back
 * through the admin API), the API's errors beside their fields, the offer card and tracking
 * URL preview, and the roles that may only read.
 */

const run = Date.now().toString(36);
let counter = 0;
const uid = (label: string) => `cc-${run}-${label}-${++counter}`;

async function read<T>(path: string): Promise<{ status: number; body: T }> {
  const response = await api(path, { headers: ADMIN_HEADERS });
  return { status: response.status, body: (await response.json()) as T };
}

async function html(response: Response): Promise<string> {
  return await response.text();
}

/** The page's text without its tags: what a reader sees. */
const textOf = (page: string) => page.replace(/<[^>]+>/g, "");

/** The text of the inline error beside a field (`f-<name>-error`), or null. */
function errorBeside(page: string, field: string): string | null {
  const match = new RegExp(`id="f-${field}-error">([^<]*)<`).exec(page);
  return match?.[1] ?? null;
}

const seeded = async () => {
  const ids = { networkId: uid("net"), merchantId: uid("shop"), offerId: uid("offer") };
  await seedCatalog(ids);
  return ids;
};

describe("catalog lists in the console", () => {
  test("offers: seeded rows with rates in percent, a filter, an empty state", async () => {
    const { offerId, merchantId } = await seeded();
    const { client } = await signedIn("viewer");
    const page = await html(await client.get(`/console/catalog/offers?merchantId=${merchantId}`));
    expect(page).toContain("<h1>Catalog · Offers</h1>");
    expect(page).toContain(`/console/catalog/offers/${offerId}`);
    expect(page).toContain("5% · electronics 7.5%");
    expect(page).toContain("30 days");
    const none = await html(await client.get(`/console/catalog/offers?q=nothing-${run}-matches`));
    expect(none).toContain("No offers match.");
    expect(none).not.toContain(`/console/catalog/offers/${offerId}"`);
    const landing = await client.get("/console/catalog");
    expect(landing.status).toBe(303);
    expect(landing.headers.get("location")).toBe("/console/catalog/offers");
  });

  test("merchants: filter by network, a Next page link with the cursor that opens page two", async () => {
    const networkId = uid("pagenet");
    await seedCatalog({ networkId, merchantId: uid("m"), offerId: uid("o") });
    for (let i = 0; i < 26; i++) {
      const r = await adminPut(`/admin/v1/merchants/${networkId}-${String(i).padStart(2, "0")}`, {
        networkId,
        name: `Paged shop ${i}`,
        landingUrl: "https://shop.test/",
      });
      expect(r.status).toBe(200);
    }
    const { client } = await signedIn("support");
    const first = await html(await client.get(`/console/catalog/merchants?networkId=${networkId}`));
    expect(first).toContain("Paged shop 0");
    const next = /href="(\/console\/catalog\/merchants\?[^"]*cursor=[^"]+)"/.exec(first)?.[1];
    expect(next).toBeDefined();
    const second = await html(await client.get((next ?? "").replaceAll("&amp;", "&")));
    expect(second).toContain("Paged shop 25");
    expect(second).not.toContain("Paged shop 0<");
    expect(second).not.toContain("Next page");
  });

  test("networks: format, breaker state, last sync and reconciliation", async () => {
    const { networkId } = await seeded();
    const { client } = await signedIn("finance");
    const page = await html(await client.get(`/console/catalog/networks?q=${networkId}`));
    expect(page).toContain("Test Network");
    expect(page).toContain("generic");
    expect(page).toContain("breaker healthy");
    expect(page).toContain("never");
    const detail = await html(await client.get(`/console/catalog/networks/${networkId}`));
    expect(detail).toContain("No sync runs yet.");
    expect(detail).toContain("postback secret set");
    expect(detail).not.toContain(NETWORK_SECRET);
  });

  test("campaigns: budget use as money", async () => {
    const { offerId } = await seeded();
    const id = uid("camp");
    const r = await adminPut(`/admin/v1/campaigns/${id}`, {
      name: "Diwali boost",
      offerId,
      boostRateBps: 250,
      currency: "INR",
      budgetMinor: 1_234_500,
    });
    expect(r.status).toBe(200);
    const { client } = await signedIn("viewer");
    const page = await html(await client.get(`/console/catalog/campaigns?offerId=${offerId}`));
    expect(page).toContain("Diwali boost");
    expect(page).toContain("+2.5%");
    expect(textOf(page)).toContain("₹0.00 of ₹12,345.00 (0%)");
  });
});

describe("create and edit from the console", () => {
  test("a network: created with its secrets, edited without retyping the report token", async () => {
    const { client } = await signedIn("catalog");
    const id = uid("newnet");
    const created = await client.post(
      "/console/catalog/networks",
      {
        id,
        name: "Console Network",
        postbackFormat: "generic",
        trackingTemplate: "https://net.test/t?sub={subid}&u={landing_url}",
        postbackSecret: NETWORK_SECRET,
        reportApiToken: "report-token-123456",
        options: '{"reportUrl": "https://net.test/report"}',
        active: "on",
      },
      { fromPage: "/console/catalog/networks/new" },
    );
    expect(created.status).toBe(303);
    expect(created.headers.get("location")).toContain(`/console/catalog/networks/${id}?notice=`);
    const stored = await read<{
      name: string;
      postbackSecretSet: boolean;
      reportApiTokenSet: boolean;
      options: Record<string, unknown>;
    }>(`/admin/v1/networks/${id}`);
    expect(stored.body).toMatchObject({
      name: "Console Network",
      postbackSecretSet: true,
      reportApiTokenSet: true,
      options: { reportUrl: "https://net.test/report" },
    });

    // The edit form never shows a secret back.
    const form = await html(await client.get(`/console/catalog/networks/${id}`));
    expect(form).toContain('name="postbackSecret"');
    expect(form).not.toContain("report-token-123456");
    expect(form).toContain("required on every save");

    const fields = {
      name: "Console Network renamed",
      postbackFormat: "generic",
      trackingTemplate: "https://net.test/t?sub={subid}&u={landing_url}",
      options: '{"reportUrl": "https://net.test/report"}',
      active: "on",
      reportApiToken: "",
    };
    const withoutSecret = await client.post(
      `/console/catalog/networks/${id}`,
      {
        ...fields,
        postbackSecret: "",
      },
      { fromPage: `/console/catalog/networks/${id}` },
    );
    expect(withoutSecret.status).toBe(400);
    expect(errorBeside(await html(withoutSecret), "postbackSecret")).toContain(
      "needed on every save",
    );

    const edited = await client.post(
      `/console/catalog/networks/${id}`,
      { ...fields, postbackSecret: NETWORK_SECRET },
      { fromPage: `/console/catalog/networks/${id}` },
    );
    expect(edited.status).toBe(303);
    const after = await read<{ name: string; reportApiTokenSet: boolean }>(
      `/admin/v1/networks/${id}`,
    );
    expect(after.body).toMatchObject({ name: "Console Network renamed", reportApiTokenSet: true });

    // A taken id is not silently replaced.
    const again = await client.post(
      "/console/catalog/networks",
      { ...fields, id, postbackSecret: NETWORK_SECRET },
      { fromPage: "/console/catalog/networks/new" },
    );
    expect(again.status).toBe(409);
    expect(errorBeside(await html(again), "id")).toContain("exists");
  });

  test("a merchant and an offer: rates typed in percent are stored in basis points", async () => {
    const { networkId } = await seeded();
    const { client } = await signedIn("catalog");
    const merchantId = uid("cshop");
    const madeMerchant = await client.post(
      "/console/catalog/merchants",
      {
        id: merchantId,
        name: "Console Shop",
        networkId,
        landingUrl: "https://console.shop.test/",
        active: "on",
      },
      { fromPage: "/console/catalog/merchants/new" },
    );
    expect(madeMerchant.status).toBe(303);
    expect((await read<{ name: string }>(`/admin/v1/merchants/${merchantId}`)).body.name).toBe(
      "Console Shop",
    );
    const editedMerchant = await client.post(
      `/console/catalog/merchants/${merchantId}`,
      { name: "Console Shop 2", networkId, landingUrl: "https://console.shop.test/" },
      { fromPage: `/console/catalog/merchants/${merchantId}` },
    );
    expect(editedMerchant.status).toBe(303);
    expect(
      (await read<{ name: string; active: boolean }>(`/admin/v1/merchants/${merchantId}`)).body,
    ).toMatchObject({ name: "Console Shop 2", active: false });

    const offerId = uid("coffer");
    const offerFields = {
      id: offerId,
      title: "Console offer",
      merchantId,
      currency: "EUR",
      basis: "sale",
      defaultRatePercent: "2.5",
      categoryRates: '{"books": 1250}',
      excludedCategories: "gift cards, recharges",
      policy: "per_line",
      cap: "50.00",
      returnWindowDays: "14",
      confirmationPolicy: "network_approval",
      startsAt: "2026-01-01T00:00",
      endsAt: "",
      active: "on",
    };
    const made = await client.post("/console/catalog/offers", offerFields, {
      fromPage: "/console/catalog/offers/new",
    });
    expect(made.status).toBe(303);
    const offer = await read<{
      cashback: Record<string, unknown>;
      returnWindowDays: number;
      confirmationPolicy: string;
      startsAt: string;
    }>(`/admin/v1/offers/${offerId}`);
    expect(offer.body.cashback).toEqual({
      basis: "sale",
      defaultRateBps: 250,
      categoryRates: { books: 1250 },
      excludedCategories: ["gift cards", "recharges"],
      capMinor: 5000,
    });
    expect(offer.body.returnWindowDays).toBe(14);
    expect(offer.body.confirmationPolicy).toBe("network_approval");
    // The operator's zone is UTC (the default), so the local time is the instant.
    expect(offer.body.startsAt).toBe("2026-01-01T00:00:00.000Z");

    const edited = await client.post(
      `/console/catalog/offers/${offerId}`,
      { ...offerFields, title: "Console offer, edited", defaultRatePercent: "3" },
      { fromPage: `/console/catalog/offers/${offerId}` },
    );
    expect(edited.status).toBe(303);
    const after = await read<{ title: string; cashback: { defaultRateBps: number } }>(
      `/admin/v1/offers/${offerId}`,
    );
    expect(after.body.title).toBe("Console offer, edited");
    expect(after.body.cashback.defaultRateBps).toBe(300);
  });

  test("a campaign: boost in percent, budget in money", async () => {
    const { offerId } = await seeded();
    const { client } = await signedIn("admin");
    const id = uid("ccamp");
    const made = await client.post(
      "/console/catalog/campaigns",
      {
        id,
        name: "Console boost",
        offerId,
        merchantId: "",
        boostRatePercent: "1.5",
        currency: "INR",
        budget: "2,500.50",
        active: "on",
      },
      { fromPage: "/console/catalog/campaigns/new" },
    );
    expect(made.status).toBe(303);
    const stored = await read<{ boostRateBps: number; budgetMinor: number; offerId: string }>(
      `/admin/v1/campaigns/${id}`,
    );
    expect(stored.body).toMatchObject({ boostRateBps: 150, budgetMinor: 250_050, offerId });
    const page = await html(await client.get(`/console/catalog/campaigns/${id}`));
    expect(textOf(page)).toContain("₹0.00 of ₹2,500.50");
    // The campaign is a rule of the engine; its budget opens on the rules' budgets page.
    const budgetKey = `rule:campaign.${id}:campaign:${id}:lifetime`;
    expect(textOf(page)).toContain(`campaign.${id} on offer.clicked, group campaigns`);
    expect(page).toContain(`href="/console/rules/budgets?key=${encodeURIComponent(budgetKey)}"`);
    const budgetPage = textOf(
      await html(await client.get(`/console/rules/budgets?key=${encodeURIComponent(budgetKey)}`)),
    );
    expect(budgetPage).toContain(budgetKey);
    expect(budgetPage).not.toContain("nothing drawn on it");
    const edited = await client.post(
      `/console/catalog/campaigns/${id}`,
      { name: "Console boost 2", offerId, boostRatePercent: "2", currency: "INR", budget: "3000" },
      { fromPage: `/console/catalog/campaigns/${id}` },
    );
    expect(edited.status).toBe(303);
    expect(
      (
        await read<{ name: string; boostRateBps: number; active: boolean }>(
          `/admin/v1/campaigns/${id}`,
        )
      ).body,
    ).toMatchObject({ name: "Console boost 2", boostRateBps: 200, active: false });
  });
});

describe("campaign budget parts in the console", () => {
  test("the form sets 4 (empty keeps them, 0 is the field's error); a part that does not answer is a note", async () => {
    const { offerId } = await seeded();
    const { client } = await signedIn("catalog");
    const id = uid("cparts");
    const form = { name: "Parts", offerId, boostRatePercent: "2", currency: "INR", budget: "100" };
    const post = (path: string, values: Record<string, string>) =>
      client.post(path, values, { fromPage: path });
    const budgetParts = async () =>
      (await read<{ budgetParts: number }>(`/admin/v1/campaigns/${id}/budget`)).body.budgetParts;

    expect(
      (await post("/console/catalog/campaigns", { ...form, id, budgetParts: "4" })).status,
    ).toBe(303);
    expect(await budgetParts()).toBe(4);
    const pagePath = `/console/catalog/campaigns/${id}`;
    const page = textOf(await html(await client.get(pagePath)));
    expect(page).toMatch(/Budget parts\s*4/);
    expect(page).not.toContain("a part did not answer");

    expect((await post(pagePath, { ...form, budgetParts: "" })).status).toBe(303);
    expect(await budgetParts()).toBe(4);
    const refused = await post(pagePath, { ...form, budgetParts: "0" });
    expect(refused.status).toBe(400);
    expect(errorBeside(await html(refused), "budgetParts")).toContain("from 1 to 64");
    expect(await budgetParts()).toBe(4);

    // Part 0 holds a reservation, then its storage breaks: its usage call throws, as an
    // unreachable object's would, and the budget's figures are the root's view of it.
    const budgetKey = campaignBudgetKey(id);
    const part = { parts: 4, index: 0 };
    const stub = env.BUDGET.get(env.BUDGET.idFromName(partName(budgetKey, part)));
    await stub.reservePart({
      budgetKey,
      unit: "INR",
      holder: "console-user",
      reference: "a",
      desired: 100,
      seq: 1,
      ...part,
    });
    await runInDurableObject(stub, (_instance, state) => {
      state.storage.sql.exec(`DROP TABLE reservations`);
    });
    const broken = textOf(await html(await client.get(pagePath)));
    expect(broken).toContain("a part did not answer");
  });
});

describe("network actions", () => {
  test("Sync now without a feed: the API's 409 at the top of the network's page; hidden from a viewer", async () => {
    const { networkId } = await seeded();
    const { client } = await signedIn("catalog");
    const page = await html(await client.get(`/console/catalog/networks/${networkId}`));
    expect(page).toContain(`action="/console/catalog/networks/${networkId}/sync"`);
    const refused = await client.post(
      `/console/catalog/networks/${networkId}/sync`,
      {},
      { fromPage: `/console/catalog/networks/${networkId}` },
    );
    expect(refused.status).toBe(409);
    expect(textOf(await html(refused))).toContain("feedUrl");

    const viewer = (await signedIn("viewer")).client;
    const seen = await html(await viewer.get(`/console/catalog/networks/${networkId}`));
    expect(seen).not.toContain("Sync now");
    const posted = await viewer.post(
      `/console/catalog/networks/${networkId}/sync`,
      {},
      { fromPage: `/console/catalog/networks/${networkId}` },
    );
    expect(posted.status).toBe(403);
  });
});

describe("an invalid offer comes back with the API's errors beside its fields", () => {
  test("400; each message beside its field; nothing stored", async () => {
    const { merchantId } = await seeded();
    const { client } = await signedIn("catalog");
    const offerId = uid("bad");
    const response = await client.post(
      "/console/catalog/offers",
      {
        id: offerId,
        title: "",
        merchantId,
        currency: "rupees",
        basis: "sale",
        defaultRatePercent: "5",
        categoryRates: '{"books": 20000}',
        returnWindowDays: "400",
        active: "on",
      },
      { fromPage: "/console/catalog/offers/new" },
    );
    expect(response.status).toBe(400);
    const page = await html(response);
    expect(page).toContain('role="alert"');
    expect(errorBeside(page, "title")).toBeTruthy();
    expect(errorBeside(page, "currency")).toContain("3-letter ISO 4217");
    expect(errorBeside(page, "categoryRates")).toContain("books:");
    expect(errorBeside(page, "returnWindowDays")).toBeTruthy();
    // What was typed is still there to fix.
    expect(page).toContain('value="rupees"');
    expect((await read(`/admin/v1/offers/${offerId}`)).status).toBe(404);
  });

  test("what cannot be sent (a rate that is not a percentage, JSON that does not parse) is named too", async () => {
    const { merchantId } = await seeded();
    const { client } = await signedIn("catalog");
    const response = await client.post(
      "/console/catalog/offers",
      {
        id: uid("bad"),
        title: "Typo offer",
        merchantId,
        currency: "INR",
        defaultRatePercent: "7.555",
        categoryRates: "{books: 5",
        returnWindowDays: "30",
      },
      { fromPage: "/console/catalog/offers/new" },
    );
    expect(response.status).toBe(400);
    const page = await html(response);
    expect(errorBeside(page, "defaultRatePercent")).toContain("at most two decimals");
    expect(errorBeside(page, "categoryRates")).toContain("not valid JSON");
  });
});

describe("the offer preview", () => {
  test("the shopper's card and the tracking URL with placeholders, shown and never linked", async () => {
    const { offerId } = await seeded();
    const { client } = await signedIn("viewer");
    const page = await html(await client.get(`/console/catalog/offers/${offerId}`));
    expect(page).toContain("Shopper&#39;s offer card preview");
    const card = textOf(/<article class="offer-card"[\s\S]*?<\/article>/.exec(page)?.[0] ?? "");
    expect(card).toContain("Test Shop");
    expect(card).toContain("Up to 7.5% cashback");
    expect(card).toContain("electronics 7.5% · everything else 5%");
    expect(card).toContain("return window 30 days");
    const url =
      "https://network.test/track?o=cmp-42&amp;sub=PREVIEW-SUBID&amp;url=https%3A%2F%2Fshop.test%2Fdeals%3Fref%3Dboomerang";
    expect(page).toContain(url);
    expect(page).not.toContain('href="https://network.test');
  });
});

describe("roles that may only read", () => {
  test.each<Role>(["support", "finance", "viewer"])(
    "%s: pages without forms; a post anyway is a 403 page and changes nothing",
    async (role) => {
      const { offerId, merchantId, networkId } = await seeded();
      const { client } = await signedIn(role);
      const list = await html(await client.get("/console/catalog/offers"));
      expect(list).not.toContain("New offer");
      const detail = await html(await client.get(`/console/catalog/offers/${offerId}`));
      expect(detail).not.toContain(`action="/console/catalog/offers/${offerId}"`);
      expect(detail).toContain("needs the catalog or admin role");
      const newPage = await client.get("/console/catalog/offers/new");
      expect(newPage.status).toBe(403);
      expect(await html(newPage)).not.toContain('action="/console/catalog/offers"');

      const created = uid(`${role}-offer`);
      const refused = await client.post(
        "/console/catalog/offers",
        {
          id: created,
          title: "Not allowed",
          merchantId,
          currency: "INR",
          defaultRatePercent: "5",
          returnWindowDays: "30",
          active: "on",
        },
        { fromPage: "/console/catalog/offers" },
      );
      expect(refused.status).toBe(403);
      expect(await html(refused)).toContain("Forbidden");
      expect((await read(`/admin/v1/offers/${created}`)).status).toBe(404);

      const edit = await client.post(
        `/console/catalog/networks/${networkId}`,
        {
          name: "Hijacked",
          trackingTemplate: "https://evil.test/?s={subid}",
          postbackSecret: "x".repeat(30),
          postbackFormat: "generic",
        },
        { fromPage: "/console/catalog/networks" },
      );
      expect(edit.status).toBe(403);
      expect((await read<{ name: string }>(`/admin/v1/networks/${networkId}`)).body.name).toBe(
        "Test Network",
      );
    },
  );
});

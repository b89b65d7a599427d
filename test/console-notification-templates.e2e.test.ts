import { describe, expect, test } from "vitest";
import { signedIn } from "./console-client";
import { ADMIN_HEADERS, api } from "./helpers";

/**
 * The console's Notifications → Templates pages through the real worker: the types with
 * their category and variables, a save refused with the errors inline (nothing saved), a save
 * that lands, the htmx preview fragment, delete, and a viewer who may only read and preview.
 * Locales are private-use languages (`qba`…) so tests sharing the database do not meet.
 */

const BASE = "/console/notifications/templates";
const textOf = (page: string) => page.replace(/<[^>]+>/g, "");

async function saved(type: string, locale: string): Promise<number> {
  const response = await api(`/admin/v1/notifications/templates/${type}/${locale}`, {
    headers: ADMIN_HEADERS,
  });
  await response.body?.cancel();
  return response.status;
}

describe("the templates pages", () => {
  test("the list shows every type with its category and variables", async () => {
    const { client } = await signedIn("viewer");
    const response = await client.get(BASE);
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page).toContain("<h1>Notification templates</h1>");
    expect(page).toContain('aria-current="page">Notifications</a>');
    const row = /<tr id="type-payout_failed">([\s\S]*?)<\/tr>/.exec(page)?.[1] ?? "";
    expect(textOf(row)).toContain("transactional");
    expect(textOf(row)).toContain("{{reason}} text");
    expect(textOf(row)).toContain("{{amount}} money");
  });

  test("catalog: an unknown variable comes back inline and saves nothing; a valid one saves", async () => {
    const { client } = await signedIn("catalog");
    const page = `${BASE}/payout_paid`;
    const refused = await client.post(
      page,
      { locale: "qba-IN", title: "Paid", body: "{{amount}} to {{iban}}", url: "" },
      { fromPage: page },
    );
    expect(refused.status).toBe(422);
    const html = await refused.text();
    expect(/id="f-body-error">([^<]*)</.exec(html)?.[1]).toContain("unknown variable {{iban}}");
    expect(html).toContain("{{amount}} to {{iban}}</textarea>");
    expect(await saved("payout_paid", "qba-IN")).toBe(404);

    const ok = await client.post(
      page,
      { locale: "qba-in", title: "Paid", body: "{{amount}} reached {{destination}}", url: "" },
      { fromPage: page },
    );
    expect(ok.status).toBe(303);
    const location = ok.headers.get("location") ?? "";
    expect(location).toContain("locale=qba-IN");
    expect(await saved("payout_paid", "qba-IN")).toBe(200);

    // The saved locale's page previews what a message uses now.
    const after = await (await client.get(location)).text();
    expect(textOf(after)).toContain("Template saved for qba-IN.");
    expect(/id="preview-body">([^<]*)</.exec(after)?.[1]).toBe("₹1,234.56 reached [destination]");

    const deleted = await client.post(`${page}/delete`, { locale: "qba-IN" }, { fromPage: page });
    expect(deleted.status).toBe(303);
    expect(await saved("payout_paid", "qba-IN")).toBe(404);
  });

  test("the htmx preview answers with the panel alone; a viewer may preview, not save", async () => {
    const { client } = await signedIn("viewer");
    const page = `${BASE}/tier_changed`;
    const form = await (await client.get(page)).text();
    expect(form).not.toContain("Save template");
    expect(form).toContain(">Preview</button>");
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form)?.[1] ?? "";
    const body = new URLSearchParams({
      _csrf: csrf,
      locale: "qbb",
      title: "Tier",
      body: "{{fromTier}} → {{toTier}} {{bogus}}",
      timeZone: "UTC",
      currency: "INR",
    });
    const cookie = [...client.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    const fragment = await api(`${page}/preview`, {
      method: "POST",
      headers: {
        cookie,
        "content-type": "application/x-www-form-urlencoded",
        "hx-request": "true",
      },
      body: body.toString(),
    });
    expect(fragment.status).toBe(200);
    const html = await fragment.text();
    expect(html).not.toContain("<html");
    expect(textOf(html)).toContain("unknown variable {{bogus}}");

    body.set("body", "{{fromTier}} → {{toTier}}");
    const good = await api(`${page}/preview`, {
      method: "POST",
      headers: {
        cookie,
        "content-type": "application/x-www-form-urlencoded",
        "hx-request": "true",
      },
      body: body.toString(),
    });
    expect(/id="preview-body">([^<]*)</.exec(await good.text())?.[1]).toBe("[fromTier] → [toTier]");

    const refused = await client.post(
      page,
      { locale: "qbb", title: "t", body: "b" },
      { fromPage: page },
    );
    expect(refused.status).toBe(403);
    expect(await saved("tier_changed", "qbb")).toBe(404);
  });
});

import { describe, expect, test } from "vitest";
import type { ReferralProgramSettings } from "#shared/referrals/program-settings";
import { programValues } from "#workers/api/src/console/pages/referrals/program-form";
import { signedIn } from "./console-client";
import { ADMIN_HEADERS, api } from "./helpers";

/**
 * The console's referral program settings and risk lists pages (docs/console.md, Referrals)
 * through the real worker, as signed-in operators: settings saved through the admin API as a
 * new version and shown in the history with what changed, the API's errors beside their
 * fields, a lost update answered with the version that won, the risk lists replaced one entry
 * a line with bad lines named, and the roles that may only read.
 */

const PROGRAM_PAGE = "/console/referrals/program";

async function program(): Promise<{ version: number; settings: ReferralProgramSettings }> {
  const response = await api("/admin/v1/referrals/program", { headers: ADMIN_HEADERS });
  return (await response.json()) as { version: number; settings: ReferralProgramSettings };
}

/** The text of the inline error beside a field (`f-<name>-error`), or null. */
function errorBeside(page: string, field: string): string | null {
  const match = new RegExp(`id="f-${field}-error">([^<]*)<`).exec(page);
  return match?.[1] ?? null;
}

const textOf = (page: string) => page.replace(/<[^>]+>/g, "").replace(/&quot;/g, '"');

const LAUNCH = {
  webSignupUrl: "https://app.example.com/signup",
  iosAppStoreUrl: "https://apps.apple.com/app/id123456789",
};

describe("the referral program settings page", () => {
  test("a viewer reads the settings and the versions, with no form; a post is refused by the API", async () => {
    const { client } = await signedIn("viewer");
    const response = await client.get(PROGRAM_PAGE);
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page).toContain("<h1>Referral program settings</h1>");
    expect(page).toContain('href="/console/referrals/program" aria-current="page"');
    expect(page).toContain("changing it needs the catalog or admin role");
    expect(page).not.toContain('id="referral-program-form"');
    expect(textOf(page)).toContain("Hold threshold");

    const before = await program();
    const refused = await client.post(
      PROGRAM_PAGE,
      programValues(before.settings, before.version),
      { fromPage: PROGRAM_PAGE },
    );
    expect(refused.status).toBe(403);
    expect(textOf(await refused.text())).toContain("needs scope catalog or admin");
    expect((await program()).version).toBe(before.version);
  });

  test("catalog saves a change as a new version, shown in the history with what it changed", async () => {
    const { client } = await signedIn("catalog");
    const before = await program();
    const form = await (await client.get(PROGRAM_PAGE)).text();
    expect(form).toContain('id="referral-program-form"');
    expect(form).toContain(`name="expectedVersion" value="${before.version}"`);

    const saved = await client.post(
      PROGRAM_PAGE,
      {
        ...programValues(before.settings, before.version),
        ...LAUNCH,
        touch: "last",
        windowDays: "14",
        qualificationWindowDays: "60",
        holdThreshold: "70",
        "weight-shared_ip_prefix": "45",
        autoApproveAfterHours: "48",
        note: "console launch",
      },
      { fromPage: PROGRAM_PAGE },
    );
    expect(saved.status).toBe(303);
    expect(decodeURIComponent(saved.headers.get("location") ?? "")).toContain(
      `version ${before.version + 1} is current`,
    );
    const after = await program();
    expect(after.version).toBe(before.version + 1);
    expect(after.settings).toEqual({
      programId: "default",
      attribution: { touch: "last", windowDays: 14, probabilisticWindowHours: 2 },
      qualification: { windowDays: 60 },
      fraud: {
        holdThreshold: 70,
        weights: { shared_ip_prefix: 45 },
        maxReferralsPerReferrerPerDay: 20,
        autoApproveAfterHours: 48,
      },
      destinations: { ...LAUNCH, androidPlayStoreUrl: null },
    });

    const page = await (await client.get(PROGRAM_PAGE)).text();
    const row = new RegExp(`<tr id="version-${after.version}">([\\s\\S]*?)</tr>`).exec(page)?.[1];
    expect(textOf(row ?? "")).toContain("console launch");
    expect(page).toContain('value="https://apps.apple.com/app/id123456789"');

    // A second save changes one thing; the history says which.
    const again = await client.post(
      PROGRAM_PAGE,
      { ...programValues(after.settings, after.version), windowDays: "21" },
      { fromPage: PROGRAM_PAGE },
    );
    expect(again.status).toBe(303);
    const history = await (await client.get(PROGRAM_PAGE)).text();
    const last = new RegExp(`<tr id="version-${after.version + 1}">([\\s\\S]*?)</tr>`).exec(
      history,
    )?.[1];
    expect(textOf(last ?? "")).toContain("attribution.windowDays: 14 → 21");

    // Saving the form unchanged makes no new version.
    const current = await program();
    const unchanged = await client.post(
      PROGRAM_PAGE,
      programValues(current.settings, current.version),
      { fromPage: PROGRAM_PAGE },
    );
    expect(unchanged.status).toBe(303);
    expect((await program()).version).toBe(current.version);
  });

  test("invalid settings come back with the API's errors beside their fields; nothing is saved", async () => {
    const { client } = await signedIn("catalog");
    const before = await program();
    const refused = await client.post(
      PROGRAM_PAGE,
      {
        ...programValues(before.settings, before.version),
        windowDays: "400",
        webSignupUrl: "http://app.example.com/signup",
        "weight-shared_device": "150",
        autoApproveAfterHours: "soon",
      },
      { fromPage: PROGRAM_PAGE },
    );
    expect(refused.status).toBe(400);
    const page = await refused.text();
    expect(errorBeside(page, "windowDays")).toContain("365");
    expect(errorBeside(page, "webSignupUrl")).toContain("must be an https URL");
    expect(errorBeside(page, "weight-shared_device")).toContain("100");
    expect(errorBeside(page, "autoApproveAfterHours")).not.toBeNull();
    // What was typed is shown again.
    expect(page).toContain('value="http://app.example.com/signup"');
    expect((await program()).version).toBe(before.version);
  });

  test("a save over a newer version is refused: the page says who saved first and shows theirs", async () => {
    const { client } = await signedIn("catalog");
    const opened = await program();
    const first = await api("/admin/v1/referrals/program", {
      method: "PUT",
      headers: ADMIN_HEADERS,
      body: JSON.stringify({
        settings: {
          ...opened.settings,
          ...{ destinations: { ...LAUNCH, androidPlayStoreUrl: null } },
          attribution: { ...opened.settings.attribution, probabilisticWindowHours: 9 },
        },
        expectedVersion: opened.version,
      }),
    });
    expect(first.status).toBe(200);

    const stale = await client.post(
      PROGRAM_PAGE,
      { ...programValues(opened.settings, opened.version), probabilisticWindowHours: "3" },
      { fromPage: PROGRAM_PAGE },
    );
    expect(stale.status).toBe(409);
    const page = await stale.text();
    expect(textOf(page)).toContain(`Someone saved first. Version ${opened.version + 1} was saved`);
    expect(page).toContain(`name="expectedVersion" value="${opened.version + 1}"`);
    expect(page).toContain('name="probabilisticWindowHours" type="number" value="9"');
    expect((await program()).settings.attribution.probabilisticWindowHours).toBe(9);
  });
});

const LISTS_PAGE = "/console/referrals/risk-lists";

async function riskList(list: string): Promise<{ version: number; entries: string[] }> {
  const response = await api(`/admin/v1/risk-lists/${list}`, { headers: ADMIN_HEADERS });
  return (await response.json()) as { version: number; entries: string[] };
}

describe("the risk lists page", () => {
  test("a catalog operator reads both lists with no form; the API refuses a post", async () => {
    const { client } = await signedIn("catalog");
    const response = await client.get(LISTS_PAGE);
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page).toContain("<h1>Risk lists</h1>");
    expect(page).toContain('href="/console/referrals/risk-lists" aria-current="page"');
    expect(textOf(page)).toContain("Disposable e-mail domains");
    expect(textOf(page)).toContain("Datacenter and VPN IP ranges");
    expect(textOf(page)).toContain("replacing one needs the finance or admin role");
    expect(page).not.toContain("<textarea");

    const refused = await client.post(
      `${LISTS_PAGE}/disposable_email_domains`,
      { "entries-disposable_email_domains": "mailinator.com" },
      { fromPage: LISTS_PAGE },
    );
    expect(refused.status).toBe(403);
    expect(textOf(await refused.text())).toContain("needs scope finance or admin");
  });

  test("finance replaces a list one entry a line; the API's normalised list is shown", async () => {
    const { client } = await signedIn("finance");
    const before = await riskList("disposable_email_domains");
    const form = await (await client.get(LISTS_PAGE)).text();
    expect(form).toContain('id="f-entries-disposable_email_domains"');

    const saved = await client.post(
      `${LISTS_PAGE}/disposable_email_domains`,
      {
        expectedVersion: String(before.version),
        "entries-disposable_email_domains": "Temp-Mail.org\n\nmailinator.com\r\nmailinator.com\n",
      },
      { fromPage: LISTS_PAGE },
    );
    expect(saved.status).toBe(303);
    expect(decodeURIComponent(saved.headers.get("location") ?? "")).toContain(
      `Disposable e-mail domains saved: version ${before.version + 1}, 2 entries.`,
    );
    expect(await riskList("disposable_email_domains")).toMatchObject({
      version: before.version + 1,
      entries: ["mailinator.com", "temp-mail.org"],
    });
    const page = await (await client.get(LISTS_PAGE)).text();
    expect(page).toContain("mailinator.com\ntemp-mail.org</textarea>");
  });

  test("bad lines are named by their line; nothing is saved and what was typed comes back", async () => {
    const { client } = await signedIn("finance");
    const before = await riskList("datacenter_ip_ranges");
    const refused = await client.post(
      `${LISTS_PAGE}/datacenter_ip_ranges`,
      {
        expectedVersion: String(before.version),
        "entries-datacenter_ip_ranges": "203.0.113.0/24\n\nnot-a-range\n2001:db8::/32\n10.0.0.0/33",
      },
      { fromPage: LISTS_PAGE },
    );
    expect(refused.status).toBe(400);
    const page = await refused.text();
    const error = textOf(errorBeside(page, "entries-datacenter_ip_ranges") ?? "");
    expect(error).toContain('line 3 "not-a-range": must be an IPv4 or IPv6 range');
    expect(error).toContain('line 5 "10.0.0.0/33"');
    expect(page).toContain("203.0.113.0/24\n\nnot-a-range");
    expect((await riskList("datacenter_ip_ranges")).version).toBe(before.version);
  });

  test("a replace over a newer version is refused: the page shows who saved first and keeps what was sent", async () => {
    const { client } = await signedIn("finance");
    const opened = await riskList("datacenter_ip_ranges");
    const first = await api("/admin/v1/risk-lists/datacenter_ip_ranges", {
      method: "PUT",
      headers: ADMIN_HEADERS,
      body: JSON.stringify({ entries: ["198.51.100.0/24"], expectedVersion: opened.version }),
    });
    expect(first.status).toBe(200);

    const stale = await client.post(
      `${LISTS_PAGE}/datacenter_ip_ranges`,
      { expectedVersion: String(opened.version), "entries-datacenter_ip_ranges": "192.0.2.0/24" },
      { fromPage: LISTS_PAGE },
    );
    expect(stale.status).toBe(409);
    const page = textOf(await stale.text());
    expect(page).toContain(`Someone saved first. Version ${opened.version + 1} was saved by`);
    expect(page).toContain("What you sent (not saved)192.0.2.0/24");
    expect((await riskList("datacenter_ip_ranges")).entries).toEqual(["198.51.100.0/24"]);
  });
});

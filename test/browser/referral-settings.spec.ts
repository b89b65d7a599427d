import {
  expect,
  expectNoSeriousA11yViolations,
  runtimeInfo,
  screenshot,
  test,
} from "./support/index";

/**
 * The referral program's settings and the risk lists in a real browser: a catalog operator
 * sees a bad value come back beside its field, then saves a setting and finds it in the
 * version history (and in the admin API); finance replaces a risk list, a bad line named by
 * its number first; a viewer reads both pages with no way to save.
 */

async function adminGet<T>(path: string): Promise<T> {
  const { baseUrl, adminKey } = runtimeInfo();
  const response = await fetch(`${baseUrl}${path}`, {
    headers: { authorization: `Bearer ${adminKey}` },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as T;
}

const currentProgram = () =>
  adminGet<{
    version: number;
    settings: {
      attribution: { windowDays: number; probabilisticWindowHours: number };
      destinations: Record<string, string | null>;
    };
  }>("/admin/v1/referrals/program");

test.describe("as a catalog operator", () => {
  test.use({ signInAs: "catalog" });

  test("a bad value is shown at its field; a saved setting is in the versions list", async ({
    page,
  }) => {
    const before = await currentProgram();
    await page.goto("/console/referrals");
    await page
      .getByRole("navigation", { name: "Referrals sections" })
      .getByRole("link", { name: "Program settings" })
      .click();
    await expect(
      page.getByRole("heading", { level: 1, name: "Referral program settings" }),
    ).toBeVisible();
    await expectNoSeriousA11yViolations(page);

    // An http destination and a window past a year come back beside their fields.
    await page.getByLabel("Web signup page").fill("http://app.example.com/signup");
    await page.getByLabel("Attribution window (days)").fill("400");
    await page.getByRole("button", { name: "Save settings" }).click();
    await expect(page.locator("#f-webSignupUrl-error")).toContainText("must be an https URL");
    await expect(page.locator("#f-windowDays-error")).toContainText("365");
    await expect(page.getByLabel("Attribution window (days)")).toHaveAttribute(
      "aria-invalid",
      "true",
    );
    await expectNoSeriousA11yViolations(page);
    expect((await currentProgram()).version).toBe(before.version);

    const days = before.settings.attribution.windowDays === 14 ? "15" : "14";
    await page.getByLabel("Web signup page").fill("https://app.example.com/signup");
    await page.getByLabel("Attribution window (days)").fill(days);
    await page.getByLabel("Weight of shared_ip_prefix").fill("35");
    await page.getByLabel("Note").fill("shorter window from the browser");
    await screenshot(page, "referrals-program-form");
    await page.getByRole("button", { name: "Save settings" }).click();
    await expect(page.getByRole("status")).toContainText(
      `version ${before.version + 1} is current`,
    );
    await expect(page.getByLabel("Attribution window (days)")).toHaveValue(days);
    const newest = page.locator(`#version-${before.version + 1}`);
    await expect(newest).toContainText("shorter window from the browser");
    await expect(newest).toContainText("fraud.weights.shared_ip_prefix");
    const after = await currentProgram();
    expect(after.version).toBe(before.version + 1);
    expect(after.settings.attribution.windowDays).toBe(Number(days));
  });
});

test.describe("as a catalog operator who saves second", () => {
  test.use({ signInAs: "catalog" });

  test("is told someone saved first and sees their version", async ({ page }) => {
    const opened = await currentProgram();
    await page.goto("/console/referrals/program");
    await page.getByLabel("Probabilistic window (hours)").fill("5");

    // Another operator saves meanwhile, through the admin API.
    const { baseUrl, adminKey } = runtimeInfo();
    const hours = opened.settings.attribution.probabilisticWindowHours === 11 ? 12 : 11;
    const first = await fetch(`${baseUrl}/admin/v1/referrals/program`, {
      method: "PUT",
      headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
      body: JSON.stringify({
        settings: {
          ...opened.settings,
          attribution: { ...opened.settings.attribution, probabilisticWindowHours: hours },
          destinations: {
            ...opened.settings.destinations,
            webSignupUrl: "https://app.example.com/join",
          },
        },
        expectedVersion: opened.version,
      }),
    });
    expect(first.status).toBe(200);

    await page.getByRole("button", { name: "Save settings" }).click();
    await expect(page.getByRole("alert")).toContainText(
      `Someone saved first. Version ${opened.version + 1} was saved by`,
    );
    await expect(page.getByLabel("Probabilistic window (hours)")).toHaveValue(String(hours));
    await expectNoSeriousA11yViolations(page);
    expect((await currentProgram()).settings.attribution.probabilisticWindowHours).toBe(hours);
  });
});

test.describe("as finance", () => {
  test.use({ signInAs: "finance" });

  test("replaces a risk list, a bad line named by its number first", async ({ page }) => {
    const before = await adminGet<{ version: number }>(
      "/admin/v1/risk-lists/disposable_email_domains",
    );
    await page.goto("/console/referrals/program");
    await page
      .getByRole("navigation", { name: "Referrals sections" })
      .getByRole("link", { name: "Risk lists" })
      .click();
    await expect(page.getByRole("heading", { level: 1, name: "Risk lists" })).toBeVisible();

    const domains = page.getByLabel("Disposable e-mail domains, one per line");
    await domains.fill("Mailinator.com\nnot a domain\n\ntemp-mail.org");
    await page.getByRole("button", { name: "Replace disposable e-mail domains" }).click();
    await expect(page.locator("#f-entries-disposable_email_domains-error")).toContainText(
      'line 2 "not a domain": must be a domain name',
    );
    await expect(domains).toHaveAttribute("aria-invalid", "true");
    await expectNoSeriousA11yViolations(page);

    await domains.fill("Mailinator.com\n\ntemp-mail.org\nmailinator.com");
    await page.getByRole("button", { name: "Replace disposable e-mail domains" }).click();
    await expect(page.getByRole("status")).toContainText(
      `Disposable e-mail domains saved: version ${before.version + 1}, 2 entries.`,
    );
    await expect(domains).toHaveValue("mailinator.com\ntemp-mail.org");
    await screenshot(page, "referrals-risk-lists-saved");
    const after = await adminGet<{ version: number; entries: string[] }>(
      "/admin/v1/risk-lists/disposable_email_domains",
    );
    expect(after).toMatchObject({
      version: before.version + 1,
      entries: ["mailinator.com", "temp-mail.org"],
    });
  });
});

test.describe("as a viewer", () => {
  test.use({ signInAs: "viewer" });

  test("reads the settings and the lists with no way to save", async ({ page }) => {
    await page.goto("/console/referrals/program");
    await expect(page.getByText("Your role reads the program")).toBeVisible();
    await expect(page.getByRole("button", { name: "Save settings" })).toHaveCount(0);
    await page.goto("/console/referrals/risk-lists");
    await expect(page.getByText("replacing one needs the finance or admin role")).toBeVisible();
    await expect(page.getByRole("button", { name: /^Replace/ })).toHaveCount(0);
    await expectNoSeriousA11yViolations(page);
  });
});

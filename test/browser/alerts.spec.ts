import {
  asAdmin,
  expect,
  expectNoSeriousA11yViolations,
  processorIsBack,
  runtimeInfo,
  stuckPayout,
  test,
} from "./support/index";

/**
 * Operator alerts in a real browser (docs/alerts.md): a payout left `stuck` by the sandbox
 * processor being down is the seeded condition; the ten-minute cron (asked for through
 * wrangler dev's scheduled handler) raises the `payouts_stuck` alert; a finance operator sees it
 * on the Alerts page, acknowledges it and resolves it, and the audit log keeps both. An admin
 * changes the alert settings in the form (each bad value shown at its field, the webhook secret
 * write-only); finance reads them with no way to save.
 */

const SECRET = "browser-alert-webhook-secret-0123456789";

async function runAlertCron() {
  const { baseUrl } = runtimeInfo();
  const response = await fetch(`${baseUrl}/cdn-cgi/handler/scheduled?cron=*/10+*+*+*+*`);
  expect(response.ok).toBe(true);
}

test.describe("as finance", () => {
  test.use({ signInAs: "finance" });

  test.afterEach(async () => {
    await processorIsBack();
  });

  test("an alert raised by a stuck payout is listed, acknowledged and resolved", async ({
    page,
  }) => {
    await stuckPayout();

    const row = () => page.locator("tr", { hasText: "payouts_stuck" });
    // The cron's jobs finish after the scheduled request answers (waitUntil): ask and look again.
    await expect(async () => {
      await runAlertCron();
      await page.goto("/console/alerts?state=open");
      await expect(row()).toBeVisible({ timeout: 500 });
    }).toPass({ timeout: 20_000, intervals: [1_000] });
    await expect(row()).toContainText("stuck after exhausting retries");

    await row().getByRole("button", { name: "Acknowledge" }).click();
    await expect(page.getByRole("status")).toContainText("Alert acknowledged.");
    await expect(row()).toContainText("acknowledged by");

    await row().getByRole("button", { name: "Resolve" }).click();
    await expect(page.getByRole("status")).toContainText("Alert resolved.");
    await expect(row()).toContainText("resolved by");

    await page.goto("/console/audit?pathPrefix=/admin/v1/alerts");
    await expect(page.locator("main")).toContainText("createAlertAcknowledgement");
    await expect(page.locator("main")).toContainText("createAlertResolution");
  });
});

test.describe("alert settings as admin", () => {
  test.use({ signInAs: "admin" });

  test("a bad value is shown at its field; the saved settings reach the API, the secret never shown", async ({
    page,
  }) => {
    await page.goto("/console/alerts");
    const form = page.locator("#alert-settings-form");
    await expect(form).toBeVisible();
    await expectNoSeriousA11yViolations(page);

    await page.getByLabel("Primary contact: name").fill("On call");
    await page.getByLabel("Primary contact: e-mail").fill("oncall@example.com");
    await page.getByLabel("Primary contact: webhook URL").fill("https://ops.example.com/hook");
    await page.getByLabel("Escalate after (minutes)").fill("5000");
    await page.getByRole("button", { name: "Save alert settings" }).click();
    await expect(page.locator("#f-escalateAfterMinutes-error")).toContainText("1440");
    await expect(page.getByLabel("Escalate after (minutes)")).toHaveAttribute(
      "aria-invalid",
      "true",
    );
    // What was typed is kept.
    await expect(page.getByLabel("Primary contact: name")).toHaveValue("On call");

    // A webhook needs a signing secret, and none is set yet.
    await page.getByLabel("Escalate after (minutes)").fill("15");
    await page.getByRole("button", { name: "Save alert settings" }).click();
    await expect(page.locator("#f-webhookSecret-error")).toContainText("signing secret");

    await page.getByLabel("Set a new secret").check();
    await page.getByLabel("New secret", { exact: true }).fill(SECRET);
    await page.getByLabel("Stuck payouts").fill("2");
    await page.getByRole("button", { name: "Save alert settings" }).click();
    await expect(page.getByRole("status")).toContainText("Alert settings saved.");
    await expect(page.locator("main")).toContainText("Webhook signing secret (set)");
    expect(await page.content()).not.toContain(SECRET);
    await expect(page.getByLabel("New secret", { exact: true })).toHaveValue("");

    const saved = await asAdmin<{
      primary: { name: string; email: string; webhookUrl: string };
      escalateAfterMinutes: number;
      webhookSecretSet: boolean;
      thresholds: { stuckPayouts: number };
    }>("/admin/v1/alert-settings");
    expect(saved).toMatchObject({
      primary: {
        name: "On call",
        email: "oncall@example.com",
        webhookUrl: "https://ops.example.com/hook",
      },
      escalateAfterMinutes: 15,
      webhookSecretSet: true,
      thresholds: { stuckPayouts: 2 },
    });

    // Keep (the default) leaves the secret; remove takes it away (and the webhook with it).
    await page.getByLabel("Primary contact: webhook URL").fill("");
    await page.getByLabel("Remove the secret").check();
    await page.getByRole("button", { name: "Save alert settings" }).click();
    await expect(page.getByRole("status")).toContainText("Alert settings saved.");
    await expect(page.locator("main")).toContainText("Webhook signing secret (not set)");
    expect(
      (await asAdmin<{ webhookSecretSet: boolean }>("/admin/v1/alert-settings")).webhookSecretSet,
    ).toBe(false);
  });
});

test.describe("alert settings as finance", () => {
  test.use({ signInAs: "finance" });

  test("reads the settings with no way to save them", async ({ page }) => {
    await page.goto("/console/alerts");
    await expect(page.locator("#alert-settings-form")).toHaveCount(0);
    await expect(page.getByRole("button", { name: "Save alert settings" })).toHaveCount(0);
    await expect(page.locator("main")).toContainText("changing them needs the admin role");
    await expect(page.locator("main")).toContainText("Stuck payouts");
  });
});

import { expect, processorIsBack, runtimeInfo, stuckPayout, test } from "./support/index";

/**
 * Operator alerts in a real browser (docs/alerts.md): a payout left `stuck` by the sandbox
 * processor being down is the seeded condition; the ten-minute cron (asked for through
 * wrangler dev's scheduled handler) raises the `payouts_stuck` alert; a finance operator sees it
 * on the Alerts page, acknowledges it and resolves it, and the audit log keeps both.
 */

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

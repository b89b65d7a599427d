import { readFile } from "node:fs/promises";
import { expect, test } from "./support/index";

/**
 * The analytics section (docs/analytics.md) against the browser tests' local runtime: a viewer
 * opens it from the nav, filters by a range and a network, sees the funnel beside the previous
 * period, and downloads the per-offer funnel as CSV.
 */

test.describe("analytics as a viewer", () => {
  test.use({ signInAs: "viewer" });

  test("opens, filters and downloads the funnel CSV", async ({ page }) => {
    await page.goto("/console");
    await page.getByRole("link", { name: "Analytics", exact: true }).click();
    await expect(page).toHaveURL(/\/console\/analytics/);
    await expect(page.getByRole("heading", { name: /^Funnel/ })).toBeVisible();
    await expect(page.getByRole("heading", { name: "Cohorts by signup week" })).toBeVisible();

    const today = new Date().toISOString().slice(0, 10);
    const weekAgo = new Date(Date.now() - 6 * 86_400_000).toISOString().slice(0, 10);
    await page.getByLabel("From (UTC day)").fill(weekAgo);
    await page.getByLabel("To (UTC day, included)").fill(today);
    await page.getByLabel("Network", { exact: true }).fill("no-such-network");
    await page.getByRole("button", { name: "Show" }).click();
    await expect(page).toHaveURL(/networkId=no-such-network/);
    await expect(page.locator('[data-figure="funnel-clicks"]')).toHaveText("0");
    await expect(page.getByText("No clicks or conversions in this range.")).toBeVisible();

    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("link", { name: "Download CSV" }).first().click(),
    ]);
    expect(download.suggestedFilename()).toBe(`analytics-funnel_${weekAgo}_${today}.csv`);
    const path = await download.path();
    const text = await readFile(path, "utf8");
    expect(text.split("\r\n")[0]).toBe(
      "network_id,merchant_id,offer_id,clicks,conversions,confirmed,paid",
    );
  });
});

import { readFile } from "node:fs/promises";
import type { Download } from "@playwright/test";
import { expect, test } from "./support/index";

/**
 * The analytics section's other funnels (docs/analytics.md "Points", "Fraud holds", "Referral
 * funnel"): a viewer goes from the analytics page to the points, fraud-hold and referral views,
 * filters by a range and the view's dimension, sees the figures beside the previous period, and
 * downloads each view's CSV.
 */

const csvHeader = async (download: Download) =>
  (await readFile(await download.path(), "utf8")).split("\r\n")[0];

test.describe("analytics funnels as a viewer", () => {
  test.use({ signInAs: "viewer" });

  test("points, fraud holds and referrals open, filter and download CSV", async ({ page }) => {
    const today = new Date().toISOString().slice(0, 10);
    const weekAgo = new Date(Date.now() - 6 * 86_400_000).toISOString().slice(0, 10);

    await page.goto("/console/analytics");
    await page.getByRole("link", { name: "Points", exact: true }).click();
    await expect(page).toHaveURL(/\/console\/analytics\/points/);
    await expect(page.getByRole("heading", { name: "Points: earned → redeemed" })).toBeVisible();
    await page.getByLabel("From (UTC day)").fill(weekAgo);
    await page.getByLabel("To (UTC day, included)").fill(today);
    await page.getByLabel("Source of the points").fill("no-such-source");
    await page.getByRole("button", { name: "Show" }).click();
    await expect(page).toHaveURL(/sourceType=no-such-source/);
    await expect(page.locator('[data-figure="Points earned"]')).toHaveText("0");
    await expect(page.getByText("No points moved in this range.")).toBeVisible();
    const [points] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("link", { name: "Download CSV" }).click(),
    ]);
    expect(points.suggestedFilename()).toBe(`analytics-points_${weekAgo}_${today}.csv`);
    expect(await csvHeader(points)).toBe(
      "day,earned,redeemed,expired,reversed,members_earning,members_redeeming",
    );

    await page
      .getByRole("navigation", { name: "Analytics pages" })
      .getByRole("link", { name: "Fraud holds" })
      .click();
    await expect(page).toHaveURL(/\/console\/analytics\/risk-holds/);
    await expect(
      page.getByRole("heading", { name: "Fraud holds and false positives" }),
    ).toBeVisible();
    await page.getByLabel("Reason code").fill("no_such_reason");
    await page.getByRole("button", { name: "Show" }).click();
    await expect(page).toHaveURL(/reason=no_such_reason/);
    await expect(page.locator('[data-figure="Holds placed"]')).toHaveText("0");
    await expect(page.locator('[data-figure="false-positive-rate"]')).toContainText("—");
    const [holds] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("link", { name: "Download CSV" }).click(),
    ]);
    expect(holds.suggestedFilename()).toMatch(/^analytics-risk-holds_.*\.csv$/);
    expect(await csvHeader(holds)).toBe(
      "scope,key,placed,pending,released,stepped_up,confirmed_fraud,decided,false_positives,false_positive_rate_pct",
    );

    await page
      .getByRole("navigation", { name: "Analytics pages" })
      .getByRole("link", { name: "Referrals per program" })
      .click();
    await expect(page).toHaveURL(/\/console\/analytics\/referrals/);
    await expect(page.getByRole("heading", { name: /^Referrals: share → click/ })).toBeVisible();
    await expect(page.getByRole("link", { name: "the referral funnel" })).toHaveAttribute(
      "href",
      "/console/referrals/funnel",
    );
    const [referrals] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("link", { name: "Download CSV" }).click(),
    ]);
    expect(referrals.suggestedFilename()).toMatch(/^analytics-referrals_.*\.csv$/);
    expect(await csvHeader(referrals)).toBe(
      "scope,key,codes_issued,referrers_clicked,clicks,signups,qualified,rewarded",
    );
  });
});

import { randomBytes } from "node:crypto";
import {
  expect,
  expectNoSeriousA11yViolations,
  fillFormByKeyboard,
  runtimeInfo,
  screenshot,
  skipToContent,
  test,
} from "./support/index";

/**
 * The loyalty program page in a real browser: a catalog operator changes a setting and sees
 * it saved as a new version (and read back through the admin API), a bad value comes back
 * beside its field, and codes uploaded to a new voucher pool show in its counts.
 */

async function currentProgram(): Promise<{
  version: number;
  settings: { tiers: { graceDays: number } };
}> {
  const { baseUrl, adminKey } = runtimeInfo();
  const response = await fetch(`${baseUrl}/admin/v1/loyalty/program`, {
    headers: { authorization: `Bearer ${adminKey}` },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { version: number; settings: { tiers: { graceDays: number } } };
}

test.describe("as a catalog operator", () => {
  test.use({ signInAs: "catalog" });

  test("changes a setting and sees it saved as a new version", async ({ page }) => {
    const before = await currentProgram();
    await page.goto("/console");
    await page.getByRole("link", { name: "Loyalty program" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Loyalty program" })).toBeVisible();
    await expectNoSeriousA11yViolations(page);

    // A bad time zone comes back beside its field, and nothing is saved.
    await page.getByLabel("Time zone").fill("Mars/Olympus");
    await page.getByRole("button", { name: "Save settings" }).click();
    await expect(page.locator("#f-timeZone-error")).toContainText("unknown IANA time zone");
    await expect(page.getByLabel("Time zone")).toHaveAttribute("aria-invalid", "true");
    expect((await currentProgram()).version).toBe(before.version);

    const grace = before.settings.tiers.graceDays === 45 ? "46" : "45";
    await page.getByLabel("Time zone").fill("Asia/Kolkata");
    await page.getByLabel("Downgrade grace (days)").fill(grace);
    await page.getByLabel("Note").fill("longer grace in the browser");
    await screenshot(page, "loyalty-program");
    await page.getByRole("button", { name: "Save settings" }).click();
    await expect(page.getByRole("status")).toContainText(
      `version ${before.version + 1} is current`,
    );
    await expect(page.getByLabel("Downgrade grace (days)")).toHaveValue(grace);
    await expect(page.getByRole("table", { name: "Saved versions, newest first" })).toContainText(
      "longer grace in the browser",
    );
    const after = await currentProgram();
    expect(after.version).toBe(before.version + 1);
    expect(after.settings.tiers.graceDays).toBe(Number(grace));
  });

  test("uploads codes to a new voucher pool and sees the counts", async ({ page }) => {
    const poolId = `browser-${randomBytes(4).toString("hex")}`;
    await page.goto("/console/loyalty");
    await page.getByLabel("Pool id").fill(poolId);
    await page.getByLabel("Pool name").fill("Browser coffee");
    await page.getByLabel("Points per code").fill("300");
    await page.getByRole("button", { name: "Create pool" }).click();
    await expect(page.getByRole("status")).toContainText(`Voucher pool ${poolId} created`);

    const codes = page.getByLabel("Codes for Browser coffee, one per line");
    await codes.fill("B-1\nB-2\nB-3\nB-2\n");
    await page
      .getByRole("form", { name: "Upload codes to Browser coffee" })
      .getByRole("button", { name: "Upload codes" })
      .click();
    await expect(page.getByRole("status")).toContainText(
      `3 codes added to ${poolId}; 1 already there or repeated`,
    );
    const row = page.locator(`#pool-${poolId}`);
    await expect(row.locator("td.num")).toHaveText(["300", "3", "0", "3"]);
    await screenshot(page, "loyalty-program-pools");
  });

  test("saves a setting and creates a pool with the keyboard alone", async ({ page }) => {
    const before = await currentProgram();
    await page.goto("/console/loyalty");
    await skipToContent(page);
    const grace = before.settings.tiers.graceDays === 21 ? "22" : "21";
    await fillFormByKeyboard(page, { "Downgrade grace (days)": grace }, "Save settings", {
      maxTabs: 200,
    });
    await expect(page.getByRole("status")).toContainText(
      `version ${before.version + 1} is current`,
    );
    expect((await currentProgram()).settings.tiers.graceDays).toBe(Number(grace));

    const poolId = `keys-${randomBytes(4).toString("hex")}`;
    await skipToContent(page);
    await fillFormByKeyboard(
      page,
      { "Pool id": poolId, "Pool name": `Keyboard ${poolId}`, "Points per code": "120" },
      "Create pool",
      { maxTabs: 300 },
    );
    await expect(page.getByRole("status")).toContainText(`Voucher pool ${poolId} created`);
  });
});

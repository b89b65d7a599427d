import { randomBytes } from "node:crypto";
import {
  asAdmin,
  asUser,
  expect,
  expectNoSeriousA11yViolations,
  screenshot,
  test,
} from "./support/index";
import { heldReferral } from "./support/referrals";

/**
 * Referrer bans and reason-text translations in a real browser (docs/console.md, "Referrer
 * bans", "Reason texts"): a finance operator bans a referrer from their user page with a
 * reason, sees how many referrals the ban rejected, finds the held referral rejected
 * (`referrer_banned`, with who and why) on its timeline, and lifts the ban from there. A
 * catalog operator adds a locale's text for one reason code and the member reads it in that
 * language.
 * Fixtures: test/browser/support/referrals.ts, through the runtime's own APIs.
 */

test.describe("as finance", () => {
  test.use({ signInAs: "finance" });

  test("bans a referrer from the user page; the held referral is rejected; unbans", async ({
    page,
    operators,
  }) => {
    const { referrer, referralId } = await heldReferral();
    await page.goto(`/console/users/${referrer}`);
    const box = page.getByRole("region", { name: "Ban from referring" });
    await expect(box).toContainText("may refer");
    await expectNoSeriousA11yViolations(page);
    await screenshot(page, "referral-ban-user");

    const reason = `Ring of invented friends ${randomBytes(3).toString("hex")}`;
    await box.getByLabel("Reason to ban from referring").fill(reason);
    await box.getByRole("button", { name: "Ban from referring" }).click();
    await expect(page.getByRole("status")).toContainText(
      new RegExp(
        `${referrer} is banned from referring: \\d+ referrals? not yet rewarded (was|were) rejected`,
      ),
    );
    await expect(box).toContainText(reason);
    await expect(box.getByRole("button", { name: "Lift the ban" })).toBeVisible();

    // The held referral: rejected because its referrer was banned, by whom and why.
    await page.goto(`/console/referrals/${referralId}`);
    const timeline = page.locator("ol.timeline");
    await expect(timeline).toContainText("held → rejected");
    await expect(timeline).toContainText("referrer_banned");
    await expect(timeline).toContainText(`by ${operators.finance.email}: ${reason}`);
    await expectNoSeriousA11yViolations(page);
    await screenshot(page, "referral-ban-timeline");

    await page.getByRole("button", { name: "Lift the ban" }).click();
    await expect(page.getByRole("status")).toContainText(`${referrer} may refer again`);
    const ban = await asAdmin<{ banned: boolean }>(`/admin/v1/referrals/referrers/${referrer}/ban`);
    expect(ban.banned).toBe(false);
    const detail = await asAdmin<{ referral: { state: string } }>(
      `/admin/v1/referrals/${referralId}`,
    );
    expect(detail.referral.state).toBe("rejected");
  });
});

test.describe("as catalog", () => {
  test.use({ signInAs: "catalog" });

  test("adds a locale's text for a reason code; the member reads it", async ({ page }) => {
    const { referrer } = await heldReferral();
    // The code the referrer's friend is shown with, in English for now.
    type Mine = { friends: Array<{ reason: string; reasonText: string }> };
    const before = await asUser<Mine>(referrer, "/v1/me/referrals?locale=es-MX");
    const code = before.friends[0]?.reason ?? "";
    expect(code).not.toBe("");
    await page.goto("/console/referrals");
    await page.getByRole("link", { name: "Reason texts", exact: true }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Referral reason texts");
    await page.getByLabel("Add or open a locale").fill("es-mx");
    await page.getByRole("button", { name: "Open" }).click();
    await expect(page).toHaveURL(/\/console\/referrals\/reason-texts\/es-MX$/);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Reason texts: es-MX");

    const field = page.getByLabel(code, { exact: true });
    await expect(field).toHaveAccessibleDescription(/^English: /);
    const text = `Tu amigo está en revisión ${randomBytes(2).toString("hex")}`;
    await field.fill(text);
    await expectNoSeriousA11yViolations(page);
    await screenshot(page, "referral-reason-texts-locale");
    await page.getByRole("button", { name: "Save texts" }).click();
    await expect(page.getByRole("status")).toContainText("es-MX saved: 1 text translated");
    await expect(field).toHaveValue(text);

    // The referrer's friend, in Spanish now.
    const after = await asUser<Mine>(referrer, "/v1/me/referrals?locale=es-MX");
    expect(after.friends.find((f) => f.reason === code)?.reasonText).toBe(text);

    await page.getByRole("link", { name: "All locales" }).click();
    await expect(page.getByRole("table", { name: "Translated locales" })).toContainText("es-MX");
    await screenshot(page, "referral-reason-texts");
  });
});

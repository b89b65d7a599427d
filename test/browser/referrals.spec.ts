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
 * The console's Referrals section in a real browser (docs/console.md, "Referrals"), issue 12's
 * "approve a held referral in the console and see the reward in the referrer's wallet": a
 * friend who signed up on the referrer's device is held by the `shared_device` signal; a
 * finance operator finds the referral in the review queue with its signal, approves it with a
 * reason, reads the decision in the referral's timeline, and sees ₹10 in the referrer's
 * wallet. A viewer reads the queue without the decision forms. Fixtures:
 * test/browser/support/referrals.ts, through the runtime's own APIs.
 */

test.describe("as finance", () => {
  test.use({ signInAs: "finance" });

  test("approves a held referral and sees the reward in the referrer's wallet", async ({
    page,
    operators,
  }) => {
    const { referrer, referee, referralId } = await heldReferral();
    await page.goto("/console");
    await page.getByRole("link", { name: "Referrals", exact: true }).click();
    await page.getByRole("link", { name: "Review queue", exact: true }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Referral review queue");
    await page.getByLabel("Referrer (user id)").fill(referrer);
    await page.getByRole("button", { name: "Show" }).click();

    const row = page.getByRole("row", { name: new RegExp(referralId) });
    await expect(row).toContainText("shared_device");
    await expect(row).toContainText(referee);
    await expectNoSeriousA11yViolations(page);
    await screenshot(page, "referrals-review");

    // Nothing was credited to the referrer while the referral is held.
    const before = await asUser<{ earned: { money: unknown[] } }>(referrer, "/v1/me/referrals");
    expect(before.earned.money).toEqual([]);

    const reason = `Same household, checked ${randomBytes(3).toString("hex")}`;
    await row.getByLabel("Reason to approve").fill(reason);
    await row.getByRole("button", { name: "Approve" }).click();
    await expect(page.getByRole("status")).toContainText(`Referral ${referralId} approved`);

    // The referral's timeline: the approval with who and why.
    await page.goto(`/console/referrals/${referralId}`);
    const timeline = page.locator("ol.timeline");
    await expect(timeline).toContainText("hold_approved");
    await expect(timeline).toContainText(`by ${operators.finance.email}: ${reason}`);
    await expect(page.getByRole("table", { name: `Rewards of ${referralId}` })).toContainText(
      "₹10.00",
    );
    await expectNoSeriousA11yViolations(page);
    await screenshot(page, "referrals-timeline");

    // The referrer's wallet, as the console shows it: the reward credited once.
    await page.getByRole("link", { name: referrer, exact: true }).first().click();
    await expect(page.getByRole("heading", { level: 1 })).toContainText(referrer);
    const ledger = page.getByRole("table", { name: "Ledger entries, newest first" });
    await expect(async () => {
      await page.reload();
      await expect(
        ledger.getByRole("row").filter({ hasText: "referral_bonus" }).filter({ hasText: "₹10.00" }),
      ).not.toHaveCount(0);
    }).toPass({ timeout: 20_000 });
    await screenshot(page, "referrals-referrer-wallet");
    // And as the referrer sees it.
    const after = await asUser<{ earned: { money: unknown[] } }>(referrer, "/v1/me/referrals");
    expect(after.earned.money).toEqual([{ currency: "INR", amountMinor: 1_000 }]);
    const detail = await asAdmin<{ rewards: Array<{ party: string; status: string }> }>(
      `/admin/v1/referrals/${referralId}`,
    );
    expect(detail.rewards.find((r) => r.party === "referrer")?.status).toBe("delivered");
  });
});

test.describe("as a viewer", () => {
  test.use({ signInAs: "viewer" });

  test("reads the campaigns, the funnel and the queue, without decisions", async ({ page }) => {
    const { referrer, referralId } = await heldReferral();
    await page.goto("/console/referrals");
    await expect(page.getByRole("table", { name: /Live referral campaigns/ })).toContainText(
      "browser-ref-deposit",
    );
    await expectNoSeriousA11yViolations(page);
    await screenshot(page, "referrals-campaigns");

    await page.getByRole("link", { name: "Funnel of browser-ref-deposit" }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Referral funnel");
    await expect(
      page.getByRole("img", { name: /Referral funnel of browser-ref-deposit/ }),
    ).toBeVisible();
    await expectNoSeriousA11yViolations(page);
    await screenshot(page, "referrals-funnel");

    await page.goto(`/console/referrals/review?referrerId=${referrer}`);
    const row = page.getByRole("row", { name: new RegExp(referralId) });
    await expect(row).toContainText("shared_device");
    await expect(page.getByRole("button", { name: "Approve" })).toHaveCount(0);
  });
});

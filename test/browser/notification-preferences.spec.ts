import { randomBytes } from "node:crypto";
import {
  asAdmin,
  asUser,
  expect,
  expectNoSeriousA11yViolations,
  screenshot,
  test,
} from "./support/index";

/**
 * A member's notification preferences in the console's user view (issue 15): finance opts the
 * member out of promotional messages and turns off SMS for transactional ones, and the user
 * API reads the change back. That the next promotional message is then withheld is
 * promotional-preference.spec.ts.
 */

test.describe("as finance", () => {
  test.use({ signInAs: "finance" });

  test("changes a preference in the user view and sees it saved", async ({ page }) => {
    const userId = `prefs-${randomBytes(4).toString("hex")}`;
    await asAdmin(`/admin/v1/users/${userId}`, { method: "PUT", body: JSON.stringify({}) });
    await asUser(userId, "/v1/me/notification-preferences", {
      method: "PUT",
      body: JSON.stringify({ promotionalOptIn: true }),
    });

    await page.goto(`/console/users/${userId}`);
    const panel = page.getByRole("region", { name: "Notification preferences" });
    const optIn = panel.getByLabel("Opted in to promotional messages");
    await expect(optIn).toBeChecked();
    await optIn.uncheck();
    await panel.getByLabel("transactional by sms").uncheck();
    await panel.getByLabel("Quiet hours from").fill("21:30");
    await panel.getByRole("button", { name: "Save notification preferences" }).click();

    await expect(page.getByText("Notification preferences saved.")).toBeVisible();
    await expect(panel.getByLabel("Opted in to promotional messages")).not.toBeChecked();
    await expect(panel.getByLabel("transactional by sms")).not.toBeChecked();
    await expect(panel.getByLabel("Quiet hours from")).toHaveValue("21:30");
    await expectNoSeriousA11yViolations(page);
    await screenshot(page, "user-notification-preferences");

    const saved = await asUser<{
      promotionalOptIn: boolean;
      channels: Record<string, Record<string, boolean>>;
      quietHours: { start: string; end: string } | null;
    }>(userId, "/v1/me/notification-preferences");
    expect(saved.promotionalOptIn).toBe(false);
    expect(saved.channels.transactional?.sms).toBe(false);
    expect(saved.channels.transactional?.email).toBe(true);
    expect(saved.quietHours).toEqual({ start: "21:30", end: "08:00" });

    // The change is in the audit log, as every console change.
    const audit = await asAdmin<{ items: Array<{ path: string; method: string }> }>(
      `/admin/v1/audit-log?limit=20&pathPrefix=${encodeURIComponent(`/admin/v1/users/${userId}/`)}`,
    );
    expect(
      audit.items.some(
        (e) =>
          e.method === "PUT" && e.path === `/admin/v1/users/${userId}/notification-preferences`,
      ),
    ).toBe(true);
  });
});

test.describe("as support", () => {
  test.use({ signInAs: "support" });

  test("sees the preferences but cannot change them", async ({ page }) => {
    const userId = `prefs-${randomBytes(4).toString("hex")}`;
    await asAdmin(`/admin/v1/users/${userId}`, { method: "PUT", body: JSON.stringify({}) });
    await page.goto(`/console/users/${userId}`);
    const panel = page.getByRole("region", { name: "Notification preferences" });
    await expect(panel.getByLabel("critical by push")).toBeChecked();
    await expect(panel.getByLabel("critical by push")).toBeDisabled();
    await expect(panel.getByRole("button", { name: "Save notification preferences" })).toHaveCount(
      0,
    );
  });
});

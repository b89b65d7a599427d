import { asAdmin, expect, expectNoSeriousA11yViolations, screenshot, test } from "./support/index";

/**
 * The operator's notification settings form (docs/notifications.md "Receipts and escalation"):
 * an admin turns on e-mail open tracking and the escalation of unopened pushes, and the API
 * reads the change back; support sees the form read-only. The settings are the runtime's own,
 * so the test puts back what it found.
 */

interface Settings {
  emailTracking: { opens: boolean; clicks: boolean };
  escalateUnopenedPushAfterHours: number | null;
  updatedAt?: string | null;
}

const API = "/admin/v1/notification-settings";

async function restore(before: Settings) {
  const { updatedAt: _updatedAt, ...body } = before;
  await asAdmin(API, { method: "PUT", body: JSON.stringify(body) });
}

test.describe("as admin", () => {
  test.use({ signInAs: "admin" });

  test("turns on open tracking and push escalation, and the API reads them back", async ({
    page,
  }) => {
    const before = await asAdmin<Settings>(API);
    try {
      await page.goto("/console/notification-settings");
      const opens = page.getByLabel("Record opens");
      const escalate = page.getByLabel("Send a transactional push by e-mail");
      await opens.check();
      await escalate.fill("4");
      await page.getByRole("button", { name: "Save notification settings" }).click();

      await expect(page.getByText("Notification settings saved.")).toBeVisible();
      await expect(page.getByLabel("Record opens")).toBeChecked();
      await expect(page.getByLabel("Record clicks")).toBeChecked({
        checked: before.emailTracking.clicks,
      });
      await expect(page.getByLabel("Send a transactional push by e-mail")).toHaveValue("4");
      await expectNoSeriousA11yViolations(page);
      await screenshot(page, "notification-settings-receipts");

      const saved = await asAdmin<Settings>(API);
      expect(saved.emailTracking.opens).toBe(true);
      expect(saved.escalateUnopenedPushAfterHours).toBe(4);

      // Emptying the field turns escalation off again.
      await page.getByLabel("Send a transactional push by e-mail").fill("");
      await page.getByRole("button", { name: "Save notification settings" }).click();
      await expect(page.getByText("Notification settings saved.")).toBeVisible();
      expect((await asAdmin<Settings>(API)).escalateUnopenedPushAfterHours).toBeNull();
    } finally {
      await restore(before);
    }
  });
});

test.describe("as support", () => {
  test.use({ signInAs: "support" });

  test("sees the tracking and escalation settings but cannot change them", async ({ page }) => {
    await page.goto("/console/notification-settings");
    await expect(page.getByLabel("Record opens")).toBeDisabled();
    await expect(page.getByLabel("Send a transactional push by e-mail")).toBeDisabled();
    await expect(page.getByRole("button", { name: "Save notification settings" })).toHaveCount(0);
  });
});

import { randomBytes } from "node:crypto";
import {
  expect,
  expectNoSeriousA11yViolations,
  runtimeInfo,
  screenshot,
  test,
} from "./support/index";

/**
 * Notifications → Templates in a real browser: a catalog operator saves a template with an
 * unknown variable and sees the error beside the body with nothing saved (the admin API still
 * has no template for the locale), then saves a valid one and its preview shows the message
 * rendered with sample values; the htmx Preview button renders the form unsaved.
 */

async function templateStatus(type: string, locale: string): Promise<number> {
  const { baseUrl, adminKey } = runtimeInfo();
  const response = await fetch(`${baseUrl}/admin/v1/notifications/templates/${type}/${locale}`, {
    headers: { authorization: `Bearer ${adminKey}` },
  });
  await response.body?.cancel();
  return response.status;
}

test.describe("as a catalog operator", () => {
  test.use({ signInAs: "catalog" });

  test("an unknown variable is refused inline; a valid template saves and previews", async ({
    page,
  }) => {
    // A private-use language (qaa–qtz) of its own, so reruns on the same state do not meet.
    const [a = 0, b = 0] = randomBytes(2);
    const language = `q${String.fromCharCode(97 + (a % 20))}${String.fromCharCode(97 + (b % 26))}`;
    const locale = `${language}-IN`;
    await page.goto("/console");
    await page.getByRole("link", { name: "Notifications" }).click();
    await expect(
      page.getByRole("heading", { level: 1, name: "Notification templates" }),
    ).toBeVisible();
    await expect(page.locator("#type-payout_paid")).toContainText("transactional");
    await expectNoSeriousA11yViolations(page);
    await page.getByRole("link", { name: "payout_paid" }).click();
    await expect(
      page.getByRole("heading", { level: 1, name: "Template: payout_paid" }),
    ).toBeVisible();
    await expect(page.locator("#type-variables")).toContainText("{{destination}}");

    await page.getByLabel("Locale", { exact: true }).fill(locale);
    await page.getByLabel("Title", { exact: true }).fill("Payout sent");
    await page.getByLabel("Body", { exact: true }).fill("{{amount}} went to {{iban}}.");
    await page.getByRole("button", { name: "Save template" }).click();
    await expect(page.locator("#f-body-error")).toContainText("unknown variable {{iban}}");
    await expect(page.getByLabel("Body", { exact: true })).toHaveAttribute("aria-invalid", "true");
    await expect(page.getByLabel("Body", { exact: true })).toHaveValue(
      "{{amount}} went to {{iban}}.",
    );
    expect(await templateStatus("payout_paid", locale)).toBe(404);

    // The htmx preview renders the form as it stands, unsaved.
    await page.getByLabel("Body", { exact: true }).fill("{{amount}} went to {{destination}}.");
    await page.getByRole("button", { name: "Preview" }).click();
    await expect(page.locator("#preview-body")).toHaveText("₹1,234.56 went to [destination].");
    expect(await templateStatus("payout_paid", locale)).toBe(404);
    await screenshot(page, "notification-template");

    await page.getByRole("button", { name: "Save template" }).click();
    await expect(page.getByRole("status")).toContainText(`Template saved for ${locale}.`);
    await expect(page.locator("#preview-title")).toHaveText("Payout sent");
    await expect(page.locator("#preview-body")).toHaveText("₹1,234.56 went to [destination].");
    await expect(page.locator(`#template-${locale}`)).toContainText("Payout sent");
    expect(await templateStatus("payout_paid", locale)).toBe(200);
  });
});

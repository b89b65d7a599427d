import { randomBytes } from "node:crypto";
import {
  asAdmin,
  asBackend,
  expect,
  expectNoSeriousA11yViolations,
  fillFormByKeyboard,
  screenshot,
  skipToContent,
  test,
  until,
} from "./support/index";

/**
 * A user's contact details in the console (issue 10: personal data masked by default, revealed
 * only by an explicit, audited "reveal"). The operator's backend sends a sign-up with an e-mail
 * and phone; support sees them masked, reveals them with a reason using the keyboard alone,
 * and the audit log shows the reveal and its reason, not the details.
 */

const EMAIL = "nisha.menon@example.com";
const PHONE = "+919812300077";

async function signedUpUser(): Promise<string> {
  const userId = `contact-${randomBytes(4).toString("hex")}`;
  await asBackend({
    id: `signup-${userId}`,
    type: "user.signed_up",
    userId,
    occurredAt: new Date().toISOString(),
    data: { displayName: "Nisha Menon", email: EMAIL, phone: PHONE },
  });
  await until(
    async () => (await asAdmin<{ id: string }>(`/admin/v1/users/${userId}`).catch(() => null))?.id,
    "the user to be registered",
  );
  return userId;
}

test.describe("as support", () => {
  test.use({ signInAs: "support" });

  test("contact details are masked; a reveal with a reason shows them once and is audited", async ({
    page,
  }) => {
    const userId = await signedUpUser();
    await page.goto(`/console/users/${userId}`);
    const contact = page.getByRole("region", { name: "Contact details (masked)" });
    await expect(contact).toContainText("n••••••••••@example.com");
    await expect(page.locator("body")).not.toContainText(EMAIL);
    await expect(page.getByRole("cell", { name: "user.signed_up" })).toBeVisible();
    await expectNoSeriousA11yViolations(page);
    await screenshot(page, "user-contact-masked");

    const reason = `Ticket ${randomBytes(3).toString("hex")}: refund dispute`;
    await skipToContent(page);
    await fillFormByKeyboard(page, { "Reason for revealing (recorded)": reason }, "Reveal", {
      maxTabs: 40,
    });
    const revealed = page.getByRole("region", { name: "Contact details (revealed)" });
    await expect(revealed).toContainText(EMAIL);
    await expect(revealed).toContainText(PHONE);
    await expect(revealed).toContainText(reason);

    await page.goto(`/console/users/${userId}`);
    await expect(page.locator("body")).not.toContainText(EMAIL);

    await page.goto(
      `/console/audit?pathPrefix=${encodeURIComponent(`/admin/v1/users/${userId}/contact`)}`,
    );
    await expect(page.locator("main")).toContainText(`/admin/v1/users/${userId}/contact/reveal`);
    await expect(page.locator("main")).not.toContainText(EMAIL);
  });
});

test.describe("as a viewer", () => {
  test.use({ signInAs: "viewer" });

  test("sees the masked details and no reveal form", async ({ page }) => {
    const userId = await signedUpUser();
    await page.goto(`/console/users/${userId}`);
    await expect(page.getByRole("region", { name: "Contact details (masked)" })).toBeVisible();
    await expect(page.getByRole("button", { name: "Reveal" })).toHaveCount(0);
  });
});

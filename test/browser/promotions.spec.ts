import { randomBytes } from "node:crypto";
import {
  asAdmin,
  asBackend,
  expect,
  expectNoSeriousA11yViolations,
  screenshot,
  test,
  until,
} from "./support/index";

/**
 * Promotional sends in a real browser (docs/notifications.md "Promotional sends"): three
 * members signed up and put in a fresh segment through the APIs; catalog picks the segment in
 * Notifications → Promotions, previews the message through the built-in template, sends it,
 * and sees the send's progress complete (the list refreshes itself while a send is going).
 * None of the three opted in to promotional messages, so all three are skipped.
 */

test.describe("as catalog", () => {
  test.use({ signInAs: "catalog" });

  test("a send to a small segment is previewed, sent, and its progress completes", async ({
    page,
  }) => {
    const segment = `pw-${randomBytes(3).toString("hex")}`;
    const members = [1, 2, 3].map((i) => `${segment}-member-${i}`);
    for (const userId of members) {
      await asBackend({
        id: `signup-${userId}`,
        type: "user.signed_up",
        userId,
        occurredAt: new Date().toISOString(),
        data: { displayName: "Promo Member" },
      });
      await until(
        async () =>
          (await asAdmin<{ id: string }>(`/admin/v1/users/${userId}`).catch(() => null))?.id,
        "the member to be registered",
      );
      await asAdmin(`/admin/v1/users/${userId}/segments`, {
        method: "PUT",
        body: JSON.stringify({ segments: [segment] }),
      });
    }
    await until(
      async () =>
        (
          await asAdmin<{ segments: Array<{ segment: string; members: number }> }>(
            "/admin/v1/notifications/segments",
          )
        ).segments.find((s) => s.segment === segment)?.members === 3,
      "the segment in D1",
    );

    await page.goto("/console");
    await page.getByRole("link", { name: "Notifications", exact: true }).click();
    await page.getByRole("link", { name: "Promotional sends", exact: true }).click();
    await expect(page).toHaveURL(/\/console\/notifications\/promotions$/);
    const form = page.getByRole("form", { name: "New promotional send" });
    await form.getByLabel("Segment", { exact: true }).selectOption(segment);
    const headline = `Flash sale ${segment}`;
    await form.getByLabel("Headline", { exact: true }).fill(headline);
    await form.getByLabel("Message", { exact: true }).fill("Double cashback until midnight");
    await form.getByLabel("Link", { exact: true }).fill("https://shop.example/flash");
    await form.getByRole("button", { name: "Preview", exact: true }).click();

    const preview = page.getByRole("region", { name: "Preview" });
    await expect(preview).toContainText(headline);
    await expect(preview).toContainText("Double cashback until midnight");
    await expect(preview).toContainText("https://shop.example/flash");
    await expectNoSeriousA11yViolations(page);
    await screenshot(page, "promotions-preview");
    await page
      .getByRole("form", { name: "New promotional send" })
      .getByRole("button", { name: "Send", exact: true })
      .click();

    await expect(page.getByRole("status")).toContainText("Send created.");
    const row = page.getByRole("row", { name: new RegExp(headline) });
    await expect(row).toContainText(segment);
    await expect(row).toContainText("completed", { timeout: 20_000 });
    await expect(row).toContainText("0 sent, 3 skipped of 3");
    await screenshot(page, "promotions-completed");
  });
});

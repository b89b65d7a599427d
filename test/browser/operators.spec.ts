import { randomBytes } from "node:crypto";
import { expect, fillFormByKeyboard, runtimeInfo, screenshot, signIn, test } from "./support/index";

test.describe("as an admin", () => {
  test.use({ signInAs: "admin" });

  test("creates an operator with the keyboard alone, who can then sign in", async ({
    page,
    browser,
  }) => {
    const email = `kb-${randomBytes(4).toString("hex")}@browser.test`;
    const password = `Kb-${randomBytes(12).toString("base64url")}`;
    await page.goto("/console/operators");
    await fillFormByKeyboard(
      page,
      {
        Email: email,
        "Display name": "Keyboard Made",
        Role: "finance",
        "Initial password": password,
      },
      "Create operator",
      { maxTabs: 400 },
    );
    await expect(page.getByRole("status")).toContainText(`Operator ${email} created`);
    await expect(page.getByRole("row", { name: new RegExp(email) })).toContainText("finance");
    await screenshot(page, "operators");

    const other = await browser.newContext();
    const newcomer = await other.newPage();
    await signIn(newcomer, { email, password });
    await expect(newcomer.getByRole("banner")).toContainText("finance");
    await other.close();
  });
});

test.describe("as a viewer", () => {
  test.use({ signInAs: "viewer" });

  test("cannot create an operator, even posting the form with a valid CSRF token", async ({
    page,
  }) => {
    await page.goto("/console/operators");
    await expect(page.getByRole("button", { name: "Create operator" })).toHaveCount(0);
    await screenshot(page, "operators-viewer");

    // The session's own token, so only the role can be what refuses it.
    const csrf = await page
      .locator('form[action="/console/sign-out"] input[name="_csrf"]')
      .inputValue();
    const email = `refused-${randomBytes(4).toString("hex")}@browser.test`;
    const response = await page.request.post("/console/operators", {
      form: { _csrf: csrf, email, displayName: "Refused", role: "admin", password: "x".repeat(16) },
      maxRedirects: 0,
    });
    expect(response.status()).toBe(403);

    const { baseUrl, adminKey } = runtimeInfo();
    const list = await fetch(`${baseUrl}/admin/v1/operators`, {
      headers: { authorization: `Bearer ${adminKey}` },
    });
    expect(list.status).toBe(200);
    expect(await list.text()).not.toContain(email);
  });
});

import { expect, screenshot, test } from "./support/index";

/**
 * The moves of the user databases (docs/scaling.md "Re-sharding the user databases") in the
 * console, against the browser tests' local runtime, which binds one user database: an admin
 * reaches the page from the nav, sees no moves, and an open the runtime cannot serve is
 * refused with the API's problem on the page; a viewer sees the moves but no action, and a
 * posted open with the session's own CSRF token is refused by the role.
 */

test.describe("user databases as an admin", () => {
  test.use({ signInAs: "admin" });

  test("opens the page from the nav and shows the API's refusals", async ({ page }) => {
    await page.goto("/console");
    await page.getByRole("link", { name: "User databases", exact: true }).click();
    await expect(page).toHaveURL(/\/console\/user-db-moves$/);
    await expect(page.getByRole("heading", { level: 1, name: "User databases" })).toBeVisible();
    await expect(page.getByText("No moves yet.")).toBeVisible();
    await screenshot(page, "user-db-moves");

    // Above the most user databases there can be: the API's 400, naming the field.
    await page.getByLabel("New count of user databases").fill("1000");
    await page.getByRole("button", { name: "Open move" }).click();
    await expect(page.getByRole("alert")).toContainText("toShards");
    // A count whose databases are not bound here: the API's 409, and no move opened.
    await page.getByLabel("New count of user databases").fill("2");
    await page.getByRole("button", { name: "Open move" }).click();
    await expect(page.getByRole("alert")).toContainText("USER_DB_1");
    await expect(page.getByText("No moves yet.")).toBeVisible();
  });
});

test.describe("user databases as a viewer", () => {
  test.use({ signInAs: "viewer" });

  test("sees the moves but cannot open one, even posting with a valid CSRF token", async ({
    page,
  }) => {
    await page.goto("/console/user-db-moves");
    await expect(page.getByRole("heading", { level: 1, name: "User databases" })).toBeVisible();
    await expect(page.getByRole("button", { name: "Open move" })).toHaveCount(0);
    const csrf = await page
      .locator('form[action="/console/sign-out"] input[name="_csrf"]')
      .inputValue();
    const response = await page.request.post("/console/user-db-moves", {
      form: { _csrf: csrf, toShards: "2" },
      maxRedirects: 0,
    });
    expect(response.status()).toBe(403);
    // And without the token, the CSRF check refuses it before the role is asked.
    const forged = await page.request.post("/console/user-db-moves", {
      form: { toShards: "2" },
      maxRedirects: 0,
    });
    expect(forged.status()).toBe(403);
  });
});

import type { Page, Response } from "@playwright/test";
import { expect, screenshot, signIn, test } from "./support/index";

/** The header's sign-out form: every signed-in page has it, and it changes state. */
const signOutForm = (page: Page) =>
  page.locator("form", { has: page.getByRole("button", { name: "Sign out" }) });

function expectSecurityHeaders(response: Response | null): void {
  expect(response, "a response").not.toBeNull();
  const headers = response?.headers() ?? {};
  const csp = headers["content-security-policy"] ?? "";
  expect(csp, "a Content-Security-Policy").not.toBe("");
  expect(csp, "no inline script or style allowed").not.toContain("'unsafe-inline'");
  expect(csp).not.toContain("'unsafe-eval'");
  expect(headers["x-frame-options"]).toBe("DENY");
  expect(headers["cache-control"] ?? "").toContain("no-store");
}

test("console pages carry a strict CSP, X-Frame-Options: DENY and no-store", async ({
  page,
  operators,
}) => {
  expectSecurityHeaders(await page.goto("/console/sign-in"));
  await signIn(page, operators.viewer);
  expectSecurityHeaders(await page.goto("/console"));
});

test("a form submitted without its CSRF token is refused with 403 and changes nothing", async ({
  page,
  operators,
}) => {
  await signIn(page, operators.viewer);
  const token = signOutForm(page).locator('input[type="hidden"][name="_csrf"]');
  await expect(token).toHaveCount(1);
  await token.evaluate((input) => input.remove());

  const refused = page.waitForResponse((r) => r.request().method() === "POST");
  await page.getByRole("button", { name: "Sign out" }).click();
  expect((await refused).status()).toBe(403);
  await expect(page.getByRole("heading", { level: 1, name: /expired/i })).toBeVisible();

  // Still signed in: the refused sign-out did not run.
  await page.goto("/console");
  await expect(page.getByRole("heading", { level: 1, name: "Overview" })).toBeVisible();
});

test("the sign-in form without its CSRF token is refused, even with the right password", async ({
  page,
  operators,
}) => {
  await page.goto("/console/sign-in");
  await page.locator('input[type="hidden"][name="_csrf"]').evaluate((input) => input.remove());
  await page.getByLabel("Email", { exact: true }).fill(operators.viewer.email);
  await page.getByLabel("Password", { exact: true }).fill(operators.viewer.password);
  const refused = page.waitForResponse((r) => r.request().method() === "POST");
  await page.getByRole("button", { name: "Sign in" }).click();
  expect((await refused).status()).toBe(403);
  await expect(page.getByRole("heading", { level: 1, name: /expired/i })).toBeVisible();
  await screenshot(page, "form-expired");

  await page.goto("/console");
  await expect(page).toHaveURL((url) => url.pathname === "/console/sign-in");
});

test("a raw POST with the session cookie but no CSRF token is refused", async ({
  page,
  operators,
}) => {
  await signIn(page, operators.viewer);
  const action = (await signOutForm(page).getAttribute("action")) ?? "";
  expect(action).not.toBe("");

  // page.request shares the signed-in context's cookies.
  const response = await page.request.post(action, { form: {}, maxRedirects: 0 });
  expect(response.status()).toBe(403);
  expect(await response.text()).toMatch(/expired/i);

  await page.goto("/console");
  await expect(page.getByRole("heading", { level: 1, name: "Overview" })).toBeVisible();
});

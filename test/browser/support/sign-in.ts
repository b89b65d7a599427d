import { expect, type Page } from "@playwright/test";

/**
 * Signs in through the sign-in form and waits for the overview.
 *
 * @example
 * await signIn(page, operators.viewer);
 */
export async function signIn(page: Page, who: { email: string; password: string }): Promise<void> {
  await submitSignIn(page, who);
  await expect(page).toHaveURL((url) => url.pathname === "/console");
  await expect(page.getByRole("heading", { level: 1, name: "Overview" })).toBeVisible();
}

/** Fills and submits the sign-in form, expecting nothing of the outcome. */
export async function submitSignIn(
  page: Page,
  who: { email: string; password: string },
): Promise<void> {
  await page.goto("/console/sign-in");
  await page.getByLabel("Email", { exact: true }).fill(who.email);
  await page.getByLabel("Password", { exact: true }).fill(who.password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** Signs out with the header's button and waits for the sign-in page. */
export async function signOut(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL((url) => url.pathname === "/console/sign-in");
}

import type { Locator, Page } from "@playwright/test";

/**
 * Fills a form with the keyboard alone: Tab to each field (found by its label), type its
 * value, Tab to the submit button, press Enter. Never clicks, so a field Tab cannot reach, or
 * a control that only works with a mouse, fails the test. `maxTabs` bounds the presses to reach
 * each control (raise it for a form below a long table).
 *
 * @example
 * await page.goto("/console/sign-in");
 * await fillFormByKeyboard(page, { Email: "a@b.test", Password: "secret" }, "Sign in");
 */
export async function fillFormByKeyboard(
  page: Page,
  fieldsByLabel: Record<string, string>,
  submitName: string,
  options: { maxTabs?: number } = {},
): Promise<void> {
  for (const [label, value] of Object.entries(fieldsByLabel)) {
    await tabTo(page, page.getByLabel(label, { exact: true }), options.maxTabs);
    // In a <select>, typing picks the option that starts with what is typed.
    await page.keyboard.type(value);
  }
  await tabTo(page, page.getByRole("button", { name: submitName }), options.maxTabs);
  await page.keyboard.press("Enter");
}

/** Presses Tab until `target` has the focus; fails after `maxTabs` presses. */
export async function tabTo(page: Page, target: Locator, maxTabs = 60): Promise<void> {
  for (let i = 0; i <= maxTabs; i++) {
    if (await target.evaluate((el) => el === el.ownerDocument.activeElement)) return;
    await page.keyboard.press("Tab");
  }
  throw new Error(`${target.toString()} was not reached with ${maxTabs} presses of Tab`);
}

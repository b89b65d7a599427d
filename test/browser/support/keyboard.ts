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
  options: { maxTabs?: number; within?: Locator } = {},
): Promise<void> {
  const scope = options.within ?? page;
  for (const [label, value] of Object.entries(fieldsByLabel)) {
    await typeByKeyboard(page, scope.getByLabel(label, { exact: true }), value, options.maxTabs);
  }
  await pressByKeyboard(
    page,
    scope.getByRole("button", { name: submitName, exact: true }),
    "Enter",
    options.maxTabs,
  );
}

/**
 * Tabs to a field and types into it. Chromium selects a text field's whole value when Tab
 * focuses it, so what is typed replaces what was there. Text goes in as one keyboard text
 * input (as an IME or a paste does: one round trip, not one per character); in a <select>
 * it is typed key by key, which picks the option that starts with it.
 *
 * @example
 * await typeByKeyboard(page, row.getByLabel("Reason to retry"), "Processor is back");
 */
export async function typeByKeyboard(
  page: Page,
  target: Locator,
  text: string,
  maxTabs?: number,
): Promise<void> {
  await tabTo(page, target, maxTabs);
  if (await target.evaluate((el) => el.tagName === "SELECT")) await page.keyboard.type(text);
  else await page.keyboard.insertText(text);
}

/**
 * Tabs to a control and presses a key on it: Enter for a link or a button, Space for a
 * checkbox, a button or a <summary>.
 *
 * @example
 * await pressByKeyboard(page, page.getByRole("button", { name: "Reconcile payouts" }));
 */
export async function pressByKeyboard(
  page: Page,
  target: Locator,
  key: "Enter" | "Space" = "Enter",
  maxTabs?: number,
): Promise<void> {
  await tabTo(page, target, maxTabs);
  await page.keyboard.press(key);
}

/**
 * Follows the page's "Skip to content" link with the keyboard (the first Tab stop, then
 * Enter), as a keyboard user does on every page: the next Tab goes to the first control in
 * <main>, past the header and the section nav.
 *
 * @example
 * await page.goto("/console/payouts");
 * await skipToContent(page);
 * await pressByKeyboard(page, page.getByRole("link", { name: "Export CSV" }));
 */
export async function skipToContent(page: Page): Promise<void> {
  await pressByKeyboard(page, page.getByRole("link", { name: "Skip to content" }), "Enter", 3);
}

/**
 * Presses Tab (or Shift+Tab, `backwards`) until `target` has the focus; fails after `maxTabs`
 * presses.
 */
export async function tabTo(
  page: Page,
  target: Locator,
  maxTabs = 60,
  options: { backwards?: boolean } = {},
): Promise<void> {
  const key = options.backwards ? "Shift+Tab" : "Tab";
  for (let i = 0; i <= maxTabs; i++) {
    if (await target.evaluate((el) => el === el.ownerDocument.activeElement)) return;
    await page.keyboard.press(key);
  }
  throw new Error(`${target.toString()} was not reached with ${maxTabs} presses of ${key}`);
}

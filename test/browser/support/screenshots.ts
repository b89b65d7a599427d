import path from "node:path";
import type { Page } from "@playwright/test";
import { ROOT } from "#scripts/lib/dev-vars";

/** Where every console page's screenshot lands; CI keeps the folder as an artifact. */
export const SCREENSHOT_DIR = path.join(ROOT, "artifacts", "console-screenshots");

/**
 * A full-page screenshot saved as artifacts/console-screenshots/<name>.png (the name made
 * file-safe). Take one of every page a test visits.
 *
 * @example
 * await screenshot(page, "overview");
 */
export async function screenshot(page: Page, name: string): Promise<string> {
  const file = path.join(SCREENSHOT_DIR, `${name.toLowerCase().replace(/[^a-z0-9]+/g, "-")}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

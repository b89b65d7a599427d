import AxeBuilder from "@axe-core/playwright";
import { expect, type Page } from "@playwright/test";

/**
 * Runs axe-core (every rule it has, WCAG and best practice) on the page as it is now and fails
 * on any serious or critical violation, listing each with the elements it found.
 *
 * @example
 * await page.goto("/console/sign-in");
 * await expectNoSeriousA11yViolations(page);
 */
export async function expectNoSeriousA11yViolations(page: Page): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  const serious = violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({
      rule: v.id,
      impact: v.impact,
      help: v.help,
      elements: v.nodes.map((n) => n.target.join(" ")),
    }));
  expect(serious, `serious or critical accessibility violations on ${page.url()}`).toEqual([]);
}

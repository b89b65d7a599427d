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
 * Rules without a deploy (issue 11 §5): an admin writes a draft with a points rule in the
 * console, is shown the validation problem of a broken draft under the editor (the text kept),
 * fixes it, publishes, simulates a purchase and reads the points effect and the trace; then
 * the operator's backend sends that purchase through the real events API, and the user's page
 * in the console shows the points it earned under the published rule. The runtime is shared
 * with the other specs (referrals.spec.ts publishes a referral campaign before this file
 * runs), so the first test publishes whatever version comes next.
 */

const POINTS_RULE = {
  id: "points-per-100",
  name: "10 points per 100.00 spent",
  eventTypes: ["purchase.completed"],
  conditions: { all: [{ attr: "event.amountMinor", op: "gte", value: 10_000 }] },
  effects: [{ kind: "points_per_unit", points: 10, perUnitMinor: 10_000 }],
  priority: 10,
  group: "base",
  active: true,
};
const ruleSet = (rule: object) =>
  JSON.stringify(
    { timeZone: "Asia/Kolkata", groups: [{ name: "base", mode: "stackable" }], rules: [rule] },
    null,
    2,
  );

test.describe("as an admin", () => {
  test.use({ signInAs: "admin" });

  test("draft → a validation error → fixed → publish → simulate → an event earns the points", async ({
    page,
  }) => {
    test.setTimeout(120_000);
    const userId = `rules-${randomBytes(4).toString("hex")}`;
    const before = await asAdmin<{ version: number }>("/admin/v1/rules/live").catch(() => null);
    const next = (before?.version ?? 0) + 1;

    // The nav's Rules section, then its Draft tab.
    await page
      .getByRole("navigation", { name: "Console sections" })
      .getByRole("link", { name: "Rules" })
      .click();
    await expect(page.getByRole("heading", { level: 1, name: "Rules" })).toBeVisible();
    await page
      .getByRole("navigation", { name: "Rules sections" })
      .getByRole("link", { name: "Draft" })
      .click();
    await expect(page.getByRole("heading", { level: 1, name: "Rules · Draft" })).toBeVisible();

    // A broken draft: "gt" does not apply to a string attribute.
    const editor = page.getByLabel("Rule set (JSON)");
    const broken = ruleSet({
      ...POINTS_RULE,
      conditions: { all: [{ attr: "event.category", op: "gt", value: 5 }] },
    });
    await editor.fill(broken);
    await page.getByRole("button", { name: "Save draft" }).click();
    const problems = page.locator("#f-ruleSet-error");
    await expect(problems).toContainText("rules[0].conditions.all[0].op");
    await expect(problems).toContainText("does not apply to");
    await expect(editor).toHaveValue(broken);
    await expect(editor).toHaveAttribute("aria-invalid", "true");
    await expectNoSeriousA11yViolations(page);
    await screenshot(page, "rules-draft-invalid");

    // Fixed: saved, and the diff against nothing live lists the rule as added.
    await editor.fill(ruleSet(POINTS_RULE));
    await page.getByRole("button", { name: "Save draft" }).click();
    await expect(page.getByRole("status")).toContainText("Draft saved");
    await expect(page.locator("ul.added")).toContainText("points-per-100");

    // Published with a note, by keyboard alone: the next version is live.
    await skipToContent(page);
    await fillFormByKeyboard(
      page,
      { "What changes and why (shown in the history)": "Points launch" },
      `Publish as version ${next}`,
    );
    await expect(page.getByRole("status")).toContainText(`Version ${next} published`);
    const live = page.getByRole("region", { name: "Live version" });
    await expect(live).toContainText("points-per-100");
    await expect(live).toContainText("10 points per 10,000 minor units spent");
    await expect(
      page.getByRole("table", { name: "Published versions, newest first" }),
    ).toContainText("Points launch");
    await screenshot(page, "rules-live");

    // The simulator: the sample purchase of 2,500.00, for our user, against the live version.
    await page
      .getByRole("navigation", { name: "Rules sections" })
      .getByRole("link", { name: "Simulator" })
      .click();
    await expect(
      page.getByLabel("Event (JSON, as your backend sends it to POST /v1/events)"),
    ).toHaveValue(/purchase\.completed/);
    await page.getByLabel("User id").fill(userId);
    await page.getByLabel("Evaluate against").selectOption("live");
    await page.getByRole("button", { name: "Simulate" }).click();
    const effects = page.getByRole("table", { name: "Effects" });
    await expect(effects).toContainText("points-per-100");
    await expect(effects).toContainText("250 points");
    const rule = page.getByRole("article", { name: /points-per-100/ });
    await expect(rule).toContainText("applied");
    const condition = rule.getByRole("row", { name: /event\.amountMinor gte/ });
    await expect(condition).toContainText("10000");
    await expect(condition).toContainText("250000");
    await expect(condition).toContainText("pass");
    await expectNoSeriousA11yViolations(page);
    await screenshot(page, "rules-simulator-trace");

    // The operator's backend sends the purchase through the real events API.
    const occurredAt = new Date().toISOString();
    await asBackend({
      id: `signup-${userId}`,
      type: "user.signed_up",
      userId,
      occurredAt,
      data: { displayName: "Rules Shopper" },
    });
    await asBackend({
      id: `purchase-${userId}`,
      type: "purchase.completed",
      userId,
      occurredAt,
      data: { amountMinor: 250_000, currency: "INR", orderId: `order-${userId}` },
    });
    await until(
      async () =>
        (
          await asAdmin<{ balance: { activePoints: number; pendingPoints: number } }>(
            `/admin/v1/users/${userId}/points`,
          ).catch(() => null)
        )?.balance.activePoints === 250,
      "the purchase to earn its points",
      60_000,
    );

    // The user's page in the console shows them, with the rule and version that earned them.
    await page.goto(`/console/users/${userId}`);
    await expect(page.locator(".card", { hasText: "Active points" })).toContainText("250");
    const lot = page
      .getByRole("table", { name: "Points lots" })
      .getByRole("row", { name: /points-per-100/ });
    await expect(lot).toContainText(`points-per-100 v${next}`);
    await expect(lot).toContainText("250");
    await screenshot(page, "rules-user-points");
  });
});

/** Publishes `rules` through the admin API as the next version; returns its number. */
async function publishByApi(rules: object[], note: string): Promise<number> {
  const live = await asAdmin<{ version: number }>("/admin/v1/rules/live").catch(() => null);
  await asAdmin("/admin/v1/rules/draft", {
    method: "PUT",
    body: JSON.stringify({
      timeZone: "Asia/Kolkata",
      groups: [{ name: "base", mode: "stackable" }],
      rules,
      basedOnVersion: live?.version ?? null,
    }),
  });
  const published = await asAdmin<{ version: number }>("/admin/v1/rules/publish", {
    method: "POST",
    body: JSON.stringify({ note }),
  });
  return published.version;
}

test.describe("as a catalog operator", () => {
  test.use({ signInAs: "catalog" });

  test("rolls back to an earlier version after seeing what it would change", async ({ page }) => {
    const tag = randomBytes(3).toString("hex");
    const earlier = await publishByApi([{ ...POINTS_RULE, id: `keep-${tag}` }], `earlier ${tag}`);
    await publishByApi(
      [
        { ...POINTS_RULE, id: `keep-${tag}`, priority: 20 },
        { ...POINTS_RULE, id: `extra-${tag}` },
      ],
      `later ${tag}`,
    );

    await page.goto("/console/rules");
    await page.getByRole("link", { name: `Roll back to version ${earlier}…` }).click();
    const against = page.getByRole("region", { name: "Against the live version" });
    await expect(against.locator("ul.removed")).toContainText(`extra-${tag}`);
    await expect(against.locator("ul.changed")).toContainText(`keep-${tag}: priority`);
    await expectNoSeriousA11yViolations(page);
    await screenshot(page, "rules-rollback-confirm");

    await page.getByLabel("Why roll back (shown in the history)").fill(`undo ${tag}`);
    await page.getByRole("button", { name: `Roll back to version ${earlier}` }).click();
    await expect(page.getByRole("status")).toContainText(`a copy of version ${earlier}.`);
    const history = page.getByRole("table", { name: "Published versions, newest first" });
    await expect(history.getByRole("row").nth(1)).toContainText(`undo ${tag}`);
    await expect(history.getByRole("row").nth(1)).toContainText(`copy of version ${earlier}`);
    const live = page.getByRole("region", { name: "Live version" });
    await expect(live).not.toContainText(`extra-${tag}`);

    await page.goto("/console/rules/budgets");
    await expect(page.getByRole("heading", { level: 2, name: "Look up a budget" })).toBeVisible();
    await expectNoSeriousA11yViolations(page);
  });
});

test.describe("as a viewer", () => {
  test.use({ signInAs: "viewer" });

  test("reads the rules and simulates, but sees no editor, publish or rollback", async ({
    page,
  }) => {
    await page.goto("/console/rules/draft");
    await expect(page.getByText("needs the catalog or admin role")).toBeVisible();
    await expect(page.getByLabel("Rule set (JSON)")).toHaveCount(0);
    await expect(page.getByRole("button", { name: /Publish/ })).toHaveCount(0);
    await page.goto("/console/rules");
    await expect(page.getByRole("link", { name: /Roll back/ })).toHaveCount(0);
    await page.goto("/console/rules/simulate");
    await expect(page.getByRole("button", { name: "Simulate" })).toBeVisible();
  });
});

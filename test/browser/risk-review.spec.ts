import {
  expect,
  payoutOf,
  RISK_REASON_CODE,
  reasonText,
  riskHeldPayout,
  screenshot,
  test,
} from "./support/index";

/**
 * The risk review queue in a real browser (docs/console.md "Risk"): a payout held by a fraud
 * rule (published for one user, scored on the redeem path by the user's risk object) is found
 * in /console/risk/holds, ticked and released by finance with a reason and a label; the
 * wallet dispatches the payout, the user's risk page shows the decision, and the audit log
 * keeps it. Fixtures: test/browser/support/risk.ts.
 */

test.describe("as finance", () => {
  test.use({ signInAs: "finance" });

  test("a held payout approved in the review queue is dispatched, and the decision shows in the audit log", async ({
    page,
    operators,
  }) => {
    const { userId, payoutId, holdId } = await riskHeldPayout();

    await page.goto("/console/risk/holds");
    await page.getByLabel("User id", { exact: true }).fill(userId);
    await page.getByRole("button", { name: "Filter", exact: true }).click();
    const row = page.getByRole("row", { name: new RegExp(`Select hold ${holdId}`) });
    await expect(row).toContainText(RISK_REASON_CODE);
    await expect(row).toContainText("all payouts");
    await expect(row.getByRole("link", { name: userId, exact: true })).toBeVisible();
    await screenshot(page, "risk-holds-held-payout");

    const decide = page.getByRole("group", { name: "Decide the selected holds" });
    const submit = decide.getByRole("button", { name: "Decide selected", exact: true });
    // Without a reason the browser keeps the form and puts the focus on the reason.
    await row.getByRole("checkbox").check();
    await submit.click();
    await expect(decide.getByLabel("Reason", { exact: true })).toBeFocused();
    expect((await payoutOf(payoutId)).payout.status).toBe("held");

    const reason = reasonText("Called the user: a household sharing a laptop");
    await decide.getByLabel("Decision", { exact: true }).selectOption("release");
    await decide.getByLabel("Label for training", { exact: true }).selectOption("not_fraud");
    await decide.getByLabel("Reason", { exact: true }).fill(reason);
    await submit.click();
    await expect(page.getByRole("status")).toContainText("1 of 1 hold decided.");
    const outcome = page.getByRole("table", { name: "Outcome per hold" });
    await expect(outcome.getByRole("row", { name: new RegExp(userId) })).toContainText("decided");
    await expect(outcome.getByRole("row", { name: new RegExp(userId) })).toContainText("released");
    await screenshot(page, "risk-holds-decided");

    // Released: the wallet dispatches the payout at once, and the processor pays it.
    await expect
      .poll(async () => (await payoutOf(payoutId)).payout.status, { timeout: 20_000 })
      .toMatch(/^(queued|submitting|submitted|processing|paid)$/);

    // The user's risk page keeps the decision: who, why and the label.
    await page.goto(`/console/risk/users/${userId}`);
    const holds = page.getByRole("table", { name: "Risk holds, newest first" });
    await expect(holds).toContainText(reason);
    await expect(holds).toContainText(operators.finance.email);
    await expect(holds).toContainText("Not fraud");

    // The audit log: the bulk decision by this operator, answered 200.
    await page.goto("/console/audit");
    await page
      .getByLabel("Path starts with", { exact: true })
      .fill("/admin/v1/risk/holds/decisions");
    await page.keyboard.press("Enter");
    const entry = page
      .getByRole("row", { name: /\/admin\/v1\/risk\/holds\/decisions/ })
      .filter({ hasText: operators.finance.email })
      .first();
    await expect(entry).toContainText("POST");
    await expect(entry).toContainText("200");
  });
});

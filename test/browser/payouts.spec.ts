import { randomBytes } from "node:crypto";
import type { Page } from "@playwright/test";
import {
  expect,
  heldPayouts,
  payoutOf,
  pressByKeyboard,
  processorIsBack,
  screenshot,
  skipToContent,
  stuckPayout,
  test,
  typeByKeyboard,
} from "./support/index";

/**
 * Payout decisions in a real browser, with the keyboard alone (docs/console.md): issue 10's
 * "a stuck payout retried" — the sandbox processor down until the dispatch retries run out and
 * the dead-letter consumer marks the payout `stuck`, then a finance operator retries it from
 * "Payouts needing attention" with a reason, the processor (back up) pays it, the payout's page
 * shows it paid and the audit log keeps the decision; and a held payout released, another
 * cancelled, each with a reason. Fixtures: test/browser/support/payouts.ts.
 */

const reasonOf = (what: string) => `${what} ${randomBytes(3).toString("hex")}`;

/** The payout page's Status fact (the wallet's word, not the list's projection). */
const statusOn = (page: Page) => page.locator("dl.facts dt:text-is('Status') + dd");

/** Reloads the payout's page until its status is `status` (the processor's webhooks move it). */
async function untilStatusShown(page: Page, status: string) {
  await expect(async () => {
    await page.reload();
    await expect(statusOn(page)).toHaveText(status, { timeout: 500 });
  }).toPass({ timeout: 20_000, intervals: [500] });
}

test.describe("as finance", () => {
  test.use({ signInAs: "finance" });

  test.afterEach(async () => {
    await processorIsBack();
  });

  test("a stuck payout is retried from the attention queue with a reason, is paid, and the audit log keeps the decision", async ({
    page,
    operators,
  }) => {
    const { payoutId } = await stuckPayout();

    await page.goto("/console/review?queue=attention");
    await skipToContent(page);
    const row = page.getByRole("row", { name: new RegExp(payoutId) });
    await expect(row).toContainText("stuck");
    await expect(row).toContainText("₹100.00");
    await screenshot(page, "review-attention-stuck");

    // Without a reason the browser keeps the form and puts the focus on the reason.
    const reasonField = row.getByLabel("Reason to retry", { exact: true });
    const retry = row.getByRole("button", { name: "Retry", exact: true });
    await pressByKeyboard(page, retry, "Enter", 200);
    await expect(reasonField).toBeFocused();
    expect((await payoutOf(payoutId)).payout.status).toBe("stuck");

    await processorIsBack();
    const reason = reasonOf("Processor is back up");
    await typeByKeyboard(page, reasonField, reason);
    await pressByKeyboard(page, retry);
    await expect(page.getByRole("status")).toContainText(`Payout ${payoutId}: retry done.`);

    // Its page: the wallet says paid once the processor's webhooks arrive.
    await page.goto(`/console/payouts/${payoutId}`);
    await untilStatusShown(page, "paid");
    const history = page.getByRole("table", { name: "Payout history" });
    await expect(history.getByRole("row", { name: /operator_retry/ })).toContainText(
      `${operators.finance.email}: ${reason}`,
    );
    await screenshot(page, "payout-paid-after-retry");

    // The audit log: filtered by the payout's path with the keyboard, the entry opened with it.
    await page.goto("/console/audit");
    await skipToContent(page);
    await typeByKeyboard(
      page,
      page.getByLabel("Path starts with", { exact: true }),
      `/admin/v1/payouts/${payoutId}/`,
    );
    await page.keyboard.press("Enter");
    const entry = page.getByRole("row", {
      name: new RegExp(`/admin/v1/payouts/${payoutId}/retry`),
    });
    await expect(entry).toContainText(operators.finance.email);
    await expect(entry).toContainText("200");
    await pressByKeyboard(page, entry.getByText("Show", { exact: true }), "Enter", 200);
    await expect(entry.locator("pre.raw").last()).toContainText(reason);
    await expect(entry.locator("pre.raw").last()).toBeVisible();
  });

  test("a held payout is released from the queue and another cancelled on its page, each with a reason, by keyboard", async ({
    page,
  }) => {
    const {
      payoutIds: [released, cancelled],
    } = await heldPayouts();

    await page.goto("/console/review?queue=held");
    await skipToContent(page);
    const releasedRow = page.getByRole("row", { name: new RegExp(released) });
    await expect(releasedRow).toContainText("held");
    const releaseReason = reasonOf("Called the user: the new phone is theirs");
    await typeByKeyboard(
      page,
      releasedRow.getByLabel("Reason to release", { exact: true }),
      releaseReason,
      200,
    );
    await pressByKeyboard(page, releasedRow.getByRole("button", { name: "Release", exact: true }));
    await expect(page.getByRole("status")).toContainText(`Payout ${released}: release done.`);
    await expect
      .poll(async () => (await payoutOf(released)).payout.status, { timeout: 20_000 })
      .toMatch(/^(queued|submitting|submitted|processing|paid)$/);

    // The other one's page, opened from its link in the queue with Enter.
    await page.goto("/console/review?queue=held");
    await skipToContent(page);
    await pressByKeyboard(
      page,
      page.getByRole("link", { name: cancelled, exact: true }),
      "Enter",
      200,
    );
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(`Payout ${cancelled}`);
    await expect(statusOn(page)).toHaveText("held");
    const cancelReason = reasonOf("The user asked to cancel");
    await typeByKeyboard(page, page.getByLabel("Reason to cancel", { exact: true }), cancelReason);
    await pressByKeyboard(page, page.getByRole("button", { name: "Cancel", exact: true }));
    await expect(page.getByRole("status")).toContainText(`Payout ${cancelled}: cancel done.`);
    await expect(statusOn(page)).toHaveText("cancelled");
    await expect(page.getByRole("table", { name: "Payout history" })).toContainText(cancelReason);
    await screenshot(page, "payout-cancelled");
  });
});

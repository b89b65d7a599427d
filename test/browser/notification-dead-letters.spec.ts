import { randomBytes } from "node:crypto";
import {
  asAdmin,
  expect,
  expectNoSeriousA11yViolations,
  screenshot,
  test,
  until,
} from "./support/index";
import { seedDeadLetter } from "./support/notifications";

/**
 * Issue 15 "Tests": a dead-lettered notification replayed from Notifications → Dead letters.
 * The dead letter is seeded into the runtime's D1 as the dead-letter consumer writes it (the
 * browser runtime's channel is the dev outbox, which never refuses; the real refusal and the
 * queue running out of retries are covered by test/notifications-pipeline.e2e.test.ts). The
 * replay itself is real: the console's button, the API's atomic mark, the notify queue, the
 * router and the outbox adapter. It is delivered once, and a second replay is refused.
 */

const outboxOf = (userId: string) =>
  asAdmin<{ items: Array<{ id: string; deliveryId: string; kind: string }> }>(
    `/admin/v1/dev/notifications?userId=${encodeURIComponent(userId)}&limit=200`,
  ).then((r) => r.items);

test.describe("as finance", () => {
  test.use({ signInAs: "finance" });

  test("replays a dead letter once: marked replayed, delivered once, a second replay refused", async ({
    page,
  }) => {
    test.setTimeout(90_000);
    const userId = `dead-${randomBytes(4).toString("hex")}`;
    await asAdmin(`/admin/v1/users/${userId}`, { method: "PUT", body: JSON.stringify({}) });
    const { deadLetterId, eventId, deliveryId } = await seedDeadLetter(userId);
    expect(await outboxOf(userId)).toEqual([]);

    await page.goto("/console/notifications/templates");
    await page.getByRole("link", { name: "Dead letters", exact: true }).click();
    await expect(page).toHaveURL(/\/console\/notifications\/dead-letters$/);
    const row = page.getByRole("row").filter({ hasText: eventId });
    await expect(row).toContainText("the notification webhook answered 422");
    await expect(row).toContainText(userId);
    await expectNoSeriousA11yViolations(page);
    await screenshot(page, "notification-dead-letters-open");

    // A second tab, opened before the replay, still shows the dead letter open.
    const stale = await page.context().newPage();
    await stale.goto("/console/notifications/dead-letters");
    await expect(stale.getByRole("row").filter({ hasText: eventId })).toHaveCount(1);

    await row.getByRole("button", { name: "Replay" }).click();
    await expect(
      page.getByText("Replayed: the notification is queued for delivery."),
    ).toBeVisible();
    await expect(page.getByRole("row").filter({ hasText: eventId })).toHaveCount(0);

    // Delivered once, through the real queue and router, under the same delivery id.
    const delivered = await until(async () => {
      const items = await outboxOf(userId);
      return items.length > 0 ? items : null;
    }, "the replayed notification in the dev outbox");
    expect(delivered).toEqual([
      expect.objectContaining({ id: eventId, deliveryId, kind: "payout_paid" }),
    ]);
    const deliveries = await until(async () => {
      const { items } = await asAdmin<{ items: Array<{ id: string; state: string }> }>(
        `/admin/v1/users/${userId}/notification-deliveries`,
      );
      return items.every((d) => d.state === "sent") ? items : null;
    }, "the delivery to be sent");
    expect(deliveries.map((d) => d.id)).toEqual([deliveryId]);

    // The replayed list shows it replayed, with no Replay button.
    await page.getByRole("link", { name: "Show replayed" }).click();
    const replayed = page.getByRole("row").filter({ hasText: eventId });
    await expect(replayed).toContainText("replayed");
    await expect(replayed.getByRole("button", { name: "Replay" })).toHaveCount(0);
    await screenshot(page, "notification-dead-letters-replayed");

    // A second replay from a tab still showing it open is refused; so is one through the API.
    await stale
      .getByRole("row")
      .filter({ hasText: eventId })
      .getByRole("button", { name: "Replay" })
      .click();
    await expect(stale.getByText("this dead letter was already replayed")).toBeVisible();
    await screenshot(stale, "notification-dead-letters-second-replay-refused");
    await expect(
      asAdmin(`/admin/v1/notifications/dead-letters/${deadLetterId}/retry`, { method: "POST" }),
    ).rejects.toThrow(/→ 409 .*already replayed/);
    await page.waitForTimeout(1_000);
    expect(await outboxOf(userId)).toHaveLength(1);
  });
});

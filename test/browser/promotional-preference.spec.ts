import { randomBytes } from "node:crypto";
import { asAdmin, asBackend, asUser, expect, screenshot, test, until } from "./support/index";

/**
 * Issue 15 "Tests": a preference changed in the console's user view withholds the next
 * promotional message. A member opted in to promotional messages gets a promotional send (one
 * delivery, `sent`, in the dev outbox); finance turns promotional off in the user view; the
 * next send to the same segment passes the member over (the send counts them skipped) and
 * nothing new reaches the outbox or the member's deliveries.
 */

interface PromoSend {
  id: string;
  status: string;
  enqueued: number;
  skipped: number;
}
interface Delivery {
  eventId: string;
  category: string;
  channel: string;
  state: string;
  reason: string | null;
}

/** A time zone whose local hour is now between 10:00 and 19:59. */
function middayZone(): string {
  const zones = [
    "UTC",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Pacific/Auckland",
    "America/Los_Angeles",
    "America/New_York",
    "Pacific/Honolulu",
  ];
  const hour = (zone: string) =>
    Number(
      new Intl.DateTimeFormat("en-GB", {
        hour: "2-digit",
        hourCycle: "h23",
        timeZone: zone,
      }).format(new Date()),
    );
  const zone = zones.find((z) => hour(z) >= 10 && hour(z) < 20);
  if (!zone) throw new Error("no listed time zone is at mid-day now");
  return zone;
}

async function promoteAndWait(segment: string, headline: string): Promise<PromoSend> {
  const created = await asAdmin<PromoSend>("/admin/v1/notifications/promotions", {
    method: "POST",
    body: JSON.stringify({
      segment,
      headline,
      body: "Double cashback until midnight",
      url: "https://shop.example/flash",
    }),
  });
  return until(async () => {
    const send = await asAdmin<PromoSend>(`/admin/v1/notifications/promotions/${created.id}`);
    return send.status === "completed" ? send : null;
  }, `promotional send ${created.id} to complete`);
}

const outboxOf = (userId: string) =>
  asAdmin<{ items: Array<{ kind: string; message: { title: string } | null }> }>(
    `/admin/v1/dev/notifications?userId=${encodeURIComponent(userId)}&limit=200`,
  ).then((r) => r.items);

const promotionalDeliveriesOf = (userId: string) =>
  asAdmin<{ items: Delivery[] }>(
    `/admin/v1/users/${encodeURIComponent(userId)}/notification-deliveries?limit=200`,
  ).then((r) => r.items.filter((d) => d.category === "promotional"));

test.describe("as finance", () => {
  test.use({ signInAs: "finance" });

  test("turning promotional off in the user view withholds the next promotional send", async ({
    page,
  }) => {
    const segment = `pw-pref-${randomBytes(3).toString("hex")}`;
    const userId = `${segment}-member`;
    await asBackend({
      id: `signup-${userId}`,
      type: "user.signed_up",
      userId,
      occurredAt: new Date().toISOString(),
      data: { displayName: "Promo Member" },
    });
    await until(
      async () =>
        (await asAdmin<{ id: string }>(`/admin/v1/users/${userId}`).catch(() => null))?.id,
      "the member to be registered",
    );
    await asUser(userId, "/v1/me/notification-preferences", {
      method: "PUT",
      // A zone where it is now mid-day, so the send window (09:00–21:00) and quiet hours never
      // defer the message, whenever the test runs.
      body: JSON.stringify({ promotionalOptIn: true, timeZone: middayZone() }),
    });
    await asAdmin(`/admin/v1/users/${userId}/segments`, {
      method: "PUT",
      body: JSON.stringify({ segments: [segment] }),
    });
    await until(
      async () =>
        (
          await asAdmin<{ segments: Array<{ segment: string; members: number }> }>(
            "/admin/v1/notifications/segments",
          )
        ).segments.find((s) => s.segment === segment)?.members === 1,
      "the segment in D1",
    );

    // Opted in: the first send reaches the member, once.
    const first = await promoteAndWait(segment, `First ${segment}`);
    expect(first).toMatchObject({ enqueued: 1, skipped: 0 });
    const delivered = await until(async () => {
      const items = await outboxOf(userId);
      return items.length > 0 ? items : null;
    }, "the first promotion in the dev outbox");
    expect(delivered.map((n) => n.message?.title)).toEqual([`First ${segment}`]);
    const firstDeliveries = await until(async () => {
      const items = await promotionalDeliveriesOf(userId);
      return items.some((d) => d.state === "sent") ? items : null;
    }, "the first promotion's delivery to be sent");
    expect(firstDeliveries).toHaveLength(1);

    // Finance turns promotional messages off in the console's user view.
    await page.goto(`/console/users/${userId}`);
    const panel = page.getByRole("region", { name: "Notification preferences" });
    const optIn = panel.getByLabel("Opted in to promotional messages");
    await expect(optIn).toBeChecked();
    await optIn.uncheck();
    await panel.getByRole("button", { name: "Save notification preferences" }).click();
    await expect(page.getByText("Notification preferences saved.")).toBeVisible();
    await expect(panel.getByLabel("Opted in to promotional messages")).not.toBeChecked();
    await screenshot(page, "user-notification-preferences-promotional-off");

    // The next send passes the member over: counted skipped, nothing delivered.
    const second = await promoteAndWait(segment, `Second ${segment}`);
    expect(second).toMatchObject({ enqueued: 0, skipped: 1 });
    // Give a stray delivery the time to show up before asserting there is none.
    await page.waitForTimeout(2_000);
    expect((await outboxOf(userId)).map((n) => n.message?.title)).toEqual([`First ${segment}`]);
    const after = await promotionalDeliveriesOf(userId);
    expect(after).toHaveLength(1);
    expect(after[0]?.state).toBe("sent");
  });
});

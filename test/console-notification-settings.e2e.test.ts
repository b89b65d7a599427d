import { describe, expect, it } from "vitest";
import { DEFAULT_NOTIFICATION_SETTINGS } from "#shared/notify/settings";
import { signedIn } from "./console-client";
import { ADMIN_HEADERS, adminPut, api } from "./helpers";

/** The console's notification settings form, through the real worker. */
describe("/console/notification-settings", () => {
  it("catalog saves the form and the API reads it back; a bad zone is refused; a viewer sees no save button", async () => {
    const { client } = await signedIn("catalog");
    const page = await client.get("/console/notification-settings");
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Save notification settings");
    const fields: Array<[string, string]> = [
      ["windowStart", "08:30"],
      ["windowEnd", "20:00"],
      ["promotionalPerDay", "1"],
      ["promotionalPerWeek", "4"],
      ["transactionalPerDay", ""],
      ["transactionalPerWeek", ""],
      ["digestWindowSeconds", "90"],
      ["digest.cashback_earned", "on"],
      ["defaultTimeZone", "Europe/London"],
      ["defaultLocale", "en-GB"],
      ["trackOpens", "on"],
      ["escalateUnopenedPushAfterHours", "6"],
    ];
    const saved = await client.post("/console/notification-settings", fields, {
      fromPage: "/console/notification-settings",
    });
    expect(saved.status).toBe(303);
    const read = await (
      await api("/admin/v1/notification-settings", { headers: ADMIN_HEADERS })
    ).json();
    expect(read).toMatchObject({
      sendWindow: { start: "08:30", end: "20:00" },
      caps: {
        promotional: { perDay: 1, perWeek: 4 },
        transactional: { perDay: null, perWeek: null },
      },
      digest: { windowSeconds: 90, types: ["cashback_earned"] },
      defaultTimeZone: "Europe/London",
      emailTracking: { opens: true, clicks: false },
      escalateUnopenedPushAfterHours: 6,
    });
    const refused = await client.post(
      "/console/notification-settings",
      fields.map(([k, v]) => [k, k === "defaultTimeZone" ? "Nowhere/Else" : v] as [string, string]),
      { fromPage: "/console/notification-settings" },
    );
    expect(refused.status).toBe(400);

    const viewer = (await signedIn("viewer")).client;
    const seen = await (await viewer.get("/console/notification-settings")).text();
    expect(seen).toContain("Europe/London");
    expect(seen).not.toContain("Save notification settings");

    const d = DEFAULT_NOTIFICATION_SETTINGS;
    await adminPut("/admin/v1/notification-settings", {
      ...d,
      sendWindow: { start: d.sendWindow?.startMinute, end: d.sendWindow?.endMinute },
    });
  });
});

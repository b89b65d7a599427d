import { beforeEach, describe, expect, it } from "vitest";
import { signedIn } from "./console-client";
import { ADMIN_HEADERS, api, eventually } from "./helpers";
import {
  asAdmin,
  loginFromNewDevice,
  payoutOf,
  redeemTo,
  sandbox,
  userWithDestination,
  waitForPayout,
} from "./payout-helpers";

/**
 * Payouts in the console through the real worker: the list with its filters, a stuck payout
 * retried end to end with a reason the payout's log keeps, a held payout released from the
 * review queue, a viewer refused, CSV export content and bounds, reconciliation run now.
 */

beforeEach(async () => {
  await sandbox().reset();
});

describe("console payouts", () => {
  it("lists a user's payouts formatted, filters by status and currency, and shows an empty state", async () => {
    const { user, destinationId } = await userWithDestination("cp-list", 20_000);
    const id = await redeemTo(user, destinationId, 12_345);
    await eventually(async () => {
      const r = await asAdmin(`/admin/v1/payouts?userId=${user}`);
      const body = (await r.json()) as { items: Array<{ id: string }> };
      return body.items.some((p) => p.id === id) ? true : null;
    });
    const { client } = await signedIn("viewer");
    const page = await client.get(`/console/payouts?userId=${user}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(id);
    expect(html).toContain("₹123.45");

    const otherCurrency = await client.get(`/console/payouts?userId=${user}&currency=EUR`);
    expect(await otherCurrency.text()).toContain("No payouts match these filters.");
    const badCurrency = await client.get(`/console/payouts?userId=${user}&currency=E1`);
    expect(badCurrency.status).toBe(400);
    expect(await badCurrency.text()).toContain('role="alert"');
  });

  it("a stuck payout is retried from its page with a reason, and is paid", async () => {
    const { user, destinationId } = await userWithDestination("cp-stuck", 10_000);
    await sandbox().setFaults({ down: { times: 1_000 } });
    const id = await redeemTo(user, destinationId, 10_000);
    await eventually(async () => {
      const p = await payoutOf(user, id);
      return p.status === "stuck" ? p : null;
    }, 30_000);
    await eventually(async () => {
      const r = await asAdmin("/admin/v1/payouts?status=stuck");
      const body = (await r.json()) as { items: Array<{ id: string }> };
      return body.items.some((p) => p.id === id) ? true : null;
    });

    const { client: viewer } = await signedIn("viewer");
    const viewerPage = await viewer.get(`/console/payouts/${id}`);
    expect(viewerPage.status).toBe(200);
    expect(await viewerPage.text()).not.toContain(`/console/payouts/${id}/retry`);
    const refused = await viewer.post(
      `/console/payouts/${id}/retry`,
      { reason: "not mine to do" },
      { fromPage: `/console/payouts/${id}` },
    );
    expect(refused.status).toBe(403);
    expect((await payoutOf(user, id)).status).toBe("stuck");

    const { client, operator } = await signedIn("finance");
    const queue = await client.get("/console/review?queue=attention");
    expect(await queue.text()).toContain(id);
    const page = await client.get(`/console/payouts/${id}`);
    expect(await page.text()).toContain(`/console/payouts/${id}/retry`);

    const noReason = await client.post(
      `/console/payouts/${id}/retry`,
      { reason: "" },
      { fromPage: `/console/payouts/${id}` },
    );
    expect(noReason.status).toBe(400);
    expect(await noReason.text()).toContain("a reason is required");
    expect((await payoutOf(user, id)).status).toBe("stuck");

    await sandbox().setFaults({ down: null });
    const retried = await client.post(
      `/console/payouts/${id}/retry`,
      { reason: "Processor is back up" },
      { fromPage: `/console/payouts/${id}` },
    );
    expect(retried.status).toBe(303);
    await waitForPayout(user, id, "paid");

    const detail = (await (
      await api(`/admin/v1/payouts/${id}`, { headers: ADMIN_HEADERS })
    ).json()) as { log: Array<{ event: string; detail: string | null }> };
    expect(detail.log).toContainEqual(
      expect.objectContaining({
        event: "operator_retry",
        detail: `${operator.email}: Processor is back up`,
      }),
    );
    const after = await client.get(`/console/payouts/${id}`);
    const html = await after.text();
    expect(html).toContain("Processor is back up");
    expect(html).toContain("paid");
  }, 60_000);

  it("a held payout is released from the review queue with a reason", async () => {
    const { user, destinationId } = await userWithDestination("cp-held", 20_000);
    await loginFromNewDevice(user);
    const id = await redeemTo(user, destinationId, 10_000);
    expect((await payoutOf(user, id)).status).toBe("held");
    await eventually(async () => {
      const r = await asAdmin("/admin/v1/payouts?status=held");
      const body = (await r.json()) as { items: Array<{ id: string }> };
      return body.items.some((p) => p.id === id) ? true : null;
    });
    const { client } = await signedIn("finance");
    const queue = await client.get("/console/review?queue=held");
    expect(await queue.text()).toContain(`/console/review/payouts/${id}/approve`);
    const released = await client.post(
      `/console/review/payouts/${id}/approve`,
      { reason: "Called the user: the new device is theirs", queue: "held" },
      { fromPage: "/console/review?queue=held" },
    );
    expect(released.status).toBe(303);
    expect(released.headers.get("location")).toContain("/console/review?queue=held");
    await waitForPayout(user, id, "paid");
  }, 60_000);
});

describe("console CSV export", () => {
  it("streams the filtered payouts with money as decimals and a currency column", async () => {
    const { user, destinationId } = await userWithDestination("cp-csv", 30_000);
    const ids = [
      await redeemTo(user, destinationId, 10_005),
      await redeemTo(user, destinationId, 10_000),
    ];
    await eventually(async () => {
      const r = await asAdmin(`/admin/v1/payouts?userId=${user}`);
      const body = (await r.json()) as { items: Array<{ id: string }> };
      return ids.every((id) => body.items.some((p) => p.id === id)) ? true : null;
    });
    const { client } = await signedIn("viewer");
    const response = await client.get(`/console/payouts/export.csv?userId=${user}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(response.headers.get("content-disposition")).toBe('attachment; filename="payouts.csv"');
    expect(response.headers.get("x-export-row-limit")).toBe("10000");
    const lines = (await response.text()).trim().split("\r\n");
    expect(lines[0]?.split(",").slice(0, 5)).toEqual([
      "id",
      "user_id",
      "status",
      "amount",
      "currency",
    ]);
    expect(lines).toHaveLength(3);
    expect(
      lines.some((l) => l.startsWith(`${ids[0]},${user},`) && l.includes(",100.05,INR,")),
    ).toBe(true);
    expect(lines.some((l) => l.includes(",100.00,INR,"))).toBe(true);
    expect(lines.some((l) => l.startsWith("#"))).toBe(false);

    // Bounded: past the row limit the file ends with a line that says it was cut off.
    const cut = await client.get(`/console/payouts/export.csv?userId=${user}&max=1`);
    expect(cut.headers.get("x-export-row-limit")).toBe("1");
    const cutLines = (await cut.text()).trim().split("\r\n");
    expect(cutLines).toHaveLength(3);
    expect(cutLines[2]).toBe(
      "# cut off at 1 rows (the export limit): narrow the filters to export the rest",
    );
  }, 60_000);
});

describe("console reconciliation", () => {
  it("finance runs payout reconciliation now; a viewer sees runs read-only and is refused", async () => {
    const { client: viewer } = await signedIn("viewer");
    const readOnly = await viewer.get("/console/reconciliation");
    expect(readOnly.status).toBe(200);
    const readOnlyHtml = await readOnly.text();
    expect(readOnlyHtml).toContain("Network report runs");
    expect(readOnlyHtml).not.toContain("/console/reconciliation/payouts/run");
    const refused = await viewer.post(
      "/console/reconciliation/payouts/run",
      {},
      { fromPage: "/console/reconciliation" },
    );
    expect(refused.status).toBe(403);

    const { client } = await signedIn("finance");
    const page = await client.get("/console/reconciliation");
    expect(await page.text()).toContain("/console/reconciliation/payouts/run");
    const run = await client.post(
      "/console/reconciliation/payouts/run",
      {},
      { fromPage: "/console/reconciliation" },
    );
    expect(run.status).toBe(303);
    const location = run.headers.get("location") ?? "";
    expect(decodeURIComponent(location)).toMatch(/Payout reconciliation \S+: completed/);
    const after = await client.get("/console/reconciliation");
    expect(await after.text()).toContain("Payout reconciliation runs");
  });

  it("reconciling an unknown network shows the API's problem as a message", async () => {
    const { client } = await signedIn("finance");
    const response = await client.post(
      "/console/reconciliation/networks/no-such-network/run",
      {},
      { fromPage: "/console/reconciliation" },
    );
    expect(response.status).toBe(404);
    expect(await response.text()).toContain("does not exist");
  });
});

import { describe, expect, test } from "vitest";
import type { ProgramSettings } from "#shared/loyalty/program-settings";
import { programValues } from "#workers/api/src/console/pages/loyalty/program-form";
import { signedIn } from "./console-client";
import { ADMIN_HEADERS, api } from "./helpers";

/**
 * The console's Loyalty program page (docs/console.md) through the real worker: the settings
 * form saved through the admin API as a new version, the API's errors beside their fields, a
 * lost update refused, the version history, voucher pools with their counts and a code
 * upload, and the roles that may only read.
 */

const PAGE = "/console/loyalty";

async function program(): Promise<{ version: number; settings: ProgramSettings }> {
  const response = await api("/admin/v1/loyalty/program", { headers: ADMIN_HEADERS });
  return (await response.json()) as { version: number; settings: ProgramSettings };
}

/** The text of the inline error beside a field (`f-<name>-error`), or null. */
function errorBeside(page: string, field: string): string | null {
  const match = new RegExp(`id="f-${field}-error">([^<]*)<`).exec(page);
  return match?.[1] ?? null;
}

const textOf = (page: string) => page.replace(/<[^>]+>/g, "");

describe("the loyalty program page", () => {
  test("a viewer reads the settings, versions and pools, with no form", async () => {
    const { client } = await signedIn("viewer");
    const response = await client.get(PAGE);
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page).toContain("<h1>Loyalty program</h1>");
    expect(page).toContain('href="/console/loyalty" aria-current="page"');
    expect(page).toContain("changing it needs the catalog or admin role");
    expect(page).not.toContain('id="program-form"');
    expect(page).not.toContain("Upload codes");
  });

  test("catalog saves a change as a new version, shown in the history", async () => {
    const { client } = await signedIn("catalog");
    const before = await program();
    const form = await (await client.get(PAGE)).text();
    expect(form).toContain('id="program-form"');
    expect(form).toContain(`name="expectedVersion" value="${before.version}"`);

    const saved = await client.post(
      PAGE,
      {
        ...programValues(before.settings, before.version),
        timeZone: "Asia/Kolkata",
        graceDays: "45",
        cashbackEnabled: "on",
        cashbackPoints: "100",
        cashbackAmount: "0.50",
        minPoints: "200",
        "tier-3-name": "Platinum",
        "tier-3-threshold": "250000",
        "tier-3-benefits": "pointsMultiplierBps=20000; lounge=true",
        note: "console change",
      },
      { fromPage: PAGE },
    );
    expect(saved.status).toBe(303);
    expect(decodeURIComponent(saved.headers.get("location") ?? "")).toContain(
      `version ${before.version + 1} is current`,
    );
    const after = await program();
    expect(after.version).toBe(before.version + 1);
    expect(after.settings).toMatchObject({
      timeZone: "Asia/Kolkata",
      points: { redemption: { cashback: { points: 100, amountMinor: 50 }, minPoints: 200 } },
      tiers: { graceDays: 45 },
    });
    expect(after.settings.tiers.tiers[3]).toEqual({
      name: "Platinum",
      thresholdMinor: 25_000_000,
      benefits: { pointsMultiplierBps: 20_000, lounge: true },
    });

    const page = await (await client.get(PAGE)).text();
    expect(textOf(page)).toContain("console change");
    expect(page).toContain('value="Asia/Kolkata"');
  });

  test("invalid settings come back with the API's errors beside their fields; nothing is saved", async () => {
    const { client } = await signedIn("catalog");
    const before = await program();
    const values = programValues(before.settings, before.version);
    const refused = await client.post(
      PAGE,
      { ...values, timeZone: "Mars/Olympus", "tier-2-threshold": "1.00" },
      { fromPage: PAGE },
    );
    expect(refused.status).toBe(400);
    const page = await refused.text();
    expect(errorBeside(page, "timeZone")).toContain("unknown IANA time zone");
    expect(errorBeside(page, "tier-2")).toContain("thresholds rise strictly");
    // What was typed is shown again.
    expect(page).toContain('value="Mars/Olympus"');
    expect((await program()).version).toBe(before.version);

    const stale = await client.post(
      PAGE,
      { ...values, expectedVersion: String(before.version - 1), graceDays: "7" },
      { fromPage: PAGE },
    );
    expect(stale.status).toBe(409);
    expect(textOf(await stale.text())).toContain("is current now; nothing was saved");
    expect((await program()).version).toBe(before.version);
  });

  test("voucher pools: create one, upload codes one per line, see the counts", async () => {
    const { client } = await signedIn("catalog");
    const poolId = `console-${Date.now().toString(36)}`;
    const created = await client.post(
      `${PAGE}/voucher-pools`,
      { id: poolId, name: "Console coffee", pointsCost: "250", active: "on" },
      { fromPage: PAGE },
    );
    expect(created.status).toBe(303);

    const uploaded = await client.post(
      `${PAGE}/voucher-pools/${poolId}/codes`,
      { [`codes-${poolId}`]: "K-1\nK-2\n\nK-2\nK-3\n" },
      { fromPage: PAGE },
    );
    expect(uploaded.status).toBe(303);
    expect(decodeURIComponent(uploaded.headers.get("location") ?? "")).toContain(
      `3 codes added to ${poolId}; 1 already there or repeated`,
    );
    const page = await (await client.get(PAGE)).text();
    const row = new RegExp(`<tr id="pool-${poolId}">([\\s\\S]*?)</tr>`).exec(page)?.[1] ?? "";
    expect(textOf(row)).toContain("Console coffee");
    expect([...row.matchAll(/<td class="num">(\d+)<\/td>/g)].map((m) => m[1])).toEqual([
      "250",
      "3",
      "0",
      "3",
    ]);
    expect(page).not.toContain("K-1");

    const closed = await client.post(
      `${PAGE}/voucher-pools/${poolId}/state`,
      {},
      { fromPage: PAGE },
    );
    expect(closed.status).toBe(303);
    const after = await api(`/admin/v1/loyalty/voucher-pools/${poolId}`, {
      headers: ADMIN_HEADERS,
    });
    expect(await after.json()).toMatchObject({ active: false, pointsCost: 250 });
    expect(await (await client.get(PAGE)).text()).toContain("Open Console coffee");

    const bad = await client.post(
      `${PAGE}/voucher-pools`,
      { id: "Bad Id", name: "", pointsCost: "0" },
      { fromPage: PAGE },
    );
    expect(bad.status).toBe(400);
    const badPage = await bad.text();
    expect(errorBeside(badPage, "id")).not.toBeNull();
    expect(errorBeside(badPage, "pointsCost")).not.toBeNull();
  });
});

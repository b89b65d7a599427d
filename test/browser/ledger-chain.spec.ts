import { randomBytes } from "node:crypto";
import { localD1 } from "#scripts/lib/local-d1";
import {
  asAdmin,
  expect,
  expectNoSeriousA11yViolations,
  runtimeInfo,
  screenshot,
  test,
} from "./support/index";

/**
 * A wallet's ledger chain on the user page (docs/ledger.md): a wallet the daily audit has not
 * reached says so; one whose last anchor is broken names the first entry that does not verify,
 * and the users page lists it, linked to its page.
 * The broken anchor is written into the runtime's D1 as the audit writes it (the browser
 * runtime's wallets are never tampered with, so no real audit finds one broken).
 */

async function registeredUser(label: string): Promise<string> {
  const userId = `${label}-${randomBytes(4).toString("hex")}`;
  await asAdmin(`/admin/v1/users/${userId}`, {
    method: "PUT",
    body: JSON.stringify({ displayName: label }),
  });
  return userId;
}

function seedBrokenAnchor(userId: string, headSeq: number, firstBadSeq: number) {
  const sql = `INSERT INTO wallet_chain_anchors
      (user_id, head_seq, head_hash, status, first_bad_seq, run_id, verified_at_ms)
    VALUES ('${userId}', ${headSeq}, '${"0".repeat(64)}', 'broken', ${firstBadSeq},
      'run_browser_${randomBytes(4).toString("hex")}', ${Date.now()});`;
  const result = localD1(["execute"], runtimeInfo().stateDir, { encoding: "utf8" }, [
    "--command",
    sql,
  ]);
  if (result.status !== 0) throw new Error(`seeding the anchor failed:\n${result.stderr}`);
}

test.describe("as a viewer", () => {
  test.use({ signInAs: "viewer" });

  test("the Ledger chain panel: not yet audited, then broken naming the entry", async ({
    page,
  }) => {
    const fresh = await registeredUser("chain-fresh");
    await page.goto(`/console/users/${fresh}`);
    const panel = page.getByRole("region", { name: "Ledger chain" });
    await expect(panel).toContainText("not yet audited");
    await expect(panel.getByRole("link", { name: /Ledger export/ })).toHaveAttribute(
      "href",
      `/console/users/${fresh}/ledger/export`,
    );

    const broken = await registeredUser("chain-broken");
    seedBrokenAnchor(broken, 9, 6);
    await page.goto(`/console/users/${broken}`);
    await expect(panel).toContainText("broken");
    await expect(panel).toContainText("Entry 6 is the first that does not verify.");
    await expect(panel).toContainText("up to entry 9");
    await expectNoSeriousA11yViolations(page);
    await screenshot(page, "user-ledger-chain-broken");

    await page.goto("/console/users");
    const row = page.getByRole("row").filter({ hasText: broken });
    await expect(row.getByRole("cell", { name: "broken", exact: true })).toBeVisible();
    await expect(row.getByRole("cell", { name: "6", exact: true })).toBeVisible();
    await expect(page.getByRole("row").filter({ hasText: fresh })).toHaveCount(0);
    await row.getByRole("link", { name: broken }).click();
    await expect(page).toHaveURL(`/console/users/${broken}`);
  });
});

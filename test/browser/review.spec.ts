import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { expect, openClaims, screenshot, test } from "./support/index";

/**
 * Review queues, payouts and exports in a real browser (docs/console.md): a viewer refused
 * an approve; a claim approved with a reason shows in the audit log;
 * a CSV export downloads. Fixtures go through the runtime's own APIs (support/claims.ts: a
 * user token from the local secrets, a real click through the redirect, a claim filed by the
 * user).
 */

/** A new user who clicked a demo offer and filed a claim for it; the claim is `open`. */
async function userWithOpenClaim(): Promise<{ userId: string; claimId: string }> {
  const { userId, claimIds } = await openClaims(1);
  return { userId, claimId: claimIds[0] as string };
}

test.describe("as a viewer", () => {
  test.use({ signInAs: "viewer" });

  test("sees the claims queue without decisions and is refused an approve", async ({ page }) => {
    await page.goto("/console/review?queue=claims");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Review queues");
    await expect(page.getByRole("button", { name: "Approve" })).toHaveCount(0);
    await screenshot(page, "review-claims-viewer");

    // The session's own CSRF token, so only the role can be what refuses it.
    const csrf = await page
      .locator('form[action="/console/sign-out"] input[name="_csrf"]')
      .inputValue();
    const response = await page.request.post("/console/review/claims/clm_anything/approve", {
      form: { _csrf: csrf, reason: "a viewer may not decide" },
      maxRedirects: 0,
    });
    expect(response.status()).toBe(403);
  });
});

test.describe("as support", () => {
  test.use({ signInAs: "support" });

  test("approves a claim with a reason, which the audit log shows", async ({ page }) => {
    const { userId, claimId } = await userWithOpenClaim();
    await page.goto(`/console/review?queue=claims&status=open&userId=${userId}`);
    const row = page.getByRole("row", { name: new RegExp(claimId) });
    await expect(row).toBeVisible();

    // Without a reason the browser keeps the form (required); the reason then goes through.
    const reason = `Merchant invoice checked ${randomBytes(3).toString("hex")}`;
    await row.getByLabel("Reason to approve").fill(reason);
    await row.getByRole("button", { name: "Approve" }).click();
    await expect(page.getByRole("status")).toContainText(`Claim ${claimId} approved`);
    await screenshot(page, "review-claim-approved");

    await page.goto(
      `/console/audit?pathPrefix=${encodeURIComponent(`/admin/v1/claims/${claimId}/`)}`,
    );
    const entry = page.getByRole("row", {
      name: new RegExp(`/admin/v1/claims/${claimId}/approve`),
    });
    await expect(entry).toBeVisible();
    await entry.getByText("Show").click();
    await expect(entry).toContainText(reason);
    await screenshot(page, "audit-claim-approved");
  });
});

test.describe("as finance", () => {
  test.use({ signInAs: "finance" });

  // "A stuck payout retried" is in payouts.spec.ts, with its runtime fixture.

  test("downloads the audit log and payouts as CSV", async ({ page }) => {
    await page.goto("/console/audit");
    const [audit] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("link", { name: "Export CSV" }).click(),
    ]);
    expect(audit.suggestedFilename()).toBe("audit-log.csv");
    const auditText = readFileSync((await audit.path()) ?? "", "utf8");
    expect(auditText.split("\r\n")[0]).toBe(
      "id,at,actor,scope,method,path,operation_id,status,problem,before,after,request_id",
    );

    await page.goto("/console/payouts");
    const [payouts] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("link", { name: "Export CSV" }).click(),
    ]);
    expect(payouts.suggestedFilename()).toBe("payouts.csv");
    const payoutText = readFileSync((await payouts.path()) ?? "", "utf8");
    expect(payoutText.startsWith("id,user_id,status,amount,currency,")).toBe(true);
  });
});

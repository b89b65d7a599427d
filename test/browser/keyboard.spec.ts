import { randomBytes } from "node:crypto";
import {
  asAdmin,
  createOperator,
  expect,
  fillFormByKeyboard,
  openClaims,
  pressByKeyboard,
  skipToContent,
  test,
  typeByKeyboard,
} from "./support/index";

/**
 * Every console form with the keyboard alone (issue 10: "every form usable by keyboard
 * alone"): Tab (and typing, Space, Enter) only, never a click; a field Tab cannot reach or a
 * control that only a mouse can work fails the test (support/keyboard.ts). Sign-in and
 * operator creation are in their own specs, the payout decisions (retry, release, cancel) in
 * payouts.spec.ts; the rest is here: claim approve and reject, a list's filters, offer create
 * and edit, the account's time zone and password, reconciliation "run now", CSV export.
 * Pages are opened by URL, as a bookmark or the nav would (the nav is links, reached by Tab).
 */

const reasonOf = (what: string) => `${what} ${randomBytes(3).toString("hex")}`;

test.describe("as support", () => {
  test.use({ signInAs: "support" });

  test("filters the claims queue, approves one claim and rejects another, each with a reason", async ({
    page,
  }) => {
    const {
      userId,
      claimIds: [approved, rejected],
    } = await openClaims(2);
    const filterToUser = async (claimId: string) => {
      await page.goto("/console/review?queue=claims");
      await skipToContent(page);
      // In a <select>, typing picks the option; the user id replaces the field's text.
      await fillFormByKeyboard(page, { Status: "open", "User id": userId }, "Filter");
      await expect(page).toHaveURL(/status=open/);
      await expect(page.getByRole("row", { name: new RegExp(claimId) })).toBeVisible();
    };

    await filterToUser(approved as string);
    const approveReason = reasonOf("Invoice matches the order");
    await fillFormByKeyboard(page, { "Reason to approve": approveReason }, "Approve", {
      within: page.getByRole("row", { name: new RegExp(approved as string) }),
      maxTabs: 200,
    });
    await expect(page.getByRole("status")).toContainText(`Claim ${approved} approved.`);

    await filterToUser(rejected as string);
    const rejectReason = reasonOf("No order at the merchant");
    await fillFormByKeyboard(page, { "Reason to reject": rejectReason }, "Reject", {
      within: page.getByRole("row", { name: new RegExp(rejected as string) }),
      maxTabs: 200,
    });
    await expect(page.getByRole("status")).toContainText(`Claim ${rejected} rejected.`);

    const decided = async (id: string) =>
      asAdmin<{ status: string; decisionReason: string | null }>(`/admin/v1/claims/${id}`);
    expect(await decided(approved as string)).toMatchObject({ decisionReason: approveReason });
    expect(await decided(rejected as string)).toMatchObject({
      status: "rejected",
      decisionReason: rejectReason,
    });
  });

  test("searches transactions with the filters", async ({ page }) => {
    const order = `KB-NONE-${randomBytes(3).toString("hex").toUpperCase()}`;
    await page.goto("/console/transactions");
    await skipToContent(page);
    await fillFormByKeyboard(page, { "Order id": order, Status: "pending" }, "Search");
    await expect(page).toHaveURL((url) => url.searchParams.get("orderId") === order);
    await expect(page).toHaveURL((url) => url.searchParams.get("status") === "pending");
    await expect(page.getByText("No transaction matches these filters.")).toBeVisible();
    await expect(page.getByLabel("Order id", { exact: true })).toHaveValue(order);
  });
});

test.describe("as a catalog operator", () => {
  test.use({ signInAs: "catalog" });

  test("creates an offer, then edits its title and switches it off", async ({ page }) => {
    const offerId = `kb-offer-${randomBytes(4).toString("hex")}`;
    await page.goto("/console/catalog/offers/new");
    await skipToContent(page);
    await fillFormByKeyboard(
      page,
      {
        Id: offerId,
        Title: "Keyboard-made offer",
        "Merchant id": "sandbox-store",
        Currency: "INR",
        "Default rate (%)": "4.5",
        "Return window (days)": "30",
      },
      "Create offer",
      { maxTabs: 120 },
    );
    await expect(page.getByRole("status")).toContainText(`Offer ${offerId} created.`);
    await expect(page.locator("main")).toContainText("4.5%");

    // The offer's page carries its edit form: a new title, and Active off with Space.
    await typeByKeyboard(
      page,
      page.getByLabel("Title", { exact: true }),
      "Keyboard-edited offer",
      120,
    );
    await pressByKeyboard(page, page.getByLabel("Active", { exact: true }), "Space", 120);
    await expect(page.getByLabel("Active", { exact: true })).not.toBeChecked();
    await pressByKeyboard(
      page,
      page.getByRole("button", { name: "Save offer", exact: true }),
      "Enter",
      120,
    );
    await expect(page.getByRole("status")).toContainText(`Offer ${offerId} saved.`);
    const offer = await asAdmin<{ title: string; active: boolean }>(`/admin/v1/offers/${offerId}`);
    expect(offer).toMatchObject({ title: "Keyboard-edited offer", active: false });
  });
});

test("an operator sets their time zone and changes their password with the keyboard", async ({
  page,
}) => {
  const operator = await createOperator("viewer");
  await page.goto("/console/sign-in");
  await fillFormByKeyboard(page, { Email: operator.email, Password: operator.password }, "Sign in");
  await expect(page.getByRole("heading", { level: 1, name: "Overview" })).toBeVisible();

  await page.goto("/console/account");
  await skipToContent(page);
  await fillFormByKeyboard(page, { "Time zone": "Asia/Kolkata" }, "Save");
  await expect(page.getByRole("status")).toContainText("Time zone saved.");
  await expect(page.getByLabel("Time zone", { exact: true })).toHaveValue("Asia/Kolkata");

  const password = `Kb-new-${randomBytes(12).toString("base64url")}`;
  await fillFormByKeyboard(
    page,
    { "Current password": operator.password, "New password": password },
    "Change password",
  );
  await expect(page).toHaveURL((url) => url.pathname === "/console/sign-in");
  await fillFormByKeyboard(page, { Email: operator.email, Password: password }, "Sign in");
  await expect(page.getByRole("heading", { level: 1, name: "Overview" })).toBeVisible();
});

test.describe("as finance", () => {
  test.use({ signInAs: "finance" });

  test("runs payout reconciliation now and downloads a CSV export", async ({ page }) => {
    await page.goto("/console/reconciliation");
    await skipToContent(page);
    await pressByKeyboard(page, page.getByRole("button", { name: "Reconcile payouts" }));
    await expect(page.getByRole("status")).toContainText(/Payout reconciliation \S+: completed/);

    await page.goto("/console/payouts");
    await skipToContent(page);
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      pressByKeyboard(page, page.getByRole("link", { name: "Export CSV" })),
    ]);
    expect(download.suggestedFilename()).toBe("payouts.csv");
  });
});

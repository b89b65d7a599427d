import type { Locator, Page } from "@playwright/test";
import {
  expect,
  expectNoSeriousA11yViolations,
  type Role,
  screenshot,
  test,
} from "./support/index";

/**
 * Every console page, visited as the role that sees the most of it: it renders, its
 * screenshot lands in artifacts/console-screenshots/<name>.png, and axe finds no serious or
 * critical violation. A new page adds one row here; its behaviour gets its own spec file.
 */
interface ConsolePage {
  name: string;
  path: string;
  /** Who visits it; undefined for the signed-out pages. */
  as: Role | undefined;
  /** What proves the page rendered. */
  ready: (page: Page) => Locator;
}

const CONSOLE_PAGES: ConsolePage[] = [
  {
    name: "sign-in",
    path: "/console/sign-in",
    as: undefined,
    ready: (page) => page.getByRole("button", { name: "Sign in" }),
  },
  {
    name: "overview",
    path: "/console",
    as: "admin",
    ready: (page) => page.getByRole("heading", { level: 1, name: "Overview" }),
  },
  {
    name: "account",
    path: "/console/account",
    as: "viewer",
    ready: (page) => page.getByRole("heading", { level: 1, name: "Account" }),
  },
  {
    name: "operators",
    path: "/console/operators",
    as: "admin",
    ready: (page) => page.getByRole("button", { name: "Create operator" }),
  },
  {
    name: "loyalty-program",
    path: "/console/loyalty",
    as: "catalog",
    ready: (page) => page.getByRole("button", { name: "Save settings" }),
  },
  {
    name: "notification-templates",
    path: "/console/notifications/templates",
    as: "viewer",
    ready: (page) => page.getByRole("heading", { level: 1, name: "Notification templates" }),
  },
  {
    name: "notification-template-type",
    path: "/console/notifications/templates/payout_paid",
    as: "catalog",
    ready: (page) => page.getByRole("button", { name: "Save template" }),
  },
  {
    name: "referrals-campaigns",
    path: "/console/referrals",
    as: "viewer",
    ready: (page) => page.getByRole("heading", { level: 1, name: "Referrals" }),
  },
  {
    name: "referrals-funnel",
    path: "/console/referrals/funnel",
    as: "viewer",
    ready: (page) => page.getByRole("heading", { level: 1, name: "Referral funnel" }),
  },
  {
    name: "referrals-review",
    path: "/console/referrals/review",
    as: "finance",
    ready: (page) => page.getByRole("heading", { level: 1, name: "Referral review queue" }),
  },
  {
    name: "referrals-program",
    path: "/console/referrals/program",
    as: "catalog",
    ready: (page) => page.getByRole("button", { name: "Save settings" }),
  },
  {
    name: "referrals-risk-lists",
    path: "/console/referrals/risk-lists",
    as: "finance",
    ready: (page) => page.getByRole("heading", { level: 1, name: "Risk lists" }),
  },
  {
    name: "referrals-reason-texts",
    path: "/console/referrals/reason-texts",
    as: "catalog",
    ready: (page) => page.getByRole("heading", { level: 1, name: "Referral reason texts" }),
  },
  {
    name: "referrals-reason-texts-locale",
    path: "/console/referrals/reason-texts/hi",
    as: "catalog",
    ready: (page) => page.getByRole("button", { name: "Save texts" }),
  },
  {
    name: "referrals-referrer",
    path: "/console/referrals/referrers/u-demo-referrer",
    as: "finance",
    ready: (page) => page.getByRole("button", { name: "Ban from referring" }),
  },
  {
    name: "finance",
    path: "/console/finance",
    as: "finance",
    ready: (page) => page.getByRole("heading", { level: 1, name: "Finance" }),
  },
  {
    name: "catalog-networks",
    path: "/console/catalog/networks",
    as: "catalog",
    ready: (page) => page.getByRole("heading", { level: 1, name: "Catalog · Networks" }),
  },
  {
    name: "catalog-merchants",
    path: "/console/catalog/merchants",
    as: "catalog",
    ready: (page) => page.getByRole("heading", { level: 1, name: "Catalog · Merchants" }),
  },
  {
    name: "catalog-offers",
    path: "/console/catalog/offers",
    as: "catalog",
    ready: (page) => page.getByRole("heading", { level: 1, name: "Catalog · Offers" }),
  },
  {
    name: "catalog-offer",
    path: "/console/catalog/offers/shopkart-electronics",
    as: "catalog",
    ready: (page) => page.getByRole("heading", { level: 1, name: "Offer" }),
  },
  {
    name: "catalog-offer-new",
    path: "/console/catalog/offers/new",
    as: "catalog",
    ready: (page) => page.getByRole("heading", { level: 1, name: "New offer" }),
  },
  {
    name: "catalog-campaigns",
    path: "/console/catalog/campaigns",
    as: "catalog",
    ready: (page) => page.getByRole("heading", { level: 1, name: "Catalog · Campaigns" }),
  },
  {
    name: "rules",
    path: "/console/rules",
    as: "catalog",
    ready: (page) => page.getByRole("heading", { level: 1, name: "Rules" }),
  },
  {
    name: "rules-draft",
    path: "/console/rules/draft",
    as: "catalog",
    ready: (page) => page.getByRole("button", { name: "Save draft" }),
  },
  {
    name: "rules-simulator",
    path: "/console/rules/simulate",
    as: "viewer",
    ready: (page) => page.getByRole("button", { name: "Simulate" }),
  },
  {
    name: "rules-budgets",
    path: "/console/rules/budgets",
    as: "viewer",
    ready: (page) => page.getByRole("heading", { level: 1, name: "Rules · Budgets" }),
  },
  {
    name: "users",
    path: "/console/users",
    as: "support",
    ready: (page) => page.getByRole("heading", { level: 1, name: "Users" }),
  },
  {
    name: "transactions",
    path: "/console/transactions",
    as: "support",
    ready: (page) => page.getByRole("heading", { level: 1, name: "Transactions" }),
  },
  {
    name: "postbacks",
    path: "/console/postbacks",
    as: "support",
    ready: (page) => page.getByRole("heading", { level: 1, name: "Postbacks" }),
  },
  {
    name: "review-claims",
    path: "/console/review?queue=claims",
    as: "support",
    ready: (page) => page.getByRole("heading", { level: 1, name: "Review queues" }),
  },
  {
    name: "review-held",
    path: "/console/review?queue=held",
    as: "finance",
    ready: (page) => page.getByRole("heading", { level: 1, name: "Review queues" }),
  },
  {
    name: "review-attention",
    path: "/console/review?queue=attention",
    as: "finance",
    ready: (page) => page.getByRole("heading", { level: 1, name: "Review queues" }),
  },
  {
    name: "risk-holds",
    path: "/console/risk/holds",
    as: "finance",
    ready: (page) => page.getByRole("heading", { level: 1, name: "Risk review queue" }),
  },
  {
    name: "risk-holds-support",
    path: "/console/risk/holds?status=released",
    as: "support",
    ready: (page) => page.getByRole("heading", { level: 1, name: "Risk review queue" }),
  },
  {
    name: "risk-user",
    path: "/console/risk/users/u-demo-referrer",
    as: "finance",
    ready: (page) => page.getByRole("heading", { level: 1, name: "Risk of u-demo-referrer" }),
  },
  {
    name: "reconciliation",
    path: "/console/reconciliation",
    as: "finance",
    ready: (page) => page.getByRole("heading", { level: 1, name: "Reconciliation" }),
  },
  {
    name: "payouts",
    path: "/console/payouts",
    as: "finance",
    ready: (page) => page.getByRole("heading", { level: 1, name: "Payouts" }),
  },
  {
    name: "alerts",
    path: "/console/alerts",
    as: "finance",
    ready: (page) => page.getByRole("heading", { level: 1, name: "Alerts" }),
  },
  {
    name: "analytics",
    path: "/console/analytics",
    as: "admin",
    ready: (page) => page.getByRole("heading", { level: 1, name: "Analytics" }),
  },
  {
    name: "analytics-points",
    path: "/console/analytics/points",
    as: "admin",
    ready: (page) => page.getByRole("heading", { level: 1, name: "Analytics: points" }),
  },
  {
    name: "analytics-risk-holds",
    path: "/console/analytics/risk-holds",
    as: "admin",
    ready: (page) => page.getByRole("heading", { level: 1, name: "Analytics: fraud holds" }),
  },
  {
    name: "analytics-referrals",
    path: "/console/analytics/referrals",
    as: "admin",
    ready: (page) => page.getByRole("heading", { level: 1, name: "Analytics: referrals" }),
  },
  {
    name: "notification-promotions",
    path: "/console/notifications/promotions",
    as: "catalog",
    ready: (page) => page.getByRole("heading", { level: 1, name: "Promotions" }),
  },
  {
    name: "notification-dead-letters",
    path: "/console/notifications/dead-letters",
    as: "admin",
    ready: (page) => page.getByRole("heading", { level: 1, name: "Notification dead letters" }),
  },
  {
    name: "notification-settings",
    path: "/console/notification-settings",
    as: "admin",
    ready: (page) => page.getByRole("heading", { level: 1, name: "Notification settings" }),
  },
  {
    name: "audit",
    path: "/console/audit",
    as: "admin",
    ready: (page) => page.getByRole("heading", { level: 1, name: "Audit log" }),
  },
];

for (const consolePage of CONSOLE_PAGES) {
  test.describe(`${consolePage.name} (${consolePage.path})`, () => {
    test.use({ signInAs: consolePage.as });

    test("renders in standards mode, is screenshotted, and has no serious accessibility violations", async ({
      page,
    }) => {
      const response = await page.goto(consolePage.path);
      expect(response?.status()).toBe(200);
      await expect(consolePage.ready(page)).toBeVisible();
      await screenshot(page, consolePage.name);
      await expectNoSeriousA11yViolations(page);
      // A real doctype: without one (or with it escaped into the body as text) the page
      // renders in quirks mode and shows "<!doctype html>" at the top.
      expect(await page.evaluate("document.compatMode"), "standards mode").toBe("CSS1Compat");
      await expect(page.getByText("<!doctype", { exact: false })).toHaveCount(0);
    });
  });
}

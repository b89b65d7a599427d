/**
 * The console's sections. `apiPath` is the admin API list the section reads: the nav shows a
 * section only to roles that may read it (the API decides, auth/admin-scopes.ts). Sections
 * added by later capabilities add a line here.
 */
export interface NavItem {
  key: string;
  label: string;
  href: string;
  apiPath?: string;
}

export const NAV_ITEMS: readonly NavItem[] = [
  { key: "overview", label: "Overview", href: "/console" },
  // Straight to the offers list (/console/catalog redirects there), so the nav is one request.
  {
    key: "catalog",
    label: "Catalog",
    href: "/console/catalog/offers",
    apiPath: "/admin/v1/offers",
  },
  // The live rules; the section's tabs lead on to the draft, the simulator and budgets.
  { key: "rules", label: "Rules", href: "/console/rules", apiPath: "/admin/v1/rules/live" },
  { key: "users", label: "Users", href: "/console/users", apiPath: "/admin/v1/users" },
  {
    key: "loyalty",
    label: "Loyalty program",
    href: "/console/loyalty",
    apiPath: "/admin/v1/loyalty/program",
  },
  // Notifications: the templates per type and locale; the section leads on to promotional sends.
  {
    key: "notifications",
    label: "Notifications",
    href: "/console/notifications/templates",
    apiPath: "/admin/v1/notifications/templates",
  },
  // The referral campaigns; the section's tabs lead on to the funnel and the review queue.
  {
    key: "referrals",
    label: "Referrals",
    href: "/console/referrals",
    apiPath: "/admin/v1/referrals/funnel",
  },
  {
    key: "transactions",
    label: "Transactions",
    href: "/console/transactions",
    apiPath: "/admin/v1/transactions",
  },
  {
    key: "postbacks",
    label: "Postbacks",
    href: "/console/postbacks",
    apiPath: "/admin/v1/postbacks",
  },
  { key: "review", label: "Review queues", href: "/console/review", apiPath: "/admin/v1/claims" },
  // The risk holds' review queue; a user's risk page is reached from it and the member page.
  { key: "risk", label: "Risk", href: "/console/risk/holds", apiPath: "/admin/v1/risk/holds" },
  {
    key: "reconciliation",
    label: "Reconciliation",
    href: "/console/reconciliation",
    apiPath: "/admin/v1/reconciliation",
  },
  { key: "payouts", label: "Payouts", href: "/console/payouts", apiPath: "/admin/v1/payouts" },
  { key: "finance", label: "Finance", href: "/console/finance", apiPath: "/admin/v1/finance" },
  { key: "alerts", label: "Alerts", href: "/console/alerts", apiPath: "/admin/v1/alerts" },
  {
    key: "notification-settings",
    label: "Notification settings",
    href: "/console/notification-settings",
    apiPath: "/admin/v1/notification-settings",
  },
  {
    key: "analytics",
    label: "Analytics",
    href: "/console/analytics",
    apiPath: "/admin/v1/analytics/funnel",
  },
  { key: "audit", label: "Audit log", href: "/console/audit", apiPath: "/admin/v1/audit-log" },
  // Re-sharding the user databases: every role follows a move; only an admin acts on one.
  {
    key: "user-db-moves",
    label: "User databases",
    href: "/console/user-db-moves",
    apiPath: "/admin/v1/user-db-moves/history",
  },
  {
    key: "operators",
    label: "Operators",
    href: "/console/operators",
    apiPath: "/admin/v1/operators",
  },
];

import { beforeAll, describe, expect, it, test } from "vitest";
import { scopeDecision } from "#workers/api/src/auth/admin-scopes";
import { OPERATOR_ROLES, type OperatorRole } from "#workers/api/src/auth/roles";
import { api } from "./helpers";

/**
 * Every role × every admin operation the API documents: the decision of the role table
 * (workers/api/src/auth/admin-scopes.ts) against the split issue 10 asks for, written out
 * here by hand so a change to the table shows up as a changed row. A documented operation
 * without a row here fails, so each new admin route states who may call it.
 */

const EVERY_ROLE: readonly OperatorRole[] = OPERATOR_ROLES;
const ADMIN: readonly OperatorRole[] = ["admin"];
const CATALOG: readonly OperatorRole[] = ["catalog", "admin"];
const FINANCE: readonly OperatorRole[] = ["finance", "admin"];
const SUPPORT: readonly OperatorRole[] = ["support", "admin"];
const SUPPORT_OR_FINANCE: readonly OperatorRole[] = ["support", "finance", "admin"];

/** `method path` (as in /openapi.json) → the roles allowed; every other role gets 403. */
const EXPECTED: Record<string, readonly OperatorRole[]> = {
  // Catalog
  "get /admin/v1/networks": EVERY_ROLE,
  "get /admin/v1/networks/{id}": EVERY_ROLE,
  "put /admin/v1/networks/{id}": CATALOG,
  "get /admin/v1/networks/{id}/health": EVERY_ROLE,
  "post /admin/v1/networks/{id}/sync": CATALOG,
  "get /admin/v1/sync/runs": EVERY_ROLE,
  "get /admin/v1/networks/{id}/held-feed-changes": EVERY_ROLE,
  "post /admin/v1/networks/{id}/held-feed-changes/{changeId}/approve": CATALOG,
  "post /admin/v1/networks/{id}/held-feed-changes/{changeId}/dismiss": CATALOG,
  "get /admin/v1/merchants": EVERY_ROLE,
  "get /admin/v1/merchants/{id}": EVERY_ROLE,
  "put /admin/v1/merchants/{id}": CATALOG,
  "get /admin/v1/offers": EVERY_ROLE,
  "get /admin/v1/offers/{id}": EVERY_ROLE,
  "put /admin/v1/offers/{id}": CATALOG,
  "put /admin/v1/offers/{id}/allowed-referrers": CATALOG,
  "get /admin/v1/campaigns": EVERY_ROLE,
  "get /admin/v1/campaigns/{id}": EVERY_ROLE,
  "put /admin/v1/campaigns/{id}": CATALOG,
  "get /admin/v1/campaigns/{id}/budget": EVERY_ROLE,
  "get /admin/v1/event-types": EVERY_ROLE,
  "get /admin/v1/event-types/{type}": EVERY_ROLE,
  "put /admin/v1/event-types/{type}": CATALOG,
  // Rules engine: rule sets change every reward, like boosts; simulating is a read
  "get /admin/v1/rules/draft": EVERY_ROLE,
  "put /admin/v1/rules/draft": CATALOG,
  "get /admin/v1/rules/draft/diff": EVERY_ROLE,
  "post /admin/v1/rules/draft/fraud-starter": CATALOG,
  "get /admin/v1/rules/live": EVERY_ROLE,
  "get /admin/v1/rules/versions": EVERY_ROLE,
  "get /admin/v1/rules/versions/{version}": EVERY_ROLE,
  "get /admin/v1/rules/versions/{version}/diff": EVERY_ROLE,
  "post /admin/v1/rules/publish": CATALOG,
  "post /admin/v1/rules/rollback": CATALOG,
  "post /admin/v1/rules/simulate": EVERY_ROLE,
  // The loyalty program's settings and voucher pools: like rules
  "get /admin/v1/loyalty/program": EVERY_ROLE,
  "put /admin/v1/loyalty/program": CATALOG,
  "get /admin/v1/loyalty/program/versions": EVERY_ROLE,
  "get /admin/v1/loyalty/voucher-pools": EVERY_ROLE,
  "post /admin/v1/loyalty/voucher-pools": CATALOG,
  "get /admin/v1/loyalty/voucher-pools/{poolId}": EVERY_ROLE,
  "put /admin/v1/loyalty/voucher-pools/{poolId}": CATALOG,
  "post /admin/v1/loyalty/voucher-pools/{poolId}/codes": CATALOG,
  // The referral program's settings: like the loyalty program's
  "get /admin/v1/referrals/program": EVERY_ROLE,
  "put /admin/v1/referrals/program": CATALOG,
  "get /admin/v1/referrals/program/versions": EVERY_ROLE,
  // Translations of the reason texts members read: marketing's words, like the campaigns
  "get /admin/v1/referral-reason-texts": EVERY_ROLE,
  "get /admin/v1/referral-reason-texts/{locale}": EVERY_ROLE,
  "put /admin/v1/referral-reason-texts/{locale}": CATALOG,
  // Notification templates: the words of every message, marketing's like the reason texts;
  // the preview renders and changes nothing
  "get /admin/v1/notifications/templates": EVERY_ROLE,
  "get /admin/v1/notifications/templates/{type}": EVERY_ROLE,
  "get /admin/v1/notifications/templates/{type}/{locale}": EVERY_ROLE,
  "put /admin/v1/notifications/templates/{type}/{locale}": CATALOG,
  "delete /admin/v1/notifications/templates/{type}/{locale}": CATALOG,
  "post /admin/v1/notifications/templates/preview": EVERY_ROLE,
  // Referral review: everyone sees the queue; approving, rejecting, banning and the risk
  // lists move or withhold money, so finance decides
  "get /admin/v1/referrals": EVERY_ROLE,
  "get /admin/v1/referrals/{referralId}": EVERY_ROLE,
  "post /admin/v1/referrals/{referralId}/decision": FINANCE,
  // Risk holds: releasing one dispatches the payouts it held, so finance decides; every role
  // sees the review queue
  "get /admin/v1/risk/holds": EVERY_ROLE,
  "post /admin/v1/risk/holds/{userId}/{holdId}/decision": FINANCE,
  "post /admin/v1/risk/holds/decisions": FINANCE,
  "get /admin/v1/referrals/referrers/{id}/ban": EVERY_ROLE,
  "put /admin/v1/referrals/referrers/{id}/ban": FINANCE,
  "delete /admin/v1/referrals/referrers/{id}/ban": FINANCE,
  "get /admin/v1/risk-lists/{list}": EVERY_ROLE,
  "put /admin/v1/risk-lists/{list}": FINANCE,
  // Fraud: every role sees a user's risk, holds and linked accounts
  "get /admin/v1/risk/users/{id}": EVERY_ROLE,
  // Labels exports: finance (who decides holds) writes them; every role downloads them
  "post /admin/v1/risk/labels/exports": FINANCE,
  // Promotional sends: marketing (catalog) creates and cancels, every role reads progress
  "get /admin/v1/notifications/segments": EVERY_ROLE,
  "get /admin/v1/notifications/promotions": EVERY_ROLE,
  "post /admin/v1/notifications/promotions": CATALOG,
  "get /admin/v1/notifications/promotions/{id}": EVERY_ROLE,
  "post /admin/v1/notifications/promotions/{id}/cancel": CATALOG,
  "get /admin/v1/risk/labels/exports": EVERY_ROLE,
  "get /admin/v1/risk/labels/exports/{id}": EVERY_ROLE,
  // The referral funnel: aggregate figures every role reads
  "get /admin/v1/referrals/funnel": EVERY_ROLE,
  // Rule budgets: read-only
  "get /admin/v1/budgets/{key}": EVERY_ROLE,
  // Finance: money moves and reconciliation
  "get /admin/v1/payouts": EVERY_ROLE,
  "get /admin/v1/payouts/{id}": EVERY_ROLE,
  "post /admin/v1/payouts/{id}/approve": FINANCE,
  "post /admin/v1/payouts/{id}/retry": FINANCE,
  "post /admin/v1/payouts/{id}/cancel": FINANCE,
  "get /admin/v1/gift-cards": EVERY_ROLE,
  "put /admin/v1/gift-cards/{id}": FINANCE,
  "post /admin/v1/confirmations/run": FINANCE,
  "post /admin/v1/networks/{id}/reconcile": FINANCE,
  "get /admin/v1/reconciliation/runs": EVERY_ROLE,
  "get /admin/v1/reconciliation/runs/{id}": EVERY_ROLE,
  "post /admin/v1/payout-reconciliation/run": FINANCE,
  "get /admin/v1/payout-reconciliation/runs": EVERY_ROLE,
  "get /admin/v1/payout-reconciliation/runs/{id}": EVERY_ROLE,
  "get /admin/v1/payout-reconciliation/discrepancies": EVERY_ROLE,
  "get /admin/v1/finance/summary": EVERY_ROLE,
  // Support: users, claims, transactions (reads; no money moves)
  "put /admin/v1/users/{id}": SUPPORT_OR_FINANCE,
  "get /admin/v1/users/{id}/kyc": EVERY_ROLE,
  "put /admin/v1/users/{id}/kyc": SUPPORT_OR_FINANCE,
  "post /admin/v1/users/{id}/logins": SUPPORT_OR_FINANCE,
  "get /admin/v1/users/{id}": EVERY_ROLE,
  "get /admin/v1/users/{id}/ledger": EVERY_ROLE,
  "get /admin/v1/users/{id}/ledger/export": EVERY_ROLE,
  "get /admin/v1/ledger-chains": EVERY_ROLE,
  "get /admin/v1/users/{id}/transactions": EVERY_ROLE,
  "get /admin/v1/users/{id}/clicks": EVERY_ROLE,
  "get /admin/v1/users/{id}/claims": EVERY_ROLE,
  "get /admin/v1/users/{id}/events": EVERY_ROLE,
  "get /admin/v1/users/{id}/points": EVERY_ROLE,
  "get /admin/v1/users/{id}/points/lots": EVERY_ROLE,
  "get /admin/v1/users/{id}/points/history": EVERY_ROLE,
  "get /admin/v1/users/{id}/tier-history": EVERY_ROLE,
  "get /admin/v1/users/{id}/contact": EVERY_ROLE,
  "post /admin/v1/users/{id}/contact/reveal": SUPPORT,
  "get /admin/v1/users/{id}/segments": EVERY_ROLE,
  "put /admin/v1/users/{id}/segments": ["catalog", "support", "admin"],
  "get /admin/v1/users/{id}/notification-preferences": EVERY_ROLE,
  "put /admin/v1/users/{id}/notification-preferences": FINANCE,
  "get /admin/v1/notification-settings": EVERY_ROLE,
  "put /admin/v1/notification-settings": CATALOG,
  "get /admin/v1/users/{id}/referral-code": EVERY_ROLE,
  "put /admin/v1/users/{id}/referral-code": ["catalog", "support", "admin"],
  "get /admin/v1/users/{id}/destinations": EVERY_ROLE,
  "get /admin/v1/claims": EVERY_ROLE,
  "get /admin/v1/claims/{id}": EVERY_ROLE,
  "post /admin/v1/claims/{id}/approve": SUPPORT,
  "post /admin/v1/claims/{id}/reject": SUPPORT,
  // Notification dead letters: every role reads, finance replays; a user's deliveries
  "get /admin/v1/notifications/dead-letters": EVERY_ROLE,
  "post /admin/v1/notifications/dead-letters/{id}/retry": FINANCE,
  "get /admin/v1/users/{id}/notification-deliveries": EVERY_ROLE,
  "get /admin/v1/transactions": EVERY_ROLE,
  "get /admin/v1/transactions/{id}": EVERY_ROLE,
  // Records every role reads
  "get /admin/v1/postbacks": EVERY_ROLE,
  "get /admin/v1/postbacks/{id}": EVERY_ROLE,
  "get /admin/v1/audit-log": EVERY_ROLE,
  "get /admin/v1/overview": EVERY_ROLE,
  // Operator alerts: every role sees them, finance acknowledges and resolves, admin configures
  "get /admin/v1/alerts": EVERY_ROLE,
  "get /admin/v1/alerts/{id}": EVERY_ROLE,
  "post /admin/v1/alerts/{id}/acknowledgement": FINANCE,
  "post /admin/v1/alerts/{id}/resolution": FINANCE,
  "get /admin/v1/alert-settings": EVERY_ROLE,
  "put /admin/v1/alert-settings": ADMIN,
  "get /admin/v1/analytics/funnel": EVERY_ROLE,
  "get /admin/v1/analytics/margin": EVERY_ROLE,
  "get /admin/v1/analytics/distributions": EVERY_ROLE,
  "get /admin/v1/analytics/cohorts": EVERY_ROLE,
  "get /admin/v1/analytics/points": EVERY_ROLE,
  "get /admin/v1/analytics/risk-holds": EVERY_ROLE,
  "get /admin/v1/analytics/referrals": EVERY_ROLE,
  // Admin only
  "get /admin/v1/dev/notifications": ADMIN,
  "post /admin/v1/operators": ADMIN,
  "get /admin/v1/operators": ADMIN,
  "get /admin/v1/operators/{operatorId}": ADMIN,
  "patch /admin/v1/operators/{operatorId}": ADMIN,
  "put /admin/v1/operators/{operatorId}/password": ADMIN,
  "post /admin/v1/operators/{operatorId}/unlock": ADMIN,
  "delete /admin/v1/operators/{operatorId}/sessions": ADMIN,
  // Moving the user databases: progress readable by every role, each step the admin's
  "post /admin/v1/user-db-moves": ADMIN,
  "get /admin/v1/user-db-moves": EVERY_ROLE,
  "get /admin/v1/user-db-moves/history": EVERY_ROLE,
  "get /admin/v1/user-db-moves/{id}": EVERY_ROLE,
  "post /admin/v1/user-db-moves/{id}/cancel": ADMIN,
  "post /admin/v1/user-db-moves/{id}/steps": ADMIN,
};

const concrete = (template: string) => template.replaceAll(/\{[^}]+\}/g, "x");

let documented: string[] = [];

beforeAll(async () => {
  const doc = (await (await api("/openapi.json")).json()) as {
    paths: Record<string, Record<string, unknown>>;
  };
  documented = Object.entries(doc.paths)
    .filter(([path]) => path.startsWith("/admin/"))
    .flatMap(([path, operations]) => Object.keys(operations).map((m) => `${m} ${path}`))
    .sort();
});

describe("the role table covers every documented admin operation", () => {
  it("has a row here for each operation of /openapi.json, and none for an operation gone", () => {
    expect(documented.length).toBeGreaterThan(30);
    expect(
      documented.filter((op) => !(op in EXPECTED)),
      "add these operations to EXPECTED in test/roles.test.ts (and a rule to ADMIN_SCOPE_RULES if the area is new)",
    ).toEqual([]);
    expect(
      Object.keys(EXPECTED).filter((op) => !documented.includes(op)),
      "these rows name operations /openapi.json no longer documents",
    ).toEqual([]);
  });
});

describe.each(Object.entries(EXPECTED))("%s", (operation, allowed) => {
  const [method, template] = operation.split(" ") as [string, string];
  test.each(
    EVERY_ROLE.map((role) => ({ role, verdict: allowed.includes(role) ? "allowed" : "403" })),
  )("$role: $verdict", ({ role }) => {
    const decision = scopeDecision(role, method, concrete(template));
    expect(decision.allowed).toBe(allowed.includes(role));
    if (!decision.allowed) expect(allowed).toContain(decision.needs);
  });
});

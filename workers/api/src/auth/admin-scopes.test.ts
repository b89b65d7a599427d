import { describe, expect, test } from "vitest";
import { rolesAllowed, scopeDecision, scopeRuleFor } from "./admin-scopes";
import { type OperatorRole, roleOf } from "./roles";

describe("scopeDecision", () => {
  test.each<{
    label: string;
    scope: OperatorRole;
    method: string;
    path: string;
    needs: OperatorRole | null;
  }>([
    {
      label: "admin writes anything",
      scope: "admin",
      method: "POST",
      path: "/admin/v1/payouts/po_1/approve",
      needs: null,
    },
    {
      label: "admin reaches an unmapped path",
      scope: "admin",
      method: "GET",
      path: "/admin/v1/unmapped",
      needs: null,
    },
    {
      label: "catalog writes an offer",
      scope: "catalog",
      method: "PUT",
      path: "/admin/v1/offers/o-1",
      needs: null,
    },
    {
      label: "catalog syncs a network",
      scope: "catalog",
      method: "POST",
      path: "/admin/v1/networks/n/sync",
      needs: null,
    },
    {
      label: "catalog approves a held feed change",
      scope: "catalog",
      method: "POST",
      path: "/admin/v1/networks/n/held-feed-changes/c1/approve",
      needs: null,
    },
    {
      label: "catalog may not reconcile",
      scope: "catalog",
      method: "POST",
      path: "/admin/v1/networks/n/reconcile",
      needs: "finance",
    },
    {
      label: "finance reconciles a network",
      scope: "finance",
      method: "POST",
      path: "/admin/v1/networks/n/reconcile",
      needs: null,
    },
    {
      label: "finance may not edit the network",
      scope: "finance",
      method: "PUT",
      path: "/admin/v1/networks/n",
      needs: "catalog",
    },
    {
      label: "finance approves a payout",
      scope: "finance",
      method: "POST",
      path: "/admin/v1/payouts/po_1/approve",
      needs: null,
    },
    {
      label: "finance runs confirmation",
      scope: "finance",
      method: "POST",
      path: "/admin/v1/confirmations/run",
      needs: null,
    },
    {
      label: "finance records KYC (it gates payouts)",
      scope: "finance",
      method: "PUT",
      path: "/admin/v1/users/u1/kyc",
      needs: null,
    },
    {
      label: "support records KYC",
      scope: "support",
      method: "PUT",
      path: "/admin/v1/users/u1/kyc",
      needs: null,
    },
    {
      label: "support decides a claim",
      scope: "support",
      method: "POST",
      path: "/admin/v1/claims/cl_1/approve",
      needs: null,
    },
    {
      label: "support annotates a transaction",
      scope: "support",
      method: "POST",
      path: "/admin/v1/transactions/t1/notes",
      needs: null,
    },
    {
      label: "support may not adjust a transaction (money moves)",
      scope: "support",
      method: "POST",
      path: "/admin/v1/transactions/t1/adjustments",
      needs: "finance",
    },
    {
      label: "support may not approve a payout",
      scope: "support",
      method: "POST",
      path: "/admin/v1/payouts/po_1/approve",
      needs: "finance",
    },
    {
      label: "support may not run confirmation",
      scope: "support",
      method: "POST",
      path: "/admin/v1/confirmations/run",
      needs: "finance",
    },
    {
      label: "finance may not decide a claim",
      scope: "finance",
      method: "POST",
      path: "/admin/v1/claims/cl_1/approve",
      needs: "support",
    },
    {
      label: "viewer reads offers",
      scope: "viewer",
      method: "GET",
      path: "/admin/v1/offers",
      needs: null,
    },
    {
      label: "viewer reads the audit log",
      scope: "viewer",
      method: "GET",
      path: "/admin/v1/audit-log",
      needs: null,
    },
    {
      label: "viewer may not write",
      scope: "viewer",
      method: "PUT",
      path: "/admin/v1/offers/o-1",
      needs: "catalog",
    },
    {
      label: "viewer may not DELETE",
      scope: "viewer",
      method: "DELETE",
      path: "/admin/v1/campaigns/c",
      needs: "catalog",
    },
    {
      label: "the dev outbox is admin-only, even to read",
      scope: "viewer",
      method: "GET",
      path: "/admin/v1/dev/notifications",
      needs: "admin",
    },
    {
      label: "operators are admin-only, even to read",
      scope: "support",
      method: "GET",
      path: "/admin/v1/operators",
      needs: "admin",
    },
    {
      label: "operator management is admin-only",
      scope: "finance",
      method: "POST",
      path: "/admin/v1/operators/op_1/role",
      needs: "admin",
    },
    {
      label: "postbacks are read-only records",
      scope: "support",
      method: "POST",
      path: "/admin/v1/postbacks/p1/replay",
      needs: "admin",
    },
    {
      label: "an unmapped path is admin-only",
      scope: "catalog",
      method: "GET",
      path: "/admin/v2/offers",
      needs: "admin",
    },
    {
      label: "a lookalike prefix is not the area",
      scope: "catalog",
      method: "PUT",
      path: "/admin/v1/offers-archive/x",
      needs: "admin",
    },
  ])("$label", ({ scope, method, path, needs }) => {
    expect(scopeDecision(scope, method, path)).toEqual(
      needs === null ? { allowed: true } : { allowed: false, needs },
    );
  });
});

describe("scopeRuleFor", () => {
  test.each([
    { path: "/admin/v1/networks/x", writers: ["catalog"] },
    { path: "/admin/v1/networks/x/health", writers: ["catalog"] },
    { path: "/admin/v1/networks/x/reconcile", writers: ["finance"] },
    { path: "/admin/v1/payout-reconciliation/runs/r", writers: ["finance"] },
    { path: "/admin/v1/users/u/logins", writers: ["support", "finance"] },
    { path: "/admin/v1/transactions/t/notes/n", writers: ["support"] },
  ])("$path → $writers", ({ path, writers }) => {
    expect(scopeRuleFor(path)?.writers).toEqual(writers);
  });
});

describe("rolesAllowed", () => {
  test.each<{ label: string; method: string; path: string; roles: OperatorRole[] }>([
    {
      label: "every role reads an ordinary area",
      method: "GET",
      path: "/admin/v1/payouts",
      roles: ["viewer", "catalog", "support", "finance", "admin"],
    },
    {
      label: "HEAD is a read",
      method: "head",
      path: "/admin/v1/offers",
      roles: ["viewer", "catalog", "support", "finance", "admin"],
    },
    {
      label: "a shared area lists both writers",
      method: "PUT",
      path: "/admin/v1/users/u",
      roles: ["support", "finance", "admin"],
    },
    { label: "no rule: admin only", method: "GET", path: "/admin/v1/nowhere", roles: ["admin"] },
  ])("$label", ({ method, path, roles }) => {
    expect(rolesAllowed(method, path)).toEqual(roles);
  });
});

describe("roleOf: the issue-9 scope names still configure a key", () => {
  test.each<{ name: Parameters<typeof roleOf>[0]; role: OperatorRole }>([
    { name: "read-only", role: "viewer" },
    { name: "payouts", role: "finance" },
    { name: "finance", role: "finance" },
    { name: "support", role: "support" },
    { name: "admin", role: "admin" },
  ])("$name → $role", ({ name, role }) => {
    expect(roleOf(name)).toBe(role);
  });
});

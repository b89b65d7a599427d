import { describe, expect, test } from "vitest";
import type { AdminScope } from "./admin-keys";
import { scopeDecision, scopeRuleFor } from "./admin-scopes";

describe("scopeDecision", () => {
  test.each<{
    label: string;
    scope: AdminScope;
    method: string;
    path: string;
    needs: AdminScope | null;
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
      label: "finance reads payouts",
      scope: "finance",
      method: "GET",
      path: "/admin/v1/payouts",
      needs: null,
    },
    {
      label: "finance may not approve a payout",
      scope: "finance",
      method: "POST",
      path: "/admin/v1/payouts/po_1/approve",
      needs: "payouts",
    },
    {
      label: "payouts approves a payout",
      scope: "payouts",
      method: "POST",
      path: "/admin/v1/payouts/po_1/approve",
      needs: null,
    },
    {
      label: "payouts records KYC",
      scope: "payouts",
      method: "PUT",
      path: "/admin/v1/users/u1/kyc",
      needs: null,
    },
    {
      label: "payouts may not run confirmation",
      scope: "payouts",
      method: "POST",
      path: "/admin/v1/confirmations/run",
      needs: "admin",
    },
    {
      label: "read-only reads offers",
      scope: "read-only",
      method: "GET",
      path: "/admin/v1/offers",
      needs: null,
    },
    {
      label: "read-only reads the audit log",
      scope: "read-only",
      method: "GET",
      path: "/admin/v1/audit-log",
      needs: null,
    },
    {
      label: "read-only may not write",
      scope: "read-only",
      method: "PUT",
      path: "/admin/v1/offers/o-1",
      needs: "catalog",
    },
    {
      label: "read-only may not DELETE",
      scope: "read-only",
      method: "DELETE",
      path: "/admin/v1/campaigns/c",
      needs: "catalog",
    },
    {
      label: "the dev outbox is admin-only, even to read",
      scope: "read-only",
      method: "GET",
      path: "/admin/v1/dev/notifications",
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
    { path: "/admin/v1/networks/x", writers: "catalog" },
    { path: "/admin/v1/networks/x/health", writers: "catalog" },
    { path: "/admin/v1/networks/x/reconcile", writers: "finance" },
    { path: "/admin/v1/payout-reconciliation/runs/r", writers: "finance" },
    { path: "/admin/v1/users/u/logins", writers: "payouts" },
  ])("$path → $writers", ({ path, writers }) => {
    expect(scopeRuleFor(path)?.writers).toBe(writers);
  });
});

import type { AdminScope } from "./admin-keys";

/**
 * Which admin key may call which admin route, decided by path prefix in one table. Every
 * scope may read (GET) every area except those marked `readers: "admin"`; writing needs the
 * area's scope or `admin`. A path no rule names is `admin`-only, and a test walks the OpenAPI
 * document so that no documented route is left to that fallback (test/admin-access.e2e.test.ts).
 */
export interface ScopeRule {
  /** Path segments from the root; `*` matches any one segment. Matches as a prefix. */
  prefix: string;
  /** The scope, besides `admin`, whose keys may write here. */
  writers: AdminScope;
  /** Who may read here: any key (the default), or only `admin` keys. */
  readers?: "any" | "admin";
}

export const ADMIN_SCOPE_RULES: readonly ScopeRule[] = [
  // Catalog: the networks, merchants and offers users click, campaign boosts, merchant sync.
  { prefix: "/admin/v1/networks", writers: "catalog" },
  { prefix: "/admin/v1/merchants", writers: "catalog" },
  { prefix: "/admin/v1/offers", writers: "catalog" },
  { prefix: "/admin/v1/campaigns", writers: "catalog" },
  { prefix: "/admin/v1/networks/*/sync", writers: "catalog" },
  { prefix: "/admin/v1/networks/*/health", writers: "catalog" },
  { prefix: "/admin/v1/sync", writers: "catalog" },
  // Finance: report and payout reconciliation, the finance summary.
  { prefix: "/admin/v1/networks/*/reconcile", writers: "finance" },
  { prefix: "/admin/v1/reconciliation", writers: "finance" },
  { prefix: "/admin/v1/payout-reconciliation", writers: "finance" },
  { prefix: "/admin/v1/finance", writers: "finance" },
  // Payouts: payout operations and what gates them (users' KYC and logins, gift cards).
  { prefix: "/admin/v1/payouts", writers: "payouts" },
  { prefix: "/admin/v1/gift-cards", writers: "payouts" },
  { prefix: "/admin/v1/users", writers: "payouts" },
  // Everything that moves money in bulk or reviews users' claims: admin keys only.
  { prefix: "/admin/v1/confirmations", writers: "admin" },
  { prefix: "/admin/v1/claims", writers: "admin" },
  { prefix: "/admin/v1/transactions", writers: "admin" },
  { prefix: "/admin/v1/postbacks", writers: "admin" },
  { prefix: "/admin/v1/audit-log", writers: "admin" },
  // The dev outbox holds step-up codes: not even readable by narrower keys.
  { prefix: "/admin/v1/dev", writers: "admin", readers: "admin" },
  // Console operators: only admins see or manage them.
  { prefix: "/admin/v1/operators", writers: "admin", readers: "admin" },
];

const segmentsOf = (path: string) => path.split("/").filter((s) => s.length > 0);

function matches(rule: ScopeRule, pathSegments: readonly string[]): boolean {
  const prefix = segmentsOf(rule.prefix);
  if (prefix.length > pathSegments.length) return false;
  return prefix.every((s, i) => s === "*" || s === pathSegments[i]);
}

/**
 * The rule for a path: the matching rule with the most segments (so `/networks/x/reconcile`
 * is finance's although `/networks` is catalog's), or null when none matches.
 *
 * @example
 * scopeRuleFor("/admin/v1/networks/admitad/reconcile")?.writers; // "finance"
 */
export function scopeRuleFor(path: string): ScopeRule | null {
  const segments = segmentsOf(path);
  let best: ScopeRule | null = null;
  for (const rule of ADMIN_SCOPE_RULES) {
    if (!matches(rule, segments)) continue;
    if (!best || segmentsOf(rule.prefix).length > segmentsOf(best.prefix).length) best = rule;
  }
  return best;
}

const READ_METHODS = new Set(["GET", "HEAD"]);

export type ScopeDecision = { allowed: true } | { allowed: false; needs: AdminScope };

/**
 * Whether a key of `scope` may send `method` to `path`.
 *
 * @example
 * scopeDecision("read-only", "PUT", "/admin/v1/offers/x"); // { allowed: false, needs: "catalog" }
 */
export function scopeDecision(scope: AdminScope, method: string, path: string): ScopeDecision {
  if (scope === "admin") return { allowed: true };
  const rule = scopeRuleFor(path);
  if (!rule) return { allowed: false, needs: "admin" };
  if (READ_METHODS.has(method.toUpperCase())) {
    return rule.readers === "admin" ? { allowed: false, needs: "admin" } : { allowed: true };
  }
  return rule.writers === scope ? { allowed: true } : { allowed: false, needs: rule.writers };
}

/**
 * The operator roles (issue 10): one set for admin API keys and console operators alike.
 * What each role may read and write is the path table in `admin-scopes.ts`; docs/access.md
 * explains the split.
 *
 * - `admin`: everything, including operator management and the dev outbox.
 * - `catalog`: networks, merchants, offers, campaigns, merchant sync.
 * - `support`: users, claims, transaction notes; never a write that moves money.
 * - `finance`: payouts, gift cards, confirmation runs, reconciliation, the finance summary.
 * - `viewer`: reads, nothing else.
 */
export const OPERATOR_ROLES = ["admin", "catalog", "support", "finance", "viewer"] as const;
export type OperatorRole = (typeof OPERATOR_ROLES)[number];

/**
 * Scope names of issue 9 that ADMIN_API_KEYS still accepts, and the role each now means, so
 * no deployment breaks. `payouts` keys wrote payouts, gift cards and users; `finance` holds
 * all three now (users shared with `support`).
 */
export const LEGACY_SCOPE_ALIASES = {
  "read-only": "viewer",
  payouts: "finance",
} as const satisfies Record<string, OperatorRole>;
export type LegacyScopeAlias = keyof typeof LEGACY_SCOPE_ALIASES;

/** Every name a key's `scope` may be configured with: the roles, then the legacy aliases. */
export const ROLE_NAMES = [...OPERATOR_ROLES, "read-only", "payouts"] as const satisfies readonly (
  | OperatorRole
  | LegacyScopeAlias
)[];
export type RoleName = (typeof ROLE_NAMES)[number];

/**
 * The role a configured name stands for.
 *
 * @example
 * roleOf("read-only"); // "viewer"
 * roleOf("catalog"); // "catalog"
 */
export function roleOf(name: RoleName): OperatorRole {
  return name in LEGACY_SCOPE_ALIASES
    ? LEGACY_SCOPE_ALIASES[name as LegacyScopeAlias]
    : (name as OperatorRole);
}

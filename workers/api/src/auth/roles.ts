/** The operator roles (docs/access.md): for console operators and admin API keys alike. */
export const OPERATOR_ROLES = ["admin", "catalog", "support", "finance", "viewer"] as const;
export type OperatorRole = (typeof OPERATOR_ROLES)[number];

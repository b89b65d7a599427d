import type { AdminIdentity } from "./admin-keys";

/**
 * The console calls the admin API in-process as the signed-in operator (console/admin-api.ts),
 * so the API's validation, role rules and audit log apply to console actions unchanged. The
 * operator rides on a symbol on a copy of the env object: a symbol cannot be sent over HTTP,
 * so no client can claim to be an operator this way (the same device as internal-reader.ts).
 */
const CONSOLE_OPERATOR = Symbol("boomerang.console-operator");

/**
 * A copy of `env` that the admin guard admits as `identity`.
 *
 * @example
 * await app.fetch(request, asConsoleOperator(c.env, { name: "ops@example.com", scope: "support" }));
 */
export function asConsoleOperator<E extends object>(env: E, identity: AdminIdentity): E {
  return { ...env, [CONSOLE_OPERATOR]: identity };
}

/** The operator an env copy carries, or null for every request from outside. */
export function consoleOperatorOf(env: object): AdminIdentity | null {
  return ((env as Record<symbol, unknown>)[CONSOLE_OPERATOR] as AdminIdentity | undefined) ?? null;
}

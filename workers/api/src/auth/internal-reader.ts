import type { AdminIdentity } from "./admin-keys";

/**
 * The api's own reads of admin resources (the audit log's before/after snapshots) run
 * through the app with this mark on the env object instead of a key. A symbol cannot be
 * sent over HTTP, so no client can claim it, and no key is ever copied into a request.
 */
const INTERNAL_READER = Symbol("boomerang.internal-admin-reader");

/** The identity internal reads run as: a viewer, so it can never write. */
export const INTERNAL_READER_IDENTITY: AdminIdentity = {
  name: "internal-snapshot",
  scope: "viewer",
};

/**
 * A copy of `env` that the admin guard admits as the internal reader.
 *
 * @example
 * await app.fetch(new Request(url), asInternalReader(c.env), c.executionCtx);
 */
export function asInternalReader<E extends object>(env: E): E {
  return { ...env, [INTERNAL_READER]: true };
}

export function isInternalReader(env: object): boolean {
  return (env as Record<symbol, unknown>)[INTERNAL_READER] === true;
}

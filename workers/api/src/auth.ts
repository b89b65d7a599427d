import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { verify } from "hono/jwt";
import type { ApiEnv } from "#shared/env";
import { AppError } from "#shared/http/errors";
import { SEGMENT_PATTERN } from "#shared/links/link-token";
import { errorFields } from "#shared/observability/logger";
import { type AdminIdentity, AdminKeysConfigError, identifyAdmin } from "./auth/admin-keys";
import { rolesAllowed, scopeDecision } from "./auth/admin-scopes";
import { consoleOperatorOf } from "./auth/console-operator";
import { INTERNAL_READER_IDENTITY, isInternalReader } from "./auth/internal-reader";
import { checkUserClaims, type UserJwtPolicy, userJwtPolicy } from "./auth/user-claims";
import type { LoggerVariables } from "./http/request-logger";

/** Bound on the segments read from one user token; the rest are ignored. */
const MAX_TOKEN_SEGMENTS = 64;

const READ_METHODS = new Set(["GET", "HEAD"]);

export type ApiVariables = {
  userId: string;
  segments: string[];
  deviceId: string | null;
  /** On admin routes: the caller's name and role (docs/access.md). */
  admin: AdminIdentity;
} & LoggerVariables;
export type ApiContext = { Bindings: ApiEnv; Variables: ApiVariables };

function bearer(header: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? "");
  return match?.[1] ?? null;
}

/**
 * Operator endpoints, first step: who is calling. `Authorization: Bearer <key>` must be one
 * of ADMIN_API_KEYS (or the legacy ADMIN_API_KEY); its name and scope are kept for the scope
 * check and the audit log. A malformed ADMIN_API_KEYS fails every admin request (500, logged)
 * rather than guessing which keys were meant.
 */
export const requireAdmin = createMiddleware<ApiContext>(async (c, next) => {
  if (isInternalReader(c.env)) {
    c.set("admin", INTERNAL_READER_IDENTITY);
    return next();
  }
  const operator = consoleOperatorOf(c.env);
  if (operator) {
    c.set("admin", operator);
    return next();
  }
  const token = bearer(c.req.header("authorization"));
  let identity: AdminIdentity | null = null;
  try {
    identity = token ? await identifyAdmin(c.env, token) : null;
  } catch (error) {
    if (!(error instanceof AdminKeysConfigError)) throw error;
    c.get("log")?.error("auth.admin_keys_invalid", errorFields(error));
    throw new AppError("internal", "the admin keys of this deployment are misconfigured");
  }
  if (!identity) {
    throw new AppError(
      "unauthorized",
      "an admin API key is required (Authorization: Bearer <key>)",
    );
  }
  c.set("admin", identity);
  await next();
});

/**
 * Operator endpoints, second step (after the audit log has started recording, so refusals
 * are recorded too): the caller's role must cover the route (auth/admin-scopes.ts), else 403.
 * The detail quotes the scope the key was configured with (a legacy alias names its role too)
 * and every role that may make the call.
 */
export const requireAdminScope = createMiddleware<ApiContext>(async (c, next) => {
  const { name, scope, configuredAs } = c.get("admin");
  // The api's own snapshot reads (the audit log's before/after) may read admin-only areas
  // too, so a change to an operator is recorded with its before and after; they never write.
  const internalRead = isInternalReader(c.env) && READ_METHODS.has(c.req.method);
  const decision = internalRead
    ? { allowed: true }
    : scopeDecision(scope, c.req.method, c.req.path);
  if (!decision.allowed) {
    const has = configuredAs ? `${configuredAs} (role ${scope})` : scope;
    throw new AppError(
      "forbidden",
      `the admin key "${name}" has scope ${has}; ${c.req.method} ${c.req.path} needs scope ${orList(rolesAllowed(c.req.method, c.req.path))}`,
    );
  }
  await next();
});

/** `["a", "b", "c"]` → "a, b or c". */
function orList(items: readonly string[]): string {
  return items.length < 2
    ? (items[0] ?? "")
    : `${items.slice(0, -1).join(", ")} or ${items.at(-1)}`;
}

/**
 * User endpoints: an HS256 JWT minted by the operator's backend with the shared
 * USER_JWT_SECRET. `sub` is the operator's user id; `exp` is required; `iss`, `aud`, the
 * longest lifetime and the clock skew allowed on `iat`/`nbf` are the operator's settings
 * (auth/user-claims.ts, docs/access.md).
 */
export const requireUser = createMiddleware<ApiContext>(async (c, next) => {
  const token = bearer(c.req.header("authorization"));
  if (!token)
    throw new AppError("unauthorized", "a user token is required (Authorization: Bearer <jwt>)");
  let payload: Record<string, unknown>;
  try {
    // The signature only: the time and registered claims are checked below, with the
    // operator's policy, so each refusal can say which claim failed.
    payload = await verify(token, c.env.USER_JWT_SECRET, {
      alg: "HS256",
      exp: false,
      nbf: false,
      iat: false,
    });
  } catch {
    throw new AppError("unauthorized", "the user token is invalid or expired");
  }
  const check = checkUserClaims(payload, policyOf(c), Math.floor(Date.now() / 1000));
  if (!check.ok) throw new AppError("unauthorized", check.detail);
  c.set("userId", check.userId);
  c.set("segments", tokenSegments(payload.segments));
  c.set("deviceId", tokenDevice(payload.device));
  await next();
});

function policyOf(c: Context<ApiContext>): UserJwtPolicy {
  try {
    return userJwtPolicy(c.env);
  } catch (error) {
    c.get("log")?.error("auth.user_jwt_settings_invalid", errorFields(error));
    throw new AppError("internal", "the user token settings of this deployment are misconfigured");
  }
}

/**
 * The optional `segments` claim: the operator's names for groups the user belongs to, used
 * for campaign targeting. Entries that are not segment slugs are ignored rather than refused,
 * so a segment the API cannot use never locks a user out.
 */
function tokenSegments(claim: unknown): string[] {
  if (!Array.isArray(claim)) return [];
  const valid = claim.filter((s): s is string => typeof s === "string" && SEGMENT_PATTERN.test(s));
  return [...new Set(valid)].slice(0, MAX_TOKEN_SEGMENTS);
}

/**
 * The optional `device` claim: the operator's id for the device the user logged in on. A
 * redemption soon after a login from a new device is held for review (docs/payouts.md).
 */
function tokenDevice(claim: unknown): string | null {
  return typeof claim === "string" && claim.length >= 1 && claim.length <= 128 ? claim : null;
}

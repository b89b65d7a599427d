import { createMiddleware } from "hono/factory";
import { verify } from "hono/jwt";
import { constantTimeEqual, sha256 } from "#shared/crypto/hmac";
import type { ApiEnv } from "#shared/env";
import { AppError } from "#shared/http/errors";
import { USER_ID_PATTERN } from "#shared/ids";
import { SEGMENT_PATTERN } from "#shared/links/link-token";
import type { LoggerVariables } from "./http/request-logger";

/** Bound on the segments read from one user token; the rest are ignored. */
const MAX_TOKEN_SEGMENTS = 64;

export type ApiVariables = {
  userId: string;
  segments: string[];
  deviceId: string | null;
} & LoggerVariables;
export type ApiContext = { Bindings: ApiEnv; Variables: ApiVariables };

function bearer(header: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? "");
  return match?.[1] ?? null;
}

/** Compares digests, not the texts: equal-length inputs, so the key's length does not leak. */
async function sameSecret(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([sha256(given), sha256(expected)]);
  return constantTimeEqual(a, b);
}

/** Operator endpoints: `Authorization: Bearer <ADMIN_API_KEY>`. */
export const requireAdmin = createMiddleware<ApiContext>(async (c, next) => {
  const token = bearer(c.req.header("authorization"));
  if (!token || !c.env.ADMIN_API_KEY || !(await sameSecret(token, c.env.ADMIN_API_KEY))) {
    throw new AppError(
      "unauthorized",
      "an admin API key is required (Authorization: Bearer <key>)",
    );
  }
  await next();
});

/**
 * User endpoints: an HS256 JWT minted by the operator's backend with the shared
 * USER_JWT_SECRET. `sub` is the operator's user id; `exp` is required.
 */
export const requireUser = createMiddleware<ApiContext>(async (c, next) => {
  const token = bearer(c.req.header("authorization"));
  if (!token)
    throw new AppError("unauthorized", "a user token is required (Authorization: Bearer <jwt>)");
  let payload: Record<string, unknown>;
  try {
    payload = await verify(token, c.env.USER_JWT_SECRET, "HS256");
  } catch {
    throw new AppError("unauthorized", "the user token is invalid or expired");
  }
  const sub = payload.sub;
  if (typeof sub !== "string" || !USER_ID_PATTERN.test(sub) || typeof payload.exp !== "number") {
    throw new AppError("unauthorized", "the user token needs a string sub (user id) and an exp");
  }
  c.set("userId", sub);
  c.set("segments", tokenSegments(payload.segments));
  c.set("deviceId", tokenDevice(payload.device));
  await next();
});

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

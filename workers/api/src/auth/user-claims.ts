import { USER_ID_PATTERN } from "#shared/ids";

/**
 * What a user JWT's registered claims must say, beyond its HS256 signature: the operator's
 * choices (issuer, audience, longest lifetime) and how far our clock and the issuer's may
 * disagree. Read from the environment once per request by `userJwtPolicy`.
 */
export interface UserJwtPolicy {
  /** `iss` must equal this when set. */
  issuer: string | null;
  /** `aud` (a string or an array of strings) must contain this when set. */
  audience: string | null;
  /** `exp − iat` (or `exp − now` without `iat`) may not exceed this. */
  maxLifetimeSec: number;
  /** How far in the future `iat` and `nbf` may be before the token is refused. */
  clockSkewSec: number;
}

export const DEFAULT_MAX_LIFETIME_SEC = 24 * 3600;
export const DEFAULT_CLOCK_SKEW_SEC = 60;
/** Upper bounds on what an operator can configure, so a typo cannot disable the checks. */
const MAX_CONFIGURABLE_LIFETIME_SEC = 366 * 24 * 3600;
const MAX_CONFIGURABLE_SKEW_SEC = 600;

export interface UserJwtSettings {
  USER_JWT_ISSUER?: string;
  USER_JWT_AUDIENCE?: string;
  USER_JWT_MAX_LIFETIME_SEC?: string;
  USER_JWT_CLOCK_SKEW_SEC?: string;
}

/**
 * The policy the deployment configured. Unset or empty values take the defaults (no issuer or
 * audience check, 24 h, 60 s); a number that does not parse or is out of range is a
 * configuration error, thrown so it is seen rather than silently weakening the check.
 *
 * @example
 * userJwtPolicy({ USER_JWT_ISSUER: "https://auth.example.com" })
 * // { issuer: "https://auth.example.com", audience: null, maxLifetimeSec: 86400, clockSkewSec: 60 }
 */
export function userJwtPolicy(env: UserJwtSettings): UserJwtPolicy {
  return {
    issuer: env.USER_JWT_ISSUER?.trim() || null,
    audience: env.USER_JWT_AUDIENCE?.trim() || null,
    maxLifetimeSec: secondsSetting(
      "USER_JWT_MAX_LIFETIME_SEC",
      env.USER_JWT_MAX_LIFETIME_SEC,
      DEFAULT_MAX_LIFETIME_SEC,
      1,
      MAX_CONFIGURABLE_LIFETIME_SEC,
    ),
    clockSkewSec: secondsSetting(
      "USER_JWT_CLOCK_SKEW_SEC",
      env.USER_JWT_CLOCK_SKEW_SEC,
      DEFAULT_CLOCK_SKEW_SEC,
      0,
      MAX_CONFIGURABLE_SKEW_SEC,
    ),
  };
}

function secondsSetting(
  name: string,
  text: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (text === undefined || text.trim() === "") return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be whole seconds from ${min} to ${max}`);
  }
  return value;
}

export type UserClaimsCheck =
  | { ok: true; userId: string }
  | { ok: false; reason: UserClaimsRefusal; detail: string };

export type UserClaimsRefusal =
  | "bad_subject"
  | "missing_exp"
  | "expired"
  | "not_yet_valid"
  | "issued_in_future"
  | "lifetime_too_long"
  | "wrong_issuer"
  | "wrong_audience";

const isTime = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

/**
 * Checks a signature-verified payload's registered claims against the policy at `nowSec`.
 * The clock-skew allowance covers `iat` and `nbf` (a token minted a moment ahead of our
 * clock is fine); `exp` is honoured exactly, because the issuer chose it and extending it
 * would lengthen every token's life.
 *
 * @example
 * const check = checkUserClaims(payload, userJwtPolicy(env), Math.floor(Date.now() / 1000));
 * if (!check.ok) throw new AppError("unauthorized", check.detail);
 */
export function checkUserClaims(
  payload: Readonly<Record<string, unknown>>,
  policy: UserJwtPolicy,
  nowSec: number,
): UserClaimsCheck {
  const refuse = (reason: UserClaimsRefusal, detail: string): UserClaimsCheck => ({
    ok: false,
    reason,
    detail,
  });
  const { sub, exp, iat, nbf } = payload;
  if (typeof sub !== "string" || !USER_ID_PATTERN.test(sub)) {
    return refuse("bad_subject", "the user token needs a string sub (user id) and an exp");
  }
  if (!isTime(exp)) {
    return refuse("missing_exp", "the user token needs a string sub (user id) and an exp");
  }
  if (exp <= nowSec) return refuse("expired", "the user token has expired");
  if (nbf !== undefined && (!isTime(nbf) || nbf > nowSec + policy.clockSkewSec)) {
    return refuse("not_yet_valid", "the user token is not valid yet (nbf is in the future)");
  }
  if (iat !== undefined && (!isTime(iat) || iat > nowSec + policy.clockSkewSec)) {
    return refuse("issued_in_future", "the user token was issued in the future (check iat)");
  }
  const issuedAtSec = isTime(iat) ? iat : nowSec;
  if (exp - issuedAtSec > policy.maxLifetimeSec) {
    return refuse(
      "lifetime_too_long",
      `the user token lives longer than ${policy.maxLifetimeSec} s (exp − iat)`,
    );
  }
  if (policy.issuer !== null && payload.iss !== policy.issuer) {
    return refuse("wrong_issuer", "the user token's iss is not the configured issuer");
  }
  if (policy.audience !== null && !audienceIncludes(payload.aud, policy.audience)) {
    return refuse("wrong_audience", "the user token's aud does not name this API");
  }
  return { ok: true, userId: sub };
}

function audienceIncludes(aud: unknown, expected: string): boolean {
  if (typeof aud === "string") return aud === expected;
  return Array.isArray(aud) && aud.length <= 32 && aud.some((a) => a === expected);
}

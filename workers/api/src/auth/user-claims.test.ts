import { describe, expect, test } from "vitest";
import {
  checkUserClaims,
  DEFAULT_CLOCK_SKEW_SEC,
  DEFAULT_MAX_LIFETIME_SEC,
  type UserJwtPolicy,
  userJwtPolicy,
} from "./user-claims";

const NOW = 1_800_000_000;
const OPEN: UserJwtPolicy = {
  issuer: null,
  audience: null,
  maxLifetimeSec: DEFAULT_MAX_LIFETIME_SEC,
  clockSkewSec: DEFAULT_CLOCK_SKEW_SEC,
};
const STRICT: UserJwtPolicy = { ...OPEN, issuer: "https://auth.shop.test", audience: "boomerang" };
const base = { sub: "usr_1", iat: NOW, exp: NOW + 3600 };

describe("checkUserClaims", () => {
  test.each([
    { label: "a plain token", policy: OPEN, claims: base, reason: null },
    {
      label: "no iat: lifetime counted from now",
      policy: OPEN,
      claims: { sub: "u", exp: NOW + 60 },
      reason: null,
    },
    { label: "sub missing", policy: OPEN, claims: { exp: NOW + 60 }, reason: "bad_subject" },
    {
      label: "sub not a user id",
      policy: OPEN,
      claims: { ...base, sub: "a b" },
      reason: "bad_subject",
    },
    { label: "sub a number", policy: OPEN, claims: { ...base, sub: 42 }, reason: "bad_subject" },
    { label: "no exp", policy: OPEN, claims: { sub: "u", iat: NOW }, reason: "missing_exp" },
    {
      label: "exp a string",
      policy: OPEN,
      claims: { ...base, exp: `${NOW + 60}` },
      reason: "missing_exp",
    },
    { label: "exp now", policy: OPEN, claims: { ...base, exp: NOW }, reason: "expired" },
    {
      label: "exp 10 s ago (no skew on exp)",
      policy: OPEN,
      claims: { ...base, iat: NOW - 100, exp: NOW - 10 },
      reason: "expired",
    },
    { label: "exp 1 s ahead", policy: OPEN, claims: { ...base, exp: NOW + 1 }, reason: null },
    {
      label: "nbf within the skew",
      policy: OPEN,
      claims: { ...base, nbf: NOW + 60 },
      reason: null,
    },
    {
      label: "nbf beyond the skew",
      policy: OPEN,
      claims: { ...base, nbf: NOW + 61 },
      reason: "not_yet_valid",
    },
    {
      label: "nbf not a number",
      policy: OPEN,
      claims: { ...base, nbf: "soon" },
      reason: "not_yet_valid",
    },
    {
      label: "iat within the skew",
      policy: OPEN,
      claims: { ...base, iat: NOW + 60 },
      reason: null,
    },
    {
      label: "iat beyond the skew",
      policy: OPEN,
      claims: { ...base, iat: NOW + 61 },
      reason: "issued_in_future",
    },
    {
      label: "iat not a number",
      policy: OPEN,
      claims: { ...base, iat: "then" },
      reason: "issued_in_future",
    },
    {
      label: "zero skew: iat 1 s ahead",
      policy: { ...OPEN, clockSkewSec: 0 },
      claims: { ...base, iat: NOW + 1 },
      reason: "issued_in_future",
    },
    {
      label: "lifetime exactly the maximum",
      policy: OPEN,
      claims: { ...base, exp: NOW + DEFAULT_MAX_LIFETIME_SEC },
      reason: null,
    },
    {
      label: "lifetime one second over",
      policy: OPEN,
      claims: { ...base, exp: NOW + DEFAULT_MAX_LIFETIME_SEC + 1 },
      reason: "lifetime_too_long",
    },
    {
      label: "old iat, long exp",
      policy: OPEN,
      claims: { ...base, iat: NOW - DEFAULT_MAX_LIFETIME_SEC, exp: NOW + 2 },
      reason: "lifetime_too_long",
    },
    {
      label: "no iat, exp beyond the maximum from now",
      policy: OPEN,
      claims: { sub: "u", exp: NOW + DEFAULT_MAX_LIFETIME_SEC + 1 },
      reason: "lifetime_too_long",
    },
    {
      label: "a shorter configured maximum",
      policy: { ...OPEN, maxLifetimeSec: 600 },
      claims: base,
      reason: "lifetime_too_long",
    },
    {
      label: "issuer and audience match",
      policy: STRICT,
      claims: { ...base, iss: "https://auth.shop.test", aud: "boomerang" },
      reason: null,
    },
    {
      label: "audience in an array",
      policy: STRICT,
      claims: { ...base, iss: "https://auth.shop.test", aud: ["crm", "boomerang"] },
      reason: null,
    },
    {
      label: "issuer missing",
      policy: STRICT,
      claims: { ...base, aud: "boomerang" },
      reason: "wrong_issuer",
    },
    {
      label: "issuer differs",
      policy: STRICT,
      claims: { ...base, iss: "https://evil.test", aud: "boomerang" },
      reason: "wrong_issuer",
    },
    {
      label: "audience missing",
      policy: STRICT,
      claims: { ...base, iss: "https://auth.shop.test" },
      reason: "wrong_audience",
    },
    {
      label: "audience differs",
      policy: STRICT,
      claims: { ...base, iss: "https://auth.shop.test", aud: "crm" },
      reason: "wrong_audience",
    },
    {
      label: "audience array without ours",
      policy: STRICT,
      claims: { ...base, iss: "https://auth.shop.test", aud: ["crm"] },
      reason: "wrong_audience",
    },
    {
      label: "unchecked iss and aud are ignored",
      policy: OPEN,
      claims: { ...base, iss: "x", aud: "y" },
      reason: null,
    },
  ])("$label", ({ policy, claims, reason }) => {
    const check = checkUserClaims(claims, policy, NOW);
    if (reason === null) expect(check).toEqual({ ok: true, userId: claims.sub });
    else expect(check).toMatchObject({ ok: false, reason });
  });
});

describe("userJwtPolicy", () => {
  test.each([
    { label: "nothing set", env: {}, policy: OPEN },
    {
      label: "empty strings are unset",
      env: { USER_JWT_ISSUER: "", USER_JWT_MAX_LIFETIME_SEC: " " },
      policy: OPEN,
    },
    {
      label: "everything set",
      env: {
        USER_JWT_ISSUER: "https://auth.shop.test",
        USER_JWT_AUDIENCE: "boomerang",
        USER_JWT_MAX_LIFETIME_SEC: "3600",
        USER_JWT_CLOCK_SKEW_SEC: "0",
      },
      policy: { ...STRICT, maxLifetimeSec: 3600, clockSkewSec: 0 },
    },
  ])("$label", ({ env, policy }) => {
    expect(userJwtPolicy(env)).toEqual(policy);
  });

  test.each([
    { label: "lifetime not a number", env: { USER_JWT_MAX_LIFETIME_SEC: "a day" } },
    { label: "lifetime zero", env: { USER_JWT_MAX_LIFETIME_SEC: "0" } },
    { label: "skew negative", env: { USER_JWT_CLOCK_SKEW_SEC: "-1" } },
    { label: "skew over ten minutes", env: { USER_JWT_CLOCK_SKEW_SEC: "601" } },
  ])("refuses $label", ({ env }) => {
    expect(() => userJwtPolicy(env)).toThrow(/must be whole seconds/);
  });
});

import { env } from "cloudflare:workers";
import { sign } from "hono/jwt";
import { describe, expect, it } from "vitest";
import { mintUserToken } from "#scripts/lib/user-token";
import { createApp } from "#workers/api/src/app";
import { api } from "./helpers";

/**
 * User tokens through the real api worker: the operator's issuer and audience, the longest
 * lifetime, the clock skew on iat/nbf, and the tokens `npm run token` mints.
 */

const now = () => Math.floor(Date.now() / 1000);
const token = (claims: Record<string, unknown>) => sign(claims, env.USER_JWT_SECRET, "HS256");

async function wallet(jwt: string, bindings?: Record<string, string>): Promise<Response> {
  const init = { headers: { authorization: `Bearer ${jwt}` } };
  return bindings
    ? createApp().fetch(new Request("https://api.test/v1/me/wallet", init), { ...env, ...bindings })
    : api("/v1/me/wallet", init);
}

async function expectRefused(response: Response, detail: RegExp) {
  expect(response.status).toBe(401);
  expect(response.headers.get("content-type")).toContain("application/problem+json");
  const body = (await response.json()) as { code: string; detail: string };
  expect(body.code).toBe("unauthorized");
  expect(body.detail).toMatch(detail);
}

describe("user tokens with the default policy", () => {
  it.each([
    {
      label: "iat 30 s ahead (within the 60 s skew)",
      claims: () => ({ sub: "jwt-u", iat: now() + 30, exp: now() + 3600 }),
    },
    {
      label: "nbf 30 s ahead",
      claims: () => ({ sub: "jwt-u", nbf: now() + 30, exp: now() + 3600 }),
    },
    { label: "exactly 24 h", claims: () => ({ sub: "jwt-u", iat: now(), exp: now() + 86_400 }) },
  ])("accepts $label", async ({ claims }) => {
    expect((await wallet(await token(claims()))).status).toBe(200);
  });

  it.each([
    {
      label: "no exp",
      claims: () => ({ sub: "jwt-u", iat: now() }),
      detail: /needs a string sub \(user id\) and an exp/,
    },
    {
      label: "exp in the past",
      claims: () => ({ sub: "jwt-u", exp: now() - 5 }),
      detail: /has expired/,
    },
    {
      label: "exp − iat over 24 h",
      claims: () => ({ sub: "jwt-u", iat: now(), exp: now() + 86_401 }),
      detail: /lives longer than 86400 s/,
    },
    {
      label: "no iat and exp 2 days away",
      claims: () => ({ sub: "jwt-u", exp: now() + 2 * 86_400 }),
      detail: /lives longer/,
    },
    {
      label: "iat 2 min ahead",
      claims: () => ({ sub: "jwt-u", iat: now() + 120, exp: now() + 3600 }),
      detail: /issued in the future/,
    },
    {
      label: "nbf 2 min ahead",
      claims: () => ({ sub: "jwt-u", nbf: now() + 120, exp: now() + 3600 }),
      detail: /not valid yet/,
    },
  ])("refuses $label", async ({ claims, detail }) => {
    await expectRefused(await wallet(await token(claims())), detail);
  });

  it("does not check iss or aud unless the operator configures them", async () => {
    const jwt = await token({ sub: "jwt-u", exp: now() + 60, iss: "anyone", aud: "anything" });
    expect((await wallet(jwt)).status).toBe(200);
  });
});

describe("user tokens with the operator's settings", () => {
  const strict = {
    USER_JWT_ISSUER: "https://auth.shop.test",
    USER_JWT_AUDIENCE: "boomerang",
    USER_JWT_MAX_LIFETIME_SEC: "900",
    USER_JWT_CLOCK_SKEW_SEC: "5",
  };
  const good = () => ({
    sub: "jwt-s",
    iat: now(),
    exp: now() + 600,
    iss: strict.USER_JWT_ISSUER,
    aud: "boomerang",
  });

  it("accepts a token naming the issuer and the audience, alone or in an array", async () => {
    expect((await wallet(await token(good()), strict)).status).toBe(200);
    expect(
      (await wallet(await token({ ...good(), aud: ["crm", "boomerang"] }), strict)).status,
    ).toBe(200);
  });

  it.each([
    {
      label: "no iss",
      claims: () => ({ ...good(), iss: undefined }),
      detail: /iss is not the configured issuer/,
    },
    {
      label: "another iss",
      claims: () => ({ ...good(), iss: "https://evil.test" }),
      detail: /iss is not the configured issuer/,
    },
    {
      label: "no aud",
      claims: () => ({ ...good(), aud: undefined }),
      detail: /aud does not name this API/,
    },
    {
      label: "another aud",
      claims: () => ({ ...good(), aud: ["crm"] }),
      detail: /aud does not name this API/,
    },
    {
      label: "longer than 900 s",
      claims: () => ({ ...good(), exp: now() + 901 }),
      detail: /lives longer than 900 s/,
    },
    {
      label: "iat 10 s ahead with a 5 s skew",
      claims: () => ({ ...good(), iat: now() + 10 }),
      detail: /issued in the future/,
    },
  ])("refuses $label", async ({ claims, detail }) => {
    await expectRefused(await wallet(await token(claims()), strict), detail);
  });

  it("fails closed, without detail of the secret, when a setting is not a number", async () => {
    const response = await wallet(await token(good()), { USER_JWT_CLOCK_SKEW_SEC: "a minute" });
    expect(response.status).toBe(500);
    expect(((await response.json()) as { detail: string }).detail).toBe(
      "the user token settings of this deployment are misconfigured",
    );
  });

  it("accepts what `npm run token` mints, with --iss and --aud where configured", async () => {
    const minted = (extra: { issuer?: string; audience?: string } = {}) =>
      mintUserToken(env.USER_JWT_SECRET, {
        userId: "jwt-script",
        ttlSec: 600,
        nowSec: now(),
        ...extra,
      });
    expect((await wallet(await minted())).status).toBe(200);
    const configured = await minted({
      issuer: strict.USER_JWT_ISSUER,
      audience: strict.USER_JWT_AUDIENCE,
    });
    expect((await wallet(configured, strict)).status).toBe(200);
    await expectRefused(await wallet(await minted(), strict), /iss is not the configured issuer/);
  });
});

import { describe, expect, test } from "vitest";
import { toBase64Url, utf8 } from "../crypto/encoding";
import { hmacSha256 } from "../crypto/hmac";
import type { LinkKeyRing } from "../links/link-keys";
import { signLinkToken } from "../links/link-token";
import {
  type AttributionClaims,
  signAttributionToken,
  verifyAttributionToken,
} from "./attribution-token";

const CURRENT = "referral-current-key-0123456789abcdef";
const OLD = "referral-old-key-0123456789abcdef0000";
const NOW_MS = 1_760_000_000_000;
const RING: LinkKeyRing = {
  current: { version: 2, key: CURRENT, notAfterMs: null },
  previous: [{ version: 1, key: OLD, notAfterMs: NOW_MS + 60_000 }],
};
const CLAIMS: AttributionClaims = {
  clickId: "clk_mi3x2k9aXf3Qa-_bcdefghijkl",
  referrerId: "usr_42",
  programId: "default",
  code: "K7QM4XR",
  platform: "android",
  clickedAtSec: NOW_MS / 1000,
};

/** Signs an arbitrary payload text under the referral domain, to reach the parser past the MAC. */
async function signRaw(secret: string, text: string): Promise<string> {
  const payload = toBase64Url(utf8.encode(text));
  const mac = (await hmacSha256(secret, `referral.${payload}`)).slice(0, 16);
  return `${payload}.${toBase64Url(mac)}`;
}

describe("signAttributionToken / verifyAttributionToken", () => {
  test.each([
    { label: "android", claims: CLAIMS },
    { label: "web", claims: { ...CLAIMS, platform: "web" as const } },
    {
      label: "ios, longest user id",
      claims: { ...CLAIMS, platform: "ios" as const, referrerId: "u".repeat(64) },
    },
    { label: "vanity code of 16", claims: { ...CLAIMS, code: "GOLDENREFERRAL24" } },
  ])("round trip ($label) with the current key", async ({ claims }) => {
    const token = await signAttributionToken(CURRENT, claims);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    expect(await verifyAttributionToken(RING, token, NOW_MS)).toEqual({ ok: true, claims });
  });

  test.each([
    { label: "a previous key before its notAfter verifies", key: OLD, atMs: NOW_MS, want: "ok" },
    {
      label: "a previous key after its notAfter does not",
      key: OLD,
      atMs: NOW_MS + 60_001,
      want: "bad_signature",
    },
    {
      label: "a key not in the ring does not",
      key: "some-other-key-0123456789abcdef0000",
      atMs: NOW_MS,
      want: "bad_signature",
    },
  ])("$label", async ({ key, atMs, want }) => {
    const result = await verifyAttributionToken(
      RING,
      await signAttributionToken(key, CLAIMS),
      atMs,
    );
    expect(result.ok ? "ok" : result.reason).toBe(want);
  });

  test.each([
    {
      label: "another referrer, same MAC",
      tamper: (t: string) =>
        toBase64Url(
          utf8.encode(`1|${CLAIMS.clickId}|usr_43|default|K7QM4XR|android|${CLAIMS.clickedAtSec}`),
        ) + t.slice(t.indexOf(".")),
    },
    {
      label: "a flipped MAC character",
      tamper: (t: string) =>
        `${t.slice(0, t.indexOf(".") + 1)}${t[t.indexOf(".") + 1] === "A" ? "B" : "A"}${t.slice(t.indexOf(".") + 2)}`,
    },
  ])("tampered ($label) → bad_signature", async ({ tamper }) => {
    const token = tamper(await signAttributionToken(CURRENT, CLAIMS));
    expect(await verifyAttributionToken(RING, token, NOW_MS)).toEqual({
      ok: false,
      reason: "bad_signature",
    });
  });

  test("a tracking link token never verifies as an attribution token (own MAC domain)", async () => {
    const link = await signLinkToken(CURRENT, {
      userId: "usr_42",
      offerId: "shop",
      expiresAtSec: 9_999_999_999,
    });
    expect(await verifyAttributionToken(RING, link, NOW_MS)).toEqual({
      ok: false,
      reason: "bad_signature",
    });
  });

  test.each([
    { label: "no dot", token: "abc" },
    { label: "two dots", token: "a.b.c" },
    { label: "empty payload", token: ".abc" },
    { label: "not base64url", token: "a*b.cdef" },
    { label: "MAC too short", token: "YWJj.AAAA" },
    { label: "too long", token: `${"a".repeat(600)}.${"A".repeat(22)}` },
  ])("malformed shape ($label)", async ({ token }) => {
    expect(await verifyAttributionToken(RING, token, NOW_MS)).toEqual({
      ok: false,
      reason: "malformed",
    });
  });

  test.each([
    { label: "version 2", text: `2|${CLAIMS.clickId}|usr_42|default|K7QM4XR|web|1` },
    { label: "a missing field", text: `1|${CLAIMS.clickId}|usr_42|default|K7QM4XR|web` },
    { label: "an extra field", text: `1|${CLAIMS.clickId}|usr_42|default|K7QM4XR|web|1|x` },
    { label: "a click id without its prefix", text: "1|abc|usr_42|default|K7QM4XR|web|1" },
    { label: "an unknown platform", text: `1|${CLAIMS.clickId}|usr_42|default|K7QM4XR|desktop|1` },
    { label: "a lower-case code", text: `1|${CLAIMS.clickId}|usr_42|default|k7qm4xr|web|1` },
    {
      label: "a time that is not seconds",
      text: `1|${CLAIMS.clickId}|usr_42|default|K7QM4XR|web|1.5`,
    },
    {
      label: "a program id with upper case",
      text: `1|${CLAIMS.clickId}|usr_42|Default|K7QM4XR|web|1`,
    },
  ])("signed but unparseable ($label) → malformed", async ({ text }) => {
    expect(await verifyAttributionToken(RING, await signRaw(CURRENT, text), NOW_MS)).toEqual({
      ok: false,
      reason: "malformed",
    });
  });

  test.each([
    { label: "click id", claims: { ...CLAIMS, clickId: "abc" } },
    { label: "referrer id", claims: { ...CLAIMS, referrerId: "a|b" } },
    { label: "program id", claims: { ...CLAIMS, programId: "Bad Program" } },
    { label: "code", claims: { ...CLAIMS, code: "k7qm4xr" } },
    { label: "platform", claims: { ...CLAIMS, platform: "desktop" as never } },
    { label: "time", claims: { ...CLAIMS, clickedAtSec: -1 } },
  ])("refuses to sign an invalid $label", async ({ claims }) => {
    await expect(signAttributionToken(CURRENT, claims)).rejects.toThrow(RangeError);
  });
});

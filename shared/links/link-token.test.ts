import { describe, expect, test } from "vitest";
import { fromBase64Url, toBase64Url, utf8 } from "../crypto/encoding";
import { hmacSha256 } from "../crypto/hmac";
import { type LinkClaims, signLinkToken, verifyLinkToken } from "./link-token";

const SECRET = "link-secret-for-tests";
const NOW_MS = 1_760_000_000_000;
const NOW_SEC = NOW_MS / 1000;
const CLAIMS: LinkClaims = { userId: "usr_42", offerId: "acme-shoes", expiresAtSec: NOW_SEC + 60 };

/** Signs an arbitrary payload text with the token's own scheme, to reach the parser past the MAC. */
async function signRaw(secret: string, payloadText: string): Promise<string> {
  const payload = toBase64Url(utf8.encode(payloadText));
  const mac = (await hmacSha256(secret, `link.${payload}`)).slice(0, 16);
  return `${payload}.${toBase64Url(mac)}`;
}

/** Replaces the character at `index` with a different base64url character. */
function flipChar(text: string, index: number): string {
  const replacement = text[index] === "A" ? "B" : "A";
  return text.slice(0, index) + replacement + text.slice(index + 1);
}

const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/**
 * Maps the token's last character through `edit`, which receives and returns its 6-bit value.
 * The 16-byte MAC is 22 chars: the last one carries 2 MAC bits (high) and 4 spare bits (low).
 */
function editLastChar(token: string, edit: (sextet: number) => number): string {
  const sextet = BASE64URL.indexOf(token.slice(-1));
  return token.slice(0, -1) + BASE64URL.charAt(edit(sextet));
}

describe("signLinkToken / verifyLinkToken", () => {
  test.each([
    { label: "short ids", claims: CLAIMS },
    {
      label: "longest ids",
      claims: {
        userId: "u".repeat(64),
        offerId: `a${"b".repeat(62)}`,
        expiresAtSec: 999_999_999_999,
      },
    },
    {
      label: "user id with every allowed punctuation",
      claims: { userId: "A-z_0-9", offerId: "o_1-x", expiresAtSec: NOW_SEC + 1 },
    },
  ])("round trip: $label", async ({ claims }) => {
    const token = await signLinkToken(SECRET, claims);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    // Canonical: the 4 spare bits of the last char are zero, so it is one of A, Q, g, w.
    expect(token).toMatch(/[AQgw]$/);
    expect(await verifyLinkToken(SECRET, token, NOW_MS)).toEqual({ ok: true, claims });
  });

  test.each([
    { label: "one second before expiry is valid", expiresAtSec: NOW_SEC + 1, want: "ok" },
    { label: "exp == now is expired", expiresAtSec: NOW_SEC, want: "expired" },
    { label: "exp < now is expired", expiresAtSec: NOW_SEC - 1, want: "expired" },
    { label: "exp = 0 is expired", expiresAtSec: 0, want: "expired" },
  ])("$label", async ({ expiresAtSec, want }) => {
    const token = await signLinkToken(SECRET, { ...CLAIMS, expiresAtSec });
    const result = await verifyLinkToken(SECRET, token, NOW_MS);
    expect(result.ok ? "ok" : result.reason).toBe(want);
  });

  test.each([
    {
      label: "tampered payload (first char)",
      tamper: (t: string) => flipChar(t, 0),
    },
    {
      label: "tampered payload (other user, same mac)",
      tamper: (t: string) =>
        toBase64Url(utf8.encode(`1|usr_43|acme-shoes|${NOW_SEC + 60}`)) + t.slice(t.indexOf(".")),
    },
    {
      label: "tampered payload (later expiry, same mac)",
      tamper: (t: string) =>
        toBase64Url(utf8.encode(`1|usr_42|acme-shoes|${NOW_SEC + 3600}`)) + t.slice(t.indexOf(".")),
    },
    {
      label: "tampered mac (first char)",
      tamper: (t: string) => flipChar(t, t.indexOf(".") + 1),
    },
    {
      // Flips a MAC bit in the last char and keeps its spare bits zero: still canonical.
      label: "tampered mac (last char, a MAC bit)",
      tamper: (t: string) => editLastChar(t, (sextet) => sextet ^ 0b010000),
    },
    {
      label: "mac from another token",
      tamper: async (t: string) => {
        const other = await signLinkToken(SECRET, { ...CLAIMS, userId: "usr_43" });
        return t.slice(0, t.indexOf(".")) + other.slice(other.indexOf("."));
      },
    },
  ])("$label → bad_signature", async ({ tamper }) => {
    const token = await tamper(await signLinkToken(SECRET, CLAIMS));
    expect(await verifyLinkToken(SECRET, token, NOW_MS)).toEqual({
      ok: false,
      reason: "bad_signature",
    });
  });

  test("wrong secret → bad_signature", async () => {
    const token = await signLinkToken("another-secret", CLAIMS);
    expect(await verifyLinkToken(SECRET, token, NOW_MS)).toEqual({
      ok: false,
      reason: "bad_signature",
    });
  });

  test("an expired token with a bad mac is bad_signature, not expired", async () => {
    const token = await signLinkToken("another-secret", { ...CLAIMS, expiresAtSec: 1 });
    expect(await verifyLinkToken(SECRET, token, NOW_MS)).toEqual({
      ok: false,
      reason: "bad_signature",
    });
  });
});

describe("verifyLinkToken rejects malformed tokens", async () => {
  const valid = await signLinkToken(SECRET, CLAIMS);
  const [payload = "", mac = ""] = valid.split(".");

  test.each([
    { label: "empty string", token: "" },
    { label: "no dot", token: payload + mac },
    { label: "two dots", token: `${payload}.${mac}.${mac}` },
    { label: "trailing dot", token: `${valid}.` },
    { label: "empty payload", token: `.${mac}` },
    { label: "empty mac", token: `${payload}.` },
    { label: "just a dot", token: "." },
    { label: "'+' in payload (plain base64)", token: `${payload.slice(0, -1)}+.${mac}` },
    { label: "'=' padding on mac", token: `${valid}==` },
    { label: "space in mac", token: `${payload}.${mac.slice(0, -1)} ` },
    { label: "non-ascii in payload", token: `é${payload}.${mac}` },
    { label: "too long (513 chars)", token: `${"A".repeat(513 - mac.length - 1)}.${mac}` },
    { label: "mac one byte short", token: `${payload}.${toBase64Url(new Uint8Array(15))}` },
    { label: "mac one byte long", token: `${payload}.${toBase64Url(new Uint8Array(17))}` },
    { label: "full 32-byte mac", token: `${payload}.${toBase64Url(new Uint8Array(32))}` },
    { label: "mac of impossible base64 length", token: `${payload}.${mac}A` },
  ])("$label", async ({ token }) => {
    expect(await verifyLinkToken(SECRET, token, NOW_MS)).toEqual({
      ok: false,
      reason: "malformed",
    });
  });
});

describe("verifyLinkToken accepts only the canonical MAC spelling", () => {
  // 16 bytes need 128 bits; 22 base64url chars hold 132. The last char's low 4 bits are
  // spare: atob ignores them, so 15 other spellings decode to the very same MAC.
  test.each(Array.from({ length: 15 }, (_, i) => ({ spare: i + 1 })))(
    "spare bits of the last MAC char set to $spare → malformed",
    async ({ spare }) => {
      const token = await signLinkToken(SECRET, CLAIMS);
      const altered = editLastChar(token, (sextet) => (sextet & 0b110000) | spare);
      const macText = (t: string) => t.slice(t.indexOf(".") + 1);

      // Only the spare bits differ: the MAC bytes are identical, so this is not a forgery...
      expect(altered).not.toBe(token);
      expect(altered.slice(0, -1)).toBe(token.slice(0, -1));
      expect(fromBase64Url(macText(altered))).toEqual(fromBase64Url(macText(token)));
      // ...but a second spelling of one token is still refused.
      expect(await verifyLinkToken(SECRET, altered, NOW_MS)).toEqual({
        ok: false,
        reason: "malformed",
      });
      // Control: the canonical spelling of the same token verifies.
      expect((await verifyLinkToken(SECRET, token, NOW_MS)).ok).toBe(true);
    },
  );
});

describe("verifyLinkToken rejects correctly signed payloads it cannot parse", () => {
  const exp = NOW_SEC + 60;
  test.each([
    { label: "control: well-formed payload", text: `1|usr_42|acme-shoes|${exp}`, want: "ok" },
    { label: "version 2", text: `2|usr_42|acme-shoes|${exp}`, want: "malformed" },
    { label: "version missing", text: `|usr_42|acme-shoes|${exp}`, want: "malformed" },
    { label: "version 01", text: `01|usr_42|acme-shoes|${exp}`, want: "malformed" },
    { label: "empty user id", text: `1||acme-shoes|${exp}`, want: "malformed" },
    { label: "user id with a space", text: `1|usr 42|acme-shoes|${exp}`, want: "malformed" },
    {
      label: "user id of 65 chars",
      text: `1|${"u".repeat(65)}|acme-shoes|${exp}`,
      want: "malformed",
    },
    { label: "offer id with upper case", text: `1|usr_42|Acme|${exp}`, want: "malformed" },
    { label: "offer id starting with '-'", text: `1|usr_42|-acme|${exp}`, want: "malformed" },
    { label: "extra field", text: `1|usr_42|acme-shoes|${exp}|x`, want: "malformed" },
    { label: "trailing separator", text: `1|usr_42|acme-shoes|${exp}|`, want: "malformed" },
    { label: "missing expiry", text: "1|usr_42|acme-shoes", want: "malformed" },
    { label: "non-numeric expiry", text: "1|usr_42|acme-shoes|soon", want: "malformed" },
    { label: "negative expiry", text: "1|usr_42|acme-shoes|-1", want: "malformed" },
    { label: "fractional expiry", text: `1|usr_42|acme-shoes|${exp}.5`, want: "malformed" },
    { label: "13-digit expiry", text: "1|usr_42|acme-shoes|1760000000000", want: "malformed" },
    { label: "empty payload text", text: "", want: "malformed" },
  ])("$label", async ({ text, want }) => {
    const result = await verifyLinkToken(SECRET, await signRaw(SECRET, text), NOW_MS);
    expect(result.ok ? "ok" : result.reason).toBe(want);
  });

  test("signed bytes that are not UTF-8 → malformed", async () => {
    const payload = toBase64Url(new Uint8Array([0xff, 0xfe, 0x7c]));
    const mac = (await hmacSha256(SECRET, `link.${payload}`)).slice(0, 16);
    const token = `${payload}.${toBase64Url(mac)}`;
    expect(await verifyLinkToken(SECRET, token, NOW_MS)).toEqual({
      ok: false,
      reason: "malformed",
    });
  });
});

describe("signLinkToken rejects ids that could break the wire form", () => {
  test.each([
    { label: "empty user id", claims: { ...CLAIMS, userId: "" } },
    { label: "user id with '|'", claims: { ...CLAIMS, userId: "usr|1" } },
    { label: "user id with '.'", claims: { ...CLAIMS, userId: "usr.1" } },
    { label: "user id of 65 chars", claims: { ...CLAIMS, userId: "u".repeat(65) } },
    { label: "empty offer id", claims: { ...CLAIMS, offerId: "" } },
    { label: "offer id with upper case", claims: { ...CLAIMS, offerId: "Acme" } },
    { label: "offer id with '|'", claims: { ...CLAIMS, offerId: "acme|x" } },
    { label: "offer id of 64 chars", claims: { ...CLAIMS, offerId: "a".repeat(64) } },
  ])("$label", async ({ claims }) => {
    await expect(signLinkToken(SECRET, claims)).rejects.toThrow(RangeError);
  });
});

describe("signLinkToken rejects an expiry that is not whole unix seconds", () => {
  // The bounds themselves, 0 and 999_999_999_999, are signed by the tests above.
  test.each([
    { label: "fractional", expiresAtSec: NOW_SEC + 0.5 },
    { label: "negative", expiresAtSec: -1 },
    { label: "13 digits (milliseconds by mistake)", expiresAtSec: 1_000_000_000_000 },
    { label: "unsafe integer", expiresAtSec: 2 ** 53 },
    { label: "NaN", expiresAtSec: Number.NaN },
    { label: "Infinity", expiresAtSec: Number.POSITIVE_INFINITY },
  ])("$label", async ({ expiresAtSec }) => {
    const attempt = signLinkToken(SECRET, { ...CLAIMS, expiresAtSec });
    await expect(attempt).rejects.toThrow(RangeError);
    await expect(attempt).rejects.toThrow("expiresAtSec must be whole unix seconds");
  });
});

describe("links that carry the user's segments (version 2)", () => {
  const exp = NOW_SEC + 60;

  test.each([
    { label: "one segment", segments: ["vip"] },
    { label: "the most segments, the longest names", segments: ["a", "b", "c", "d".repeat(32)] },
  ])("round trip: $label", async ({ segments }) => {
    const claims = { ...CLAIMS, segments };
    const token = await signLinkToken(SECRET, claims);
    expect(await verifyLinkToken(SECRET, token, NOW_MS)).toEqual({ ok: true, claims });
    // The longest version 2 token stays within the verifier's 512-char limit.
    const longest = await signLinkToken(SECRET, {
      userId: "u".repeat(64),
      offerId: `a${"b".repeat(62)}`,
      expiresAtSec: 999_999_999_999,
      segments: ["a", "b", "c", "d"].map((c) => c.repeat(32)),
    });
    expect(longest.length).toBeLessThanOrEqual(512);
    expect((await verifyLinkToken(SECRET, longest, NOW_MS)).ok).toBe(true);
  });

  test("no segments is a version 1 token, byte for byte", async () => {
    expect(await signLinkToken(SECRET, { ...CLAIMS, segments: [] })).toBe(
      await signLinkToken(SECRET, CLAIMS),
    );
  });

  test.each([
    { label: "control", text: `2|usr_42|acme-shoes|${exp}|vip,new`, want: "ok" },
    { label: "empty segment list", text: `2|usr_42|acme-shoes|${exp}|`, want: "malformed" },
    { label: "empty segment", text: `2|usr_42|acme-shoes|${exp}|vip,`, want: "malformed" },
    { label: "upper-case segment", text: `2|usr_42|acme-shoes|${exp}|VIP`, want: "malformed" },
    { label: "five segments", text: `2|usr_42|acme-shoes|${exp}|a,b,c,d,e`, want: "malformed" },
    {
      label: "segment of 33 chars",
      text: `2|usr_42|acme-shoes|${exp}|${"s".repeat(33)}`,
      want: "malformed",
    },
    { label: "extra field", text: `2|usr_42|acme-shoes|${exp}|vip|x`, want: "malformed" },
    { label: "segments on version 1", text: `1|usr_42|acme-shoes|${exp}|vip`, want: "malformed" },
  ])("parse: $label", async ({ text, want }) => {
    const result = await verifyLinkToken(SECRET, await signRaw(SECRET, text), NOW_MS);
    expect(result.ok ? "ok" : result.reason).toBe(want);
  });

  test.each([
    { label: "five segments", segments: ["a", "b", "c", "d", "e"] },
    { label: "a segment with ','", segments: ["a,b"] },
    { label: "a segment with '|'", segments: ["a|b"] },
    { label: "an empty segment", segments: [""] },
  ])("sign rejects $label", async ({ segments }) => {
    await expect(signLinkToken(SECRET, { ...CLAIMS, segments })).rejects.toThrow(RangeError);
  });
});

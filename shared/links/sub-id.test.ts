import { describe, expect, test } from "vitest";
import { toBase64Url, utf8 } from "../crypto/encoding";
import { hmacSha256 } from "../crypto/hmac";
import { newId } from "../ids";
import { decodeSubId, encodeSubId, type SubIdClaims } from "./sub-id";

const SECRET = "subid-secret-for-tests";
const CLICK_AT_SEC = 1_760_000_000;
const CLAIMS: SubIdClaims = {
  userId: "usr_42",
  offerId: "acme-shoes",
  clickId: "clk_mi3x2k9aXf3q",
  clickAtSec: CLICK_AT_SEC,
};

/** Signs an arbitrary payload text with the sub-ID's own scheme, to reach the parser past the MAC. */
async function signRaw(secret: string, payloadText: string): Promise<string> {
  const payload = toBase64Url(utf8.encode(payloadText));
  const mac = (await hmacSha256(secret, `subid.${payload}`)).slice(0, 12);
  return payload + toBase64Url(mac);
}

/** Replaces the character at `index` with a different base64url character. */
function flipChar(text: string, index: number): string {
  const at = index < 0 ? text.length + index : index;
  const replacement = text[at] === "A" ? "B" : "A";
  return text.slice(0, at) + replacement + text.slice(at + 1);
}

describe("encodeSubId / decodeSubId", () => {
  test.each([
    { label: "typical claims", claims: CLAIMS },
    { label: "click id minted by newId", claims: { ...CLAIMS, clickId: newId("click", 0) } },
    {
      label: "longest fields",
      claims: {
        userId: "U".repeat(64),
        offerId: `a${"z".repeat(62)}`,
        clickId: `clk_${"-".repeat(64)}`,
        clickAtSec: 999_999_999_999,
      },
    },
    {
      label: "shortest fields",
      claims: { userId: "u", offerId: "o", clickId: "clk_12345678", clickAtSec: 0 },
    },
  ])("round trip: $label", async ({ claims }) => {
    const subId = await encodeSubId(SECRET, claims);
    expect(subId).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(subId.length).toBeLessThanOrEqual(400);
    expect(await decodeSubId(SECRET, subId)).toEqual({ ok: true, claims });
  });

  test("only [A-Za-z0-9_-] for many random click ids", async () => {
    // Bytes that base64-encode to '+' and '/' turn up within a few dozen random ids.
    for (let i = 0; i < 200; i++) {
      const claims = { ...CLAIMS, clickId: newId("click", CLICK_AT_SEC * 1000 + i) };
      const subId = await encodeSubId(SECRET, claims);
      expect(subId).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(await decodeSubId(SECRET, subId)).toEqual({ ok: true, claims });
    }
  });

  test.each([
    { label: "first char of payload", tamper: (s: string) => flipChar(s, 0) },
    { label: "middle of payload", tamper: (s: string) => flipChar(s, 20) },
    { label: "last char of payload", tamper: (s: string) => flipChar(s, -17) },
    { label: "first char of mac", tamper: (s: string) => flipChar(s, -16) },
    { label: "last char of mac", tamper: (s: string) => flipChar(s, -1) },
    {
      label: "payload for another user, original mac",
      tamper: (s: string) =>
        toBase64Url(utf8.encode(`1|usr_43|acme-shoes|${CLICK_AT_SEC}|${CLAIMS.clickId}`)) +
        s.slice(-16),
    },
  ])("tampered $label → bad_signature", async ({ tamper }) => {
    const subId = tamper(await encodeSubId(SECRET, CLAIMS));
    expect(await decodeSubId(SECRET, subId)).toEqual({ ok: false, reason: "bad_signature" });
  });

  test("wrong secret → bad_signature", async () => {
    const subId = await encodeSubId("another-secret", CLAIMS);
    expect(await decodeSubId(SECRET, subId)).toEqual({ ok: false, reason: "bad_signature" });
  });
});

describe("decodeSubId accepts exactly one spelling of a sub-ID", () => {
  const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

  test("decode then encode reproduces the sub-ID exactly", async () => {
    for (const claims of [CLAIMS, { ...CLAIMS, clickId: newId("click", 0) }]) {
      const subId = await encodeSubId(SECRET, claims);
      const decoded = await decodeSubId(SECRET, subId);
      if (!decoded.ok) throw new Error(`round trip failed: ${decoded.reason}`);
      expect(await encodeSubId(SECRET, decoded.claims)).toBe(subId);
    }
  });

  test("every single-character change in the 16 MAC chars is rejected", async () => {
    // 12 bytes are exactly 16 chars with no spare bits, so every other spelling is another
    // MAC: none may decode, and none can be a second spelling of the same one.
    const subId = await encodeSubId(SECRET, CLAIMS);
    const results = new Map<string, number>();
    let tried = 0;
    for (let at = subId.length - 16; at < subId.length; at++) {
      for (const char of BASE64URL) {
        if (char === subId[at]) continue;
        const altered = subId.slice(0, at) + char + subId.slice(at + 1);
        const result = await decodeSubId(SECRET, altered);
        const outcome = result.ok ? "ok" : result.reason;
        results.set(outcome, (results.get(outcome) ?? 0) + 1);
        tried++;
      }
    }
    expect(tried).toBe(16 * 63);
    expect(Object.fromEntries(results)).toEqual({ bad_signature: 16 * 63 });
  });
});

describe("decodeSubId rejects malformed input", () => {
  test.each([
    { label: "empty", subId: "" },
    { label: "mac-length only (16 chars)", subId: "A".repeat(16) },
    { label: "one char short of a payload", subId: "AAAAAAAAAAAAAAA" },
    { label: "too long (401 chars)", subId: "A".repeat(401) },
    { label: "'.' inside", subId: `${"A".repeat(20)}.${"A".repeat(16)}` },
    { label: "'+' and '/' (plain base64)", subId: `${"A+/A".repeat(5)}${"A".repeat(16)}` },
    { label: "'=' padding", subId: `AAAA==${"A".repeat(16)}` },
    { label: "whitespace", subId: ` ${"A".repeat(24)}` },
    { label: "url-encoded pipe", subId: `1%7Cusr_42${"A".repeat(16)}` },
    { label: "payload of impossible base64 length", subId: `AAAAA${"A".repeat(16)}` },
  ])("$label", async ({ subId }) => {
    expect(await decodeSubId(SECRET, subId)).toEqual({ ok: false, reason: "malformed" });
  });
});

describe("decodeSubId rejects correctly signed payloads it cannot parse", () => {
  const clk = CLAIMS.clickId;
  const t = CLICK_AT_SEC;
  test.each([
    { label: "control: well-formed payload", text: `1|usr_42|acme-shoes|${t}|${clk}`, want: "ok" },
    { label: "version 2", text: `2|usr_42|acme-shoes|${t}|${clk}`, want: "malformed" },
    { label: "version missing", text: `|usr_42|acme-shoes|${t}|${clk}`, want: "malformed" },
    { label: "extra field", text: `1|usr_42|acme-shoes|${t}|${clk}|x`, want: "malformed" },
    { label: "trailing separator", text: `1|usr_42|acme-shoes|${t}|${clk}|`, want: "malformed" },
    { label: "missing click id", text: `1|usr_42|acme-shoes|${t}`, want: "malformed" },
    {
      label: "click id without prefix",
      text: `1|usr_42|acme-shoes|${t}|mi3x2k9aXf3q`,
      want: "malformed",
    },
    {
      label: "click id with txn_ prefix",
      text: `1|usr_42|acme-shoes|${t}|txn_mi3x2k9aXf3q`,
      want: "malformed",
    },
    {
      label: "click id body of 7 chars",
      text: `1|usr_42|acme-shoes|${t}|clk_1234567`,
      want: "malformed",
    },
    {
      label: "click id with '.'",
      text: `1|usr_42|acme-shoes|${t}|clk_1234.5678`,
      want: "malformed",
    },
    { label: "non-numeric click time", text: `1|usr_42|acme-shoes|now|${clk}`, want: "malformed" },
    { label: "negative click time", text: `1|usr_42|acme-shoes|-1|${clk}`, want: "malformed" },
    {
      label: "fractional click time",
      text: `1|usr_42|acme-shoes|${t}.5|${clk}`,
      want: "malformed",
    },
    {
      label: "13-digit click time",
      text: `1|usr_42|acme-shoes|1760000000000|${clk}`,
      want: "malformed",
    },
    { label: "empty user id", text: `1||acme-shoes|${t}|${clk}`, want: "malformed" },
    { label: "user id with a space", text: `1|usr 42|acme-shoes|${t}|${clk}`, want: "malformed" },
    { label: "offer id with upper case", text: `1|usr_42|Acme|${t}|${clk}`, want: "malformed" },
    { label: "fields swapped", text: `1|usr_42|acme-shoes|${clk}|${t}`, want: "malformed" },
  ])("$label", async ({ text, want }) => {
    const result = await decodeSubId(SECRET, await signRaw(SECRET, text));
    expect(result.ok ? "ok" : result.reason).toBe(want);
  });

  test("signed bytes that are not UTF-8 → malformed", async () => {
    const payload = toBase64Url(new Uint8Array([0xff, 0xfe, 0x7c, 0x31]));
    const mac = (await hmacSha256(SECRET, `subid.${payload}`)).slice(0, 12);
    expect(await decodeSubId(SECRET, payload + toBase64Url(mac))).toEqual({
      ok: false,
      reason: "malformed",
    });
  });
});

describe("encodeSubId rejects claims that could break the wire form", () => {
  test.each([
    { label: "empty user id", claims: { ...CLAIMS, userId: "" } },
    { label: "user id with '|'", claims: { ...CLAIMS, userId: "usr|1" } },
    { label: "offer id with upper case", claims: { ...CLAIMS, offerId: "Acme" } },
    { label: "click id without prefix", claims: { ...CLAIMS, clickId: "mi3x2k9aXf3q" } },
    { label: "click id with '|'", claims: { ...CLAIMS, clickId: "clk_1234|5678" } },
  ])("$label", async ({ claims }) => {
    await expect(encodeSubId(SECRET, claims)).rejects.toThrow(RangeError);
  });
});

describe("encodeSubId rejects a click time that is not whole unix seconds", () => {
  // The bounds themselves, 0 and 999_999_999_999, are encoded by the round trips above.
  test.each([
    { label: "fractional", clickAtSec: CLICK_AT_SEC + 0.5 },
    { label: "negative", clickAtSec: -1 },
    { label: "13 digits (milliseconds by mistake)", clickAtSec: 1_000_000_000_000 },
    { label: "unsafe integer", clickAtSec: 2 ** 53 },
    { label: "NaN", clickAtSec: Number.NaN },
    { label: "Infinity", clickAtSec: Number.POSITIVE_INFINITY },
  ])("$label", async ({ clickAtSec }) => {
    const attempt = encodeSubId(SECRET, { ...CLAIMS, clickAtSec });
    await expect(attempt).rejects.toThrow(RangeError);
    await expect(attempt).rejects.toThrow("clickAtSec must be whole unix seconds");
  });
});
